//! Mounting plugin APIs chosen at run time.
//!
//! `OpenApi::meta()` and `register()` take no `self`, so the spec cannot ask
//! an instance which plugins are on. `PluginApi<A>` wraps a plugin's API:
//! its routes come from the instance (`None` when the plugin is off: no
//! routes, so its paths are 404), and its spec entries come from
//! `meta()`/`register()`, which consult the *spec scope*: the set of plugins
//! the spec being built is for.
//!
//! The scope is thread-local and set only around the synchronous code that
//! builds one server's routes, spec endpoint and docs page
//! (`with_spec_scope`), not process-wide: the test suite runs many servers
//! with different plugins in one process, and `shopdb openapi export`
//! builds the committed spec outside any scope, which means every plugin.
//! Each plugin has its own `Tags` enum, so a disabled plugin leaves no
//! empty tag behind either.

use std::cell::RefCell;
use std::collections::HashMap;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaApi, Registry};

use crate::state::AppState;

thread_local! {
    static SPEC_SCOPE: RefCell<Option<Vec<&'static str>>> = const { RefCell::new(None) };
}

/// Runs `f` with the spec limited to `enabled` plugins on this thread.
/// Everything poem-openapi derives from `meta()` inside `f` (the spec, the
/// docs page, the route table check) sees only those plugins.
pub fn with_spec_scope<R>(enabled: &[&'static str], f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Vec<&'static str>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SPEC_SCOPE.with(|s| *s.borrow_mut() = previous);
        }
    }
    let previous = SPEC_SCOPE.with(|s| s.borrow_mut().replace(enabled.to_vec()));
    let _restore = Restore(previous);
    f()
}

/// Whether plugin `id` belongs in the spec being built: outside a scope
/// (the committed spec) every plugin does.
pub fn in_spec(id: &str) -> bool {
    SPEC_SCOPE.with(|s| s.borrow().as_ref().is_none_or(|ids| ids.contains(&id)))
}

/// A plugin's poem-openapi API. Implement it next to `#[OpenApi]` with
/// `prefix_path = "/api/v1/plugins/<id>"` and the plugin's own tag
/// `plugin:<id>` (a contract test checks both).
pub trait PluginOpenApi: OpenApi + Sized + 'static {
    /// The plugin id.
    const PLUGIN: &'static str;
    /// The API of a running instance (called only when the plugin is on).
    fn build(state: &AppState) -> Option<Self>;
}

/// A plugin API that is present or absent per instance.
pub struct PluginApi<A>(Option<A>);

impl<A: PluginOpenApi> PluginApi<A> {
    /// With a state: the API when the plugin is enabled there. Without: no
    /// routes (the committed spec needs only the metadata).
    pub fn new(state: Option<&AppState>) -> Self {
        Self(
            state
                .filter(|s| s.plugins.is_enabled(A::PLUGIN))
                .and_then(A::build),
        )
    }

    pub fn is_mounted(&self) -> bool {
        self.0.is_some()
    }
}

impl<A: PluginOpenApi> OpenApi for PluginApi<A> {
    fn meta() -> Vec<MetaApi> {
        if in_spec(A::PLUGIN) { A::meta() } else { Vec::new() }
    }

    fn register(registry: &mut Registry) {
        if in_spec(A::PLUGIN) {
            A::register(registry);
        }
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {
        if let Some(api) = self.0 {
            api.add_routes(route_table);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore() {
        assert!(in_spec("labels"));
        with_spec_scope(&[], || {
            assert!(!in_spec("labels"));
            with_spec_scope(&["labels"], || assert!(in_spec("labels")));
            assert!(!in_spec("labels"));
        });
        assert!(in_spec("labels"));
        // Another thread never sees this thread's scope.
        with_spec_scope(&[], || {
            let other = std::thread::spawn(|| in_spec("labels")).join().unwrap();
            assert!(other);
        });
    }
}
