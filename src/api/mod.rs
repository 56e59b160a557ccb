//! HTTP layer: DTOs, error mapping, middleware and route assembly.
//! Handlers parse input, call a service, and map the result; no rules here.

pub mod accounts;
pub mod asset_bulk;
pub mod asset_dto;
pub mod asset_list;
pub mod asset_types;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod health;
pub mod history;
pub mod json_body;
pub mod locations;
pub mod meta;
pub mod middleware;
pub mod plugins;
pub mod problem;
pub mod security;
pub mod summary;
pub mod tokens;
pub mod users;

use poem::endpoint::make_sync;
use poem::middleware::Cors;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route, get};
use poem_openapi::{OpenApiService, Tags};

use crate::build_info;
use crate::state::AppState;

/// One tag per area: generated clients group operations by it.
#[derive(Tags)]
pub enum ApiTags {
    /// Facts about this ShopDB instance.
    #[oai(rename = "meta")]
    Meta,
    /// Sign-in, sessions and your own password.
    #[oai(rename = "auth")]
    Auth,
    /// User administration.
    #[oai(rename = "users")]
    Users,
    /// API tokens for scripts and integrations.
    #[oai(rename = "tokens")]
    Tokens,
    /// The security audit trail.
    #[oai(rename = "audit")]
    Audit,
    /// The location tree: sites, buildings, halls, lines, cells, stations.
    #[oai(rename = "locations")]
    Locations,
    /// Asset types and their custom field definitions.
    #[oai(rename = "asset-types")]
    AssetTypes,
    /// Assets: machines, PCs, printers, network gear; relations, lists, search, bulk work.
    #[oai(rename = "assets")]
    Assets,
    /// The change history of the inventory, and reverting a change.
    #[oai(rename = "history")]
    History,
    /// Counts and recent changes for dashboards and fleet roll-ups.
    #[oai(rename = "summary")]
    Summary,
    /// The plugins enabled on this site and their UI manifests. Each plugin's
    /// own operations carry its tag `plugin:<id>`.
    #[oai(rename = "plugins")]
    Plugins,
}

/// Every API area.
pub type Apis = (
    meta::MetaApi,
    auth::AuthApi,
    users::UsersApi,
    tokens::TokensApi,
    audit::AuditApi,
    locations::LocationsApi,
    asset_types::AssetTypesApi,
    assets::AssetsApi,
    asset_bulk::AssetBulkApi,
    history::HistoryApi,
    asset_list::AssetListApi,
    summary::SummaryApi,
    plugins::PluginsApi,
    crate::plugins::Apis,
);

/// With a state: the APIs of that running instance (plugin APIs only for
/// its enabled plugins). Without: every API, for the committed spec.
fn apis(state: Option<&AppState>) -> Apis {
    (
        meta::MetaApi,
        auth::AuthApi,
        users::UsersApi,
        tokens::TokensApi,
        audit::AuditApi,
        locations::LocationsApi,
        asset_types::AssetTypesApi,
        assets::AssetsApi,
        asset_bulk::AssetBulkApi,
        history::HistoryApi,
        asset_list::AssetListApi,
        summary::SummaryApi,
        plugins::PluginsApi,
        crate::plugins::apis(state),
    )
}

/// The OpenAPI service. Needs no database: `shopdb openapi export` uses it.
/// Paths in the spec are complete (`/api/v1/...`) and no server URL is set,
/// so the spec is the same for every site and generated clients only need
/// the site's base URL.
fn openapi_service(state: Option<&AppState>) -> OpenApiService<Apis, ()> {
    OpenApiService::new(apis(state), build_info::PRODUCT, build_info::VERSION).description(
        "ShopDB: shop-floor asset inventory for one manufacturing site. \
             Errors are application/problem+json (RFC 9457) with a stable `code`. \
             Plugin operations (tags `plugin:<id>`) are served only where the plugin is enabled.",
    )
}

/// The spec as committed in `openapi/openapi.json`: every plugin included.
pub fn spec_json() -> String {
    let mut spec = openapi_service(None).spec();
    spec.push('\n');
    spec
}

/// Every route of the server. The API, its spec and the docs page are
/// built inside one spec scope, so all three show exactly the enabled
/// plugins (`plugins::api`).
pub fn routes(state: AppState) -> impl Endpoint {
    let enabled = state.plugins.ids();
    let (api_ep, spec_json, docs_html) = crate::plugins::api::with_spec_scope(&enabled, || {
        let api = openapi_service(Some(&state));
        let spec = api.spec();
        let docs = api.swagger_ui_html();
        (api.into_endpoint(), spec, docs)
    });
    let spec = make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(spec_json.clone())
    });
    let docs = Route::new().at("/", make_sync(move |_| Html(docs_html.clone())));
    let cors_origins = state.config.server.cors_allowed_origins.clone();
    let app = Route::new()
        .nest("/api/docs", docs)
        .at("/api/openapi.json", spec)
        .nest_no_strip("/api", api_ep)
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(health::metrics))
        .nest("/", crate::web::SpaEndpoint::new());
    let state_for_mw = state.clone();
    let app = app.data(state);
    // CORS only when origins are configured: poem's Cors with an empty
    // list would allow any origin.
    let app = if cors_origins.is_empty() {
        app.boxed()
    } else {
        let cors = cors_origins
            .iter()
            .fold(Cors::new(), |c, o| c.allow_origin(o.as_str()))
            .allow_credentials(false)
            .max_age(600);
        app.with(cors).boxed()
    };
    app.into_endpoint()
        .around(move |ep, req| middleware::observe(ep, req, state_for_mw.clone()))
}
