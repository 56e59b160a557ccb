//! `shopdb demo`: a realistic site to try ShopDB on and to benchmark it.
//! A plant with halls, lines, cells and stations (plus offices); CNC
//! machines, presses and robots with their controller PCs inside them
//! (`controls`), HMIs, label printers feeding machines, switches that PCs
//! are `connected_to`, office PCs; statuses spread; a round of later edits
//! so history has updates. Deterministic for a given `--seed`.
//!
//! Assets go through the bulk path (`bulk::run`), so they are validated
//! and recorded exactly like an import.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::assets::AssetPatch;
use super::bulk::{self, BulkInput, Naming};
use super::history::{self, action, entity};
use crate::db::queries::asset_bulk;
use crate::db::queries::changes::NewChange;
use crate::db::queries::locations::{self, LocationFields, LocationRow, Placement};
use crate::db::queries::seed;
use crate::domain::Role;
use crate::domain::inventory::{AssetId, LocationId, LocationKind, RelationKind};
use crate::service::ServiceError;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub assets: usize,
    pub seed: u64,
    /// Seed even though the database has assets (tags that exist are updated).
    pub force: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    /// Locations created (existing paths are reused).
    pub locations: usize,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub relations: usize,
    pub updates: u64,
    pub took: Duration,
}

const MACHINES: &[(&str, &str, &[&str])] = &[
    ("CNC lathe", "DMG Mori", &["CTX 450", "NLX 2500", "CLX 350"]),
    ("CNC lathe", "Mazak", &["QT-200", "Integrex i-200"]),
    ("Machining center", "Hermle", &["C 42", "C 32 U"]),
    ("Machining center", "Haas", &["VF-2", "UMC-750"]),
    ("Press brake", "Trumpf", &["TruBend 5130", "TruBend 7036"]),
    ("Laser cutter", "Trumpf", &["TruLaser 3030", "TruLaser 5040"]),
    ("Welding robot", "KUKA", &["KR 16", "KR Cybertech"]),
    ("Welding robot", "Fanuc", &["ARC Mate 100iD", "M-20iD"]),
    (
        "Injection molding machine",
        "Engel",
        &["victory 200", "e-mac 100"],
    ),
    ("Injection molding machine", "Arburg", &["Allrounder 470"]),
];
const CONTROLLERS: &[(&str, &str)] = &[
    ("Siemens", "SIMATIC IPC427E"),
    ("Beckhoff", "C6930"),
    ("Dell", "OptiPlex 7090 XE"),
];
const HMIS: &[(&str, &str)] = &[("Siemens", "SIMATIC TP1200"), ("Beckhoff", "CP2916")];
const PRINTERS: &[(&str, &str)] = &[
    ("Zebra", "ZT411"),
    ("Zebra", "ZT610"),
    ("Brother", "QL-820NWB"),
    ("HP", "LaserJet M507"),
];
const SWITCHES: &[(&str, &str)] = &[
    ("Cisco", "IE-3400"),
    ("Hirschmann", "RSP35"),
    ("Siemens", "SCALANCE XC208"),
    ("Moxa", "EDS-510E"),
];
const OFFICE: &[(&str, &str, &str)] = &[
    ("Laptop", "Dell", "Latitude 5540"),
    ("Laptop", "Lenovo", "ThinkPad T14"),
    ("Desktop", "HP", "EliteDesk 800"),
];
const DEPARTMENTS: &[&str] = &[
    "Production",
    "Maintenance",
    "Quality",
    "Logistics",
    "IT",
    "Engineering",
];
const OWNERS: &[&str] = &[
    "A. Becker",
    "M. Schulz",
    "J. Novak",
    "L. Rossi",
    "K. Wagner",
    "S. Yilmaz",
    "P. Dubois",
    "T. Nowak",
];

/// Lifecycle statuses, mostly in service.
fn status(rng: &mut StdRng) -> &'static str {
    match rng.random_range(0..100) {
        0..80 => "in_service",
        80..88 => "maintenance",
        88..93 => "spare",
        93..97 => "planned",
        97..99 => "retired",
        _ => "disposed",
    }
}

fn pick<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    &list[rng.random_range(0..list.len())]
}

/// `10.a.b.c` from a counter: unique for the first 16 million.
fn ip(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

fn mac(n: usize) -> String {
    format!(
        "00:1b:21:{:02x}:{:02x}:{:02x}",
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

fn dates(rng: &mut StdRng) -> (String, String) {
    let y = rng.random_range(2012..2026);
    let m = rng.random_range(1..13);
    let d = rng.random_range(1..29);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:04}-{m:02}-{d:02}", y + 3),
    )
}

/// The site's locations: where each kind of asset goes.
struct Site {
    stations: Vec<LocationRow>,
    cells: Vec<LocationRow>,
    lines: Vec<LocationRow>,
    rooms: Vec<LocationRow>,
    count: usize,
}

/// Creates the location tree through the locations repository, reusing
/// locations whose path exists (`--force` on a seeded database).
struct Builder<'a> {
    tx: &'a mut crate::db::Tx,
    existing: HashMap<String, LocationRow>,
    created: Vec<LocationRow>,
}

impl Builder<'_> {
    async fn at(
        &mut self,
        parent: Option<&LocationRow>,
        name: &str,
        kind: LocationKind,
    ) -> Result<LocationRow, ServiceError> {
        let fields = LocationFields {
            name: name.to_owned(),
            kind,
            parent_id: parent.map(|p| p.id),
            floor_x: None,
            floor_y: None,
            notes: None,
        };
        let probe = Placement::under(parent, LocationId(0), name);
        if let Some(p) = self.existing.get(&probe.path) {
            return Ok(p.clone());
        }
        let id = locations::insert(self.tx, &fields, parent, None).await?;
        let now = chrono::Utc::now();
        let row = LocationRow {
            id,
            placement: Placement::under(parent, id, name),
            fields,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.created.push(row.clone());
        Ok(row)
    }
}

async fn build_site(tx: &mut crate::db::Tx, halls: usize) -> Result<(Site, Vec<NewChange>), ServiceError> {
    let existing = locations::all(tx)
        .await?
        .into_iter()
        .map(|p| (p.path().to_owned(), p))
        .collect();
    let mut b = Builder {
        tx,
        existing,
        created: Vec::new(),
    };
    let plant = b.at(None, "Plant 1", LocationKind::Site).await?;
    let mut site = Site {
        stations: Vec::new(),
        cells: Vec::new(),
        lines: Vec::new(),
        rooms: Vec::new(),
        count: 0,
    };
    for h in 0..halls {
        let name = format!("Hall {}", char::from(b'A' + u8::try_from(h % 26).unwrap_or(0)));
        let hall = b.at(Some(&plant), &name, LocationKind::Hall).await?;
        for l in 1..=5 {
            let line = b
                .at(Some(&hall), &format!("Line {l}"), LocationKind::Line)
                .await?;
            for c in 1..=6 {
                let cell = b
                    .at(Some(&line), &format!("Cell {c}"), LocationKind::Cell)
                    .await?;
                for s in 1..=4 {
                    let st = b
                        .at(Some(&cell), &format!("Station {s}"), LocationKind::Station)
                        .await?;
                    site.stations.push(st);
                }
                site.cells.push(cell);
            }
            site.lines.push(line);
        }
    }
    let offices = b.at(Some(&plant), "Offices", LocationKind::Area).await?;
    for r in 1..=12 {
        let room = b
            .at(Some(&offices), &format!("Room {r:02}"), LocationKind::Room)
            .await?;
        site.rooms.push(room);
    }
    site.count = b.created.len();
    let changes = b
        .created
        .iter()
        .map(|r| {
            // What the locations service records of a new location.
            let mut v = Map::new();
            v.insert("name".into(), json!(r.name()));
            v.insert("kind".into(), json!(r.fields.kind.as_str()));
            v.insert("parent_id".into(), json!(r.fields.parent_id.map(|p| p.0)));
            v.insert("path".into(), json!(r.path()));
            NewChange {
                entity: entity::LOCATION,
                entity_id: r.id.0,
                action: action::CREATE,
                summary: r.path().to_owned(),
                changes: history::snapshot(&v, true),
                ..NewChange::default()
            }
        })
        .collect();
    Ok((site, changes))
}

fn item(
    tag: String,
    name: String,
    type_key: &str,
    location: &LocationRow,
    text: Vec<(&'static str, String)>,
) -> BulkInput {
    BulkInput {
        tag,
        patch: AssetPatch {
            name: Some(name),
            type_key: Some(type_key.to_owned()),
            location_id: Some(Some(location.id.0)),
            text: text.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            ..AssetPatch::default()
        },
        ..BulkInput::default()
    }
}

/// The assets and the relations between them (by tag).
struct Plan {
    items: Vec<BulkInput>,
    relations: Vec<(RelationKind, String, String)>,
}

#[allow(clippy::too_many_lines)]
fn plan(rng: &mut StdRng, site: &Site, n: usize) -> Plan {
    let machines = (n * 35 / 100).max(1);
    let controllers = (n * 30 / 100).min(machines);
    let hmis = n * 10 / 100;
    let printers = n * 5 / 100;
    let switches = n * 5 / 100;
    let office = n.saturating_sub(machines + controllers + hmis + printers + switches);
    let mut items = Vec::with_capacity(n);
    let mut relations = Vec::new();
    let mut serial = 0usize;
    let mut next_serial = |prefix: &str| {
        serial += 1;
        format!("{prefix}{serial:08}")
    };
    let station = |i: usize| &site.stations[i % site.stations.len()];
    let cell_of_station = |i: usize| (i % site.stations.len()) / 4;
    let switch_for_cell = |cell: usize| (switches > 0).then(|| format!("SW-{:06}", cell % switches + 1));

    for i in 0..machines {
        let (kind, make, models) = pick(rng, MACHINES);
        let model = pick(rng, models);
        let (bought, warranty) = dates(rng);
        let mut it = item(
            format!("CNC-{:06}", i + 1),
            format!("{kind} {}", i + 1),
            "machine",
            station(i),
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("M")),
                ("owner", (*pick(rng, OWNERS)).to_owned()),
                ("department", "Production".to_owned()),
                ("purchase_date", bought),
                ("warranty_end", warranty),
            ],
        );
        it.patch.status = Some(status(rng).to_owned());
        items.push(it);
    }
    for i in 0..controllers {
        let (make, model) = pick(rng, CONTROLLERS);
        let tag = format!("PC-{:06}", i + 1);
        let machine = format!("CNC-{:06}", i + 1);
        let n_ip = switches + i + 1;
        let mut it = item(
            tag.clone(),
            format!("Controller PC of {machine}"),
            "computer",
            station(i),
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("C")),
                ("hostname", format!("pc-{:06}", i + 1)),
                ("ip", ip(n_ip)),
                ("mac", mac(n_ip)),
                ("department", "Production".to_owned()),
            ],
        );
        it.parent_tag = Some(Some(machine.clone()));
        items.push(it);
        relations.push((RelationKind::Controls, tag.clone(), machine));
        if let Some(sw) = switch_for_cell(cell_of_station(i)) {
            relations.push((RelationKind::ConnectedTo, tag, sw));
        }
    }
    for i in 0..hmis {
        let (make, model) = pick(rng, HMIS);
        let tag = format!("HMI-{:06}", i + 1);
        let n_ip = switches + controllers + i + 1;
        items.push(item(
            tag.clone(),
            format!("Operator panel {}", i + 1),
            "computer",
            station(i),
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("H")),
                ("hostname", format!("hmi-{:06}", i + 1)),
                ("ip", ip(n_ip)),
                ("mac", mac(n_ip)),
            ],
        ));
        if let Some(sw) = switch_for_cell(cell_of_station(i)) {
            relations.push((RelationKind::ConnectedTo, tag, sw));
        }
    }
    for i in 0..printers {
        let (make, model) = pick(rng, PRINTERS);
        let tag = format!("PRN-{:06}", i + 1);
        let line = &site.lines[i % site.lines.len()];
        let n_ip = switches + controllers + hmis + i + 1;
        items.push(item(
            tag.clone(),
            format!("Label printer {}", i + 1),
            "printer",
            line,
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("P")),
                ("hostname", format!("prn-{:06}", i + 1)),
                ("ip", ip(n_ip)),
                ("mac", mac(n_ip)),
                ("department", "Logistics".to_owned()),
            ],
        ));
        // A machine on the printer's line: line k holds stations 24k..24k+23.
        let on_line = (i % site.lines.len()) * 24 + rng.random_range(0..24);
        if on_line < machines {
            relations.push((RelationKind::Feeds, tag, format!("CNC-{:06}", on_line + 1)));
        }
    }
    for i in 0..switches {
        let (make, model) = pick(rng, SWITCHES);
        let cell = &site.cells[i % site.cells.len()];
        let mut it = item(
            format!("SW-{:06}", i + 1),
            format!(
                "Switch {}",
                cell.path().split(" / ").skip(1).collect::<Vec<_>>().join(" ")
            ),
            "network_device",
            cell,
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("SWX")),
                ("hostname", format!("sw-{:06}", i + 1)),
                ("ip", ip(i + 1)),
                ("mac", mac(i + 1)),
                ("department", "IT".to_owned()),
            ],
        );
        it.patch.status = Some(status(rng).to_owned());
        items.push(it);
    }
    for i in 0..office {
        let (kind, make, model) = pick(rng, OFFICE);
        let room = &site.rooms[i % site.rooms.len()];
        let n_ip = switches + controllers + hmis + printers + i + 1;
        let (bought, warranty) = dates(rng);
        let mut it = item(
            format!("OFF-{:06}", i + 1),
            format!("{kind} {}", i + 1),
            if i % 10 == 9 { "other" } else { "computer" },
            room,
            vec![
                ("manufacturer", (*make).to_owned()),
                ("model", (*model).to_owned()),
                ("serial", next_serial("O")),
                ("hostname", format!("off-{:06}", i + 1)),
                ("ip", ip(n_ip)),
                ("owner", (*pick(rng, OWNERS)).to_owned()),
                ("department", (*pick(rng, DEPARTMENTS)).to_owned()),
                ("purchase_date", bought),
                ("warranty_end", warranty),
            ],
        );
        it.patch.status = Some(status(rng).to_owned());
        items.push(it);
    }
    Plan { items, relations }
}

/// Later edits, so the history has updates: machines into maintenance
/// and back with a note, PCs given new addresses.
fn edits(rng: &mut StdRng, n: usize) -> Vec<BulkInput> {
    let machines = (n * 35 / 100).max(1);
    let controllers = (n * 30 / 100).min(machines);
    let mut out = Vec::new();
    for i in (0..machines).step_by(40) {
        let mut patch = AssetPatch {
            status: Some(
                if rng.random_bool(0.5) {
                    "maintenance"
                } else {
                    "in_service"
                }
                .to_owned(),
            ),
            ..AssetPatch::default()
        };
        patch.text.push((
            "notes",
            Some(format!("Spindle bearing replaced, ticket MNT-{}", 1000 + i)),
        ));
        out.push(BulkInput {
            tag: format!("CNC-{:06}", i + 1),
            patch,
            ..BulkInput::default()
        });
    }
    for i in (0..controllers).step_by(97) {
        let mut patch = AssetPatch::default();
        patch.text.push(("ip", Some(ip(0x00A0_0000 + i))));
        out.push(BulkInput {
            tag: format!("PC-{:06}", i + 1),
            patch,
            ..BulkInput::default()
        });
    }
    out
}

fn refuse(m: String) -> ServiceError {
    ServiceError::Validation(vec![crate::service::FieldError::new("assets", m)])
}

/// Seeds the demo site.
pub async fn seed(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    opts: DemoOptions,
) -> Result<DemoReport, ServiceError> {
    who.require(Role::Admin)?;
    let started = Instant::now();
    if opts.assets == 0 {
        return Err(refuse("give at least 1 asset".into()));
    }
    let existing = seed::count_assets(&mut state.db.clone()).await?;
    if existing > 0 && !opts.force {
        return Err(ServiceError::Conflict(format!(
            "the database already has {existing} assets; seed a fresh database, or pass --force to add the demo site anyway"
        )));
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let halls = (opts.assets / 15_000 + 1).clamp(2, 8);

    let mut tx = state.db.begin().await?;
    let (site, mut loc_changes) = build_site(&mut tx, halls).await?;
    for c in &mut loc_changes {
        c.actor_id = Some(who.user_id.0);
        c.actor = Some(who.username.clone());
        c.request_id.clone_from(&ctx.request_id);
    }
    asset_bulk::insert_changes(&mut tx, &loc_changes).await?;
    tx.commit().await?;

    let Plan { items, relations } = plan(&mut rng, &site, opts.assets);
    let tags: Vec<String> = items.iter().map(|i| i.tag.clone()).collect();
    let created = bulk::run(state, who, ctx, items, false, Naming::Items).await?;
    if created.failed() {
        let first = created.errors.first().map_or_else(String::new, |e| {
            format!(": {} {}: {}", e.tag.as_deref().unwrap_or("?"), e.field, e.message)
        });
        return Err(refuse(format!(
            "{} demo assets were refused{first}",
            created.error_count
        )));
    }

    let related = link(state, who, ctx, &tags, &relations).await?;
    let edited = bulk::run(
        state,
        who,
        ctx,
        edits(&mut rng, opts.assets),
        false,
        Naming::Items,
    )
    .await?;
    Ok(DemoReport {
        locations: site.count,
        created: created.created,
        updated: created.updated,
        unchanged: created.unchanged,
        relations: related,
        updates: edited.updated,
        took: started.elapsed(),
    })
}

/// Relations by tag, with their change-log entries, in one transaction.
async fn link(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    tags: &[String],
    relations: &[(RelationKind, String, String)],
) -> Result<usize, ServiceError> {
    let mut tx = state.db.begin().await?;
    let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    let ids = asset_bulk::ids_by_tags(&mut tx, &refs).await?;
    let id = |t: &str| {
        ids.get(t)
            .copied()
            .ok_or_else(|| ServiceError::Internal(format!("demo asset {t} is missing")))
    };
    let mut rows = Vec::with_capacity(relations.len());
    for (kind, s, t) in relations {
        rows.push((*kind, id(s)?, id(t)?));
    }
    // --force on a seeded database: keep the relations that exist.
    let sources: Vec<AssetId> = rows.iter().map(|r| r.1).collect();
    let existing: std::collections::HashSet<(AssetId, AssetId, String)> =
        seed::relation_ids(&mut tx, &sources)
            .await?
            .into_iter()
            .map(|(_, s, t, k)| (s, t, k))
            .collect();
    rows.retain(|(k, s, t)| !existing.contains(&(*s, *t, k.as_str().to_owned())));
    seed::insert_relations(&mut tx, &rows, &who.username).await?;

    let tag_of: HashMap<AssetId, &str> = ids.iter().map(|(t, i)| (*i, t.as_str())).collect();
    let mut changes = Vec::with_capacity(rows.len());
    for (rid, s, t, kind) in seed::relation_ids(&mut tx, &sources).await? {
        if existing.contains(&(s, t, kind.clone())) {
            continue;
        }
        let label = kind
            .parse::<RelationKind>()
            .map_or("related to", RelationKind::label);
        let mut v = Map::new();
        v.insert("kind".into(), Value::String(kind.clone()));
        v.insert("source_id".into(), json!(s.0));
        v.insert("target_id".into(), json!(t.0));
        changes.push(NewChange {
            actor_id: Some(who.user_id.0),
            actor: Some(who.username.clone()),
            request_id: ctx.request_id.clone(),
            entity: entity::RELATION,
            entity_id: rid,
            asset_id: Some(s.0),
            related_asset_id: Some(t.0),
            action: action::CREATE,
            summary: format!(
                "{} {label} {}",
                tag_of.get(&s).copied().unwrap_or("?"),
                tag_of.get(&t).copied().unwrap_or("?")
            ),
            changes: history::snapshot(&v, true),
            ..NewChange::default()
        });
    }
    asset_bulk::insert_changes(&mut tx, &changes).await?;
    tx.commit().await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let p = |i: i64| {
            let id = LocationId(i);
            LocationRow {
                id,
                fields: LocationFields {
                    name: format!("X {i}"),
                    kind: LocationKind::Station,
                    parent_id: None,
                    floor_x: None,
                    floor_y: None,
                    notes: None,
                },
                placement: Placement::under(None, id, &format!("X {i}")),
                version: 1,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            }
        };
        Site {
            stations: (0..48).map(p).collect(),
            cells: (0..12).map(p).collect(),
            lines: (0..2).map(p).collect(),
            rooms: (0..3).map(p).collect(),
            count: 65,
        }
    }

    #[test]
    fn plans_are_deterministic_and_complete() {
        let a = plan(&mut StdRng::seed_from_u64(7), &site(), 1000);
        let b = plan(&mut StdRng::seed_from_u64(7), &site(), 1000);
        assert_eq!(a.items.len(), 1000);
        let tags = |p: &Plan| {
            p.items
                .iter()
                .map(|i| (i.tag.clone(), i.patch.status.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(tags(&a), tags(&b));
        assert_ne!(
            tags(&a),
            tags(&plan(&mut StdRng::seed_from_u64(8), &site(), 1000))
        );
        let mut seen = std::collections::HashSet::new();
        assert!(
            a.items.iter().all(|i| seen.insert(i.tag.clone())),
            "tags are unique"
        );
        let controls = a
            .relations
            .iter()
            .filter(|r| r.0 == RelationKind::Controls)
            .count();
        assert_eq!(controls, 300);
        assert!(a.relations.iter().any(|r| r.0 == RelationKind::Feeds));
        assert!(a.relations.iter().any(|r| r.0 == RelationKind::ConnectedTo));
        // Every PC sits in the machine it controls.
        let pc = a.items.iter().find(|i| i.tag == "PC-000001").unwrap();
        assert_eq!(pc.parent_tag, Some(Some("CNC-000001".into())));
        assert!(plan(&mut StdRng::seed_from_u64(1), &site(), 3).items.len() == 3);
    }
}
