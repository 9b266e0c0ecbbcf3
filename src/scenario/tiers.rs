//! The cache hierarchy of a scenario: `[cdn.tiers]` (upper tiers, how edges
//! pick their parent, request coalescing) and the origin sites, as written
//! ([`Tiers`], [`OriginSite`]) and validated ([`TierConfig`]).
//!
//! The keys are built to be swept with `--set`: one list of upper-tier
//! sites, and `cdn.tiers.mode` decides which of them are used (`none`:
//! none, `shield`: the one named by `cdn.tiers.shield`, `regional` and
//! `consistent-hash`: all). Every upper tier's capacity and eviction policy
//! default to `cdn.tiers.capacity` / `cdn.tiers.policy`, so one key sizes
//! them all. The model: docs/caches.md, "Tiers".

use super::load::Locator;
use super::raw::{Policy, Scenario};
use crate::error::InputError;
use crate::geo::CityId;
use crate::time::SimDuration;
use crate::units::{Bytes, Duration};
use serde::{Deserialize, Serialize};

/// Default byte capacity of each upper-tier cache.
pub const DEFAULT_TIER_CAPACITY: u64 = 100_000_000_000;
/// Default eviction policy of the upper tiers.
pub const DEFAULT_TIER_POLICY: Policy = Policy::Lru;
/// Default name of the primary origin (`origin.city`).
pub const DEFAULT_ORIGIN_NAME: &str = "origin";
/// Request coalescing is on unless a scenario turns it off.
pub const DEFAULT_COALESCING: bool = true;

/// Whether stored objects expire (`cdn.freshness`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Freshness {
    /// RFC 9111 freshness from each object's header profile: expired
    /// objects are revalidated (conditionally when they have validators),
    /// stale-while-revalidate and stale-if-error apply.
    #[default]
    Enforced,
    /// A stored object stays fresh until evicted (storability from headers
    /// still applies).
    NotEnforced,
}

impl Freshness {
    pub fn name(self) -> &'static str {
        match self {
            Freshness::Enforced => "enforced",
            Freshness::NotEnforced => "not-enforced",
        }
    }
}

/// An origin outage window (`[[origin.outages]]`): requests reaching the
/// origin site in `[at, at + duration)` get an error.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub at: Duration,
    pub duration: Duration,
    /// Origin site name (default: every site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// Default time of one purge gossip round.
pub const DEFAULT_PURGE_ROUND: SimDuration = SimDuration::from_millis(50);
/// Default nodes each informed node tells per round.
pub const DEFAULT_PURGE_FANOUT: u32 = 2;

fn default_purge_round() -> Duration {
    Duration(DEFAULT_PURGE_ROUND)
}
fn default_purge_fanout() -> u32 {
    DEFAULT_PURGE_FANOUT
}

/// `[cdn.purge]`: how purges spread, and the purges of the run.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Purge {
    /// One gossip round.
    #[serde(default = "default_purge_round")]
    pub round: Duration,
    /// Uninformed caches each informed cache tells per round (>= 1).
    #[serde(default = "default_purge_fanout")]
    pub fanout: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<PurgeEvent>,
}

impl Default for Purge {
    fn default() -> Self {
        Purge {
            round: default_purge_round(),
            fanout: DEFAULT_PURGE_FANOUT,
            events: Vec::new(),
        }
    }
}

/// What a purge names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PurgeScope {
    /// One URL: the catalog's object at popularity rank `rank` at `at`.
    Url,
    /// Every object whose path (`workload::names`) starts with `prefix`
    /// (without `prefix`: the whole catalog, `/<catalog>/`).
    Prefix,
    /// Every object carrying the surrogate key `surrogate_key`; or, the
    /// older form, `objects` consecutive ranks from `first_rank` (at `at`).
    SurrogateKey,
}

/// One purge (`[[cdn.purge.events]]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeEvent {
    /// When the purge is issued.
    pub at: Duration,
    /// Catalog name.
    pub catalog: String,
    pub scope: PurgeScope,
    /// `url`: popularity rank of the object (default 1, the hottest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u64>,
    /// `surrogate-key`: first rank and number of objects tagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_rank: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<u64>,
    /// `prefix`: a path prefix, e.g. `"/images/d12/"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `surrogate-key`: a key name, e.g. `"images-k17"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surrogate_key: Option<String>,
    /// Soft purge: mark stale (revalidate) instead of removing.
    #[serde(default)]
    pub soft: bool,
}

/// A validated purge: which objects (global ids) and how.
#[derive(Clone, Debug)]
pub struct PurgeConfig {
    pub at: crate::time::SimTime,
    pub catalog: usize,
    pub scope: PurgeScope,
    /// Ranks `[first, first + count)` (`url`: one; `prefix`: unused).
    pub first_rank: u64,
    pub count: u64,
    pub soft: bool,
    /// What the purge names, beyond ranks.
    pub names: PurgeNames,
}

/// What a validated purge names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurgeNames {
    /// The ranks `first_rank .. first_rank + count` (`url`, and
    /// `surrogate-key` in its rank form).
    Ranks,
    /// Objects whose path starts with this (`prefix`).
    Prefix(String),
    /// Objects carrying this key number (`surrogate-key`).
    Key(u32),
}

/// Which caches a push fills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushTargets {
    /// Every edge and every upper tier in use.
    #[default]
    All,
    Edges,
    /// The upper tiers in use (none with mode `none`).
    Upper,
}

/// A fill window (`[[cdn.push]]`): objects placed ahead of demand.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushWindow {
    pub start: Duration,
    pub end: Duration,
    pub catalog: String,
    /// Ranks `first_rank .. first_rank + objects` at `start`.
    #[serde(default = "one")]
    pub first_rank: u64,
    pub objects: u64,
    #[serde(default)]
    pub targets: PushTargets,
}

fn one() -> u64 {
    1
}

/// A validated fill window.
#[derive(Clone, Debug)]
pub struct PushConfig {
    pub start: crate::time::SimTime,
    pub end: crate::time::SimTime,
    pub catalog: usize,
    pub first_rank: u64,
    pub objects: u64,
    pub targets: PushTargets,
}

/// Largest number of objects in one fill window.
pub const MAX_PUSH_OBJECTS: u64 = 10_000_000;

/// How an edge finds the parent of its misses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TierMode {
    /// Edge misses go straight to the origin.
    #[default]
    None,
    /// Every edge's misses go to one upper tier (the origin shield).
    Shield,
    /// Each edge has one upper tier, chosen by `regional_choice`.
    Regional,
    /// Each object has one upper tier, by rendezvous hashing of its cache
    /// key over the upper tiers' names (docs/caches.md).
    ConsistentHash,
}

/// Which upper tier a `regional` edge uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegionalChoice {
    /// The upper tier with the lowest RTT from the edge.
    #[default]
    Nearest,
    /// The upper tier with the lowest edge -> tier -> origin RTT.
    LowestOriginRtt,
}

fn default_tier_capacity() -> Bytes {
    Bytes(DEFAULT_TIER_CAPACITY)
}
fn default_tier_policy() -> Policy {
    DEFAULT_TIER_POLICY
}
fn default_coalescing() -> bool {
    DEFAULT_COALESCING
}
fn default_tier_processing() -> Duration {
    Duration(super::DEFAULT_EDGE_PROCESSING)
}

/// `[cdn.tiers]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    #[serde(default)]
    pub mode: TierMode,
    /// With `mode = "regional"`.
    #[serde(default)]
    pub regional_choice: RegionalChoice,
    /// Concurrent misses for one object at one cache wait for one fetch.
    #[serde(default = "default_coalescing")]
    pub coalescing: bool,
    /// The upper tier used with `mode = "shield"` (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shield: Option<String>,
    /// Capacity of every upper tier that gives none.
    #[serde(default = "default_tier_capacity")]
    pub capacity: Bytes,
    /// Eviction policy of every upper tier that gives none.
    #[serde(default = "default_tier_policy")]
    pub policy: Policy,
    /// Server processing time per request at an upper tier.
    #[serde(default = "default_tier_processing")]
    pub processing: Duration,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upper: Vec<UpperTier>,
    /// Request/egress limits of every upper tier (queues; not the cache's
    /// byte capacity), field by field under `upper[].limits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<super::transport::Capacity>,
    /// Further upper levels, each above the previous (`cdn.tiers.upper` is
    /// level 1); the last fetches from the origin sites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers {
            mode: TierMode::None,
            regional_choice: RegionalChoice::Nearest,
            coalescing: DEFAULT_COALESCING,
            shield: None,
            capacity: default_tier_capacity(),
            policy: DEFAULT_TIER_POLICY,
            processing: default_tier_processing(),
            upper: Vec::new(),
            limits: None,
            levels: Vec::new(),
        }
    }
}

/// Most upper levels of a hierarchy (`cdn.tiers.upper` and 7 levels above).
pub const MAX_UPPER_LEVELS: usize = 8;

/// A further upper level (`[[cdn.tiers.levels]]`): its sites and how the
/// level below picks its parent among them. Unused with
/// `cdn.tiers.mode = "none"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// `shield`, `regional` or `consistent-hash` (not `none`).
    pub mode: TierMode,
    #[serde(default)]
    pub regional_choice: RegionalChoice,
    /// With `mode = "shield"` (default: the level's first site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shield: Option<String>,
    /// Defaults of the level's sites (else `cdn.tiers.capacity`, `.policy`,
    /// `.processing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing: Option<Duration>,
    pub sites: Vec<UpperTier>,
}

/// A validated upper level above level 1.
#[derive(Clone, Debug)]
pub struct LevelConfig {
    pub mode: TierMode,
    pub regional_choice: RegionalChoice,
    /// Index into `sites` of the shield (mode `shield`).
    pub shield: usize,
    pub processing: SimDuration,
    pub sites: Vec<UpperConfig>,
}

/// One upper-tier site.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpperTier {
    pub name: String,
    /// City name, `Name,CC` or IATA code.
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// Origin site it fetches from (default: the lowest-RTT one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// This tier's request/egress limits, over `cdn.tiers.limits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<super::transport::Capacity>,
}

/// A further origin site (`[[origin.sites]]`), beside `origin.city`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OriginSite {
    pub name: String,
    pub city: String,
    /// This site's request/egress limits, over `origin.limits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<super::transport::Capacity>,
}

pub fn default_origin_name() -> String {
    DEFAULT_ORIGIN_NAME.to_string()
}

/// The validated hierarchy.
#[derive(Clone, Debug)]
pub struct TierConfig {
    pub mode: TierMode,
    pub regional_choice: RegionalChoice,
    pub coalescing: bool,
    /// Index into `upper` of the shield (mode `shield`).
    pub shield: usize,
    pub processing: SimDuration,
    pub upper: Vec<UpperConfig>,
    /// Upper levels above `upper` (level 2, 3, ...), lowest first.
    pub levels: Vec<LevelConfig>,
    /// Origin sites; `[0]` is `origin.city`.
    pub origins: Vec<OriginConfig>,
    /// Configured origin site per PoP (index into `origins`).
    pub pop_origin: Vec<Option<usize>>,
    pub freshness: Freshness,
    /// Per catalog: every object changes once per this interval (at a
    /// per-object phase); `None`: objects never change.
    pub change_every: Vec<Option<SimDuration>>,
    pub outages: Vec<Outage>,
    pub purge_round: SimDuration,
    pub purge_fanout: u32,
    pub purges: Vec<PurgeConfig>,
    pub push: Vec<PushConfig>,
    /// Per catalog: its objects' paths and surrogate keys.
    pub names: Vec<crate::workload::names::Names>,
}

/// A validated outage window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// Origin site, or every site.
    pub site: Option<usize>,
    pub from: crate::time::SimTime,
    pub until: crate::time::SimTime,
}

impl TierConfig {
    /// Whether origin site `o` fails requests reaching it at `t`.
    pub fn origin_down(&self, o: usize, t: crate::time::SimTime) -> bool {
        self.outages
            .iter()
            .any(|w| w.site.is_none_or(|s| s == o) && w.from <= t && t < w.until)
    }
}

#[derive(Clone, Debug)]
pub struct UpperConfig {
    pub name: String,
    pub city: CityId,
    pub capacity_bytes: u64,
    pub policy: Policy,
    pub origin: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct OriginConfig {
    pub name: String,
    pub city: CityId,
}

/// Validates `[cdn.tiers]`, the origin sites and the PoPs' `origin` keys.
pub fn validate(
    s: &Scenario,
    city: &dyn Fn(&str, &str) -> Result<CityId, InputError>,
    loc: &Locator,
) -> Result<TierConfig, InputError> {
    let t = &s.cdn.tiers;
    let err = |path: &str, msg: String| loc.error_at(path, msg);

    let mut origins = vec![OriginConfig {
        name: s.origin.name.clone(),
        city: city("origin.city", &s.origin.city)?,
    }];
    if s.origin.name.is_empty() {
        return Err(err("origin.name", "must not be empty".into()));
    }
    for (i, o) in s.origin.sites.iter().enumerate() {
        let path = format!("origin.sites[{i}]");
        if o.name.is_empty() {
            return Err(err(&format!("{path}.name"), "must not be empty".into()));
        }
        if let Some(j) = origins.iter().position(|p| p.name == o.name) {
            let other = if j == 0 {
                "origin.name".to_string()
            } else {
                format!("origin.sites[{}]", j - 1)
            };
            return Err(err(
                &format!("{path}.name"),
                format!("duplicate origin name {:?} (also {other})", o.name),
            ));
        }
        origins.push(OriginConfig {
            name: o.name.clone(),
            city: city(&format!("{path}.city"), &o.city)?,
        });
    }
    let names = || {
        origins
            .iter()
            .map(|o| format!("{:?}", o.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let origin_ref = |path: &str, name: &Option<String>| -> Result<Option<usize>, InputError> {
        match name {
            None => Ok(None),
            Some(n) => origins
                .iter()
                .position(|o| &o.name == n)
                .map(Some)
                .ok_or_else(|| {
                    err(
                        path,
                        format!("unknown origin {n:?} (expected one of {})", names()),
                    )
                }),
        }
    };
    let pop_origin = s
        .cdn
        .pops
        .iter()
        .enumerate()
        .map(|(i, p)| origin_ref(&format!("cdn.pops[{i}].origin"), &p.origin))
        .collect::<Result<Vec<_>, _>>()?;

    if t.capacity.0 == 0 {
        return Err(err(
            "cdn.tiers.capacity",
            "must be positive, e.g. \"100GB\"".into(),
        ));
    }
    let mut upper: Vec<UpperConfig> = Vec::with_capacity(t.upper.len());
    for (i, u) in t.upper.iter().enumerate() {
        let path = format!("cdn.tiers.upper[{i}]");
        if u.name.is_empty() {
            return Err(err(&format!("{path}.name"), "must not be empty".into()));
        }
        if let Some(j) = upper.iter().position(|v| v.name == u.name) {
            return Err(err(
                &format!("{path}.name"),
                format!(
                    "duplicate upper-tier name {:?} (also cdn.tiers.upper[{j}])",
                    u.name
                ),
            ));
        }
        if u.capacity.is_some_and(|c| c.0 == 0) {
            return Err(err(
                &format!("{path}.capacity"),
                "must be positive, e.g. \"100GB\" (or omit it for cdn.tiers.capacity)".into(),
            ));
        }
        upper.push(UpperConfig {
            name: u.name.clone(),
            city: city(&format!("{path}.city"), &u.city)?,
            capacity_bytes: u.capacity.unwrap_or(t.capacity).0,
            policy: u.policy.unwrap_or(t.policy),
            origin: origin_ref(&format!("{path}.origin"), &u.origin)?,
        });
    }
    if t.mode != TierMode::None && upper.is_empty() {
        let mode = serde_json::to_value(t.mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        return Err(err(
            "cdn.tiers.mode",
            format!(
                "{mode:?} needs at least one upper tier: add [[cdn.tiers.upper]] name = \"...\" city = \"...\" (or use mode = \"none\")"
            ),
        ));
    }
    let shield = match &t.shield {
        None => 0,
        Some(n) => upper.iter().position(|u| &u.name == n).ok_or_else(|| {
            let valid = upper
                .iter()
                .map(|u| format!("{:?}", u.name))
                .collect::<Vec<_>>()
                .join(", ");
            err(
                "cdn.tiers.shield",
                format!(
                    "unknown upper tier {n:?} (expected one of cdn.tiers.upper's names: {valid})"
                ),
            )
        })?,
    };
    let mut outages = Vec::new();
    for (i, w) in s.origin.outages.iter().enumerate() {
        if w.duration.get() == SimDuration::ZERO {
            return Err(err(
                &format!("origin.outages[{i}].duration"),
                "must be positive, e.g. \"2m\"".into(),
            ));
        }
        let from = crate::time::SimTime::ZERO + w.at.get();
        outages.push(Outage {
            site: origin_ref(&format!("origin.outages[{i}].site"), &w.site)?,
            from,
            until: from + w.duration.get(),
        });
    }
    let mut change_every = Vec::new();
    for (i, c) in s.workload.catalogs.iter().enumerate() {
        if c.change_every.is_some_and(|d| d.get() == SimDuration::ZERO) {
            return Err(err(
                &format!("workload.catalogs[{i}].change_every"),
                "must be positive, e.g. \"1h\" (omit it for objects that never change)".into(),
            ));
        }
        change_every.push(c.change_every.map(|d| d.get()));
    }
    let pg = &s.cdn.purge;
    if pg.fanout == 0 || pg.fanout > 64 {
        return Err(err(
            "cdn.purge.fanout",
            format!("{} is out of range (expected 1 to 64)", pg.fanout),
        ));
    }
    let catalog_names = catalog_names(s, loc)?;
    let mut purges = Vec::new();
    for (i, e) in pg.events.iter().enumerate() {
        let path = format!("cdn.purge.events[{i}]");
        let Some(c) = s.workload.catalogs.iter().position(|c| c.name == e.catalog) else {
            let names: Vec<String> = s
                .workload
                .catalogs
                .iter()
                .map(|c| format!("{:?}", c.name))
                .collect();
            return Err(err(
                &format!("{path}.catalog"),
                format!(
                    "unknown catalog {:?} (expected one of {})",
                    e.catalog,
                    names.join(", ")
                ),
            ));
        };
        let objects = s.workload.catalogs[c].objects;
        let ranks = e.first_rank.is_some() || e.objects.is_some();
        let (first_rank, count, wrong) = match e.scope {
            PurgeScope::Url => (
                e.rank.unwrap_or(1),
                1,
                ranks || e.prefix.is_some() || e.surrogate_key.is_some(),
            ),
            PurgeScope::Prefix => (
                1,
                objects,
                e.rank.is_some() || ranks || e.surrogate_key.is_some(),
            ),
            PurgeScope::SurrogateKey => (
                e.first_rank.unwrap_or(1),
                e.objects.unwrap_or(1),
                e.rank.is_some() || e.prefix.is_some() || (ranks && e.surrogate_key.is_some()),
            ),
        };
        if wrong {
            return Err(err(
                &path,
                "`url` takes `rank`; `prefix` takes `prefix` (a path prefix, e.g. \"/images/d12/\"); `surrogate-key` takes `surrogate_key` (e.g. \"images-k17\") or the rank form `first_rank` and `objects`".into(),
            ));
        }
        let names = purge_names(e, &path, &catalog_names[c], loc)?;
        if first_rank == 0 || count == 0 || first_rank.saturating_add(count - 1) > objects {
            return Err(err(
                &path,
                format!(
                    "ranks {first_rank} to {} are outside the catalog's 1 to {objects}",
                    first_rank.saturating_add(count.saturating_sub(1))
                ),
            ));
        }
        purges.push(PurgeConfig {
            at: crate::time::SimTime::ZERO + e.at.get(),
            catalog: c,
            scope: e.scope,
            first_rank,
            count,
            soft: e.soft,
            names,
        });
    }
    let mut push = Vec::new();
    for (i, w) in s.cdn.push.iter().enumerate() {
        let path = format!("cdn.push[{i}]");
        let Some(c) = s.workload.catalogs.iter().position(|c| c.name == w.catalog) else {
            let names: Vec<String> = s
                .workload
                .catalogs
                .iter()
                .map(|c| format!("{:?}", c.name))
                .collect();
            return Err(err(
                &format!("{path}.catalog"),
                format!(
                    "unknown catalog {:?} (expected one of {})",
                    w.catalog,
                    names.join(", ")
                ),
            ));
        };
        if w.end.get() <= w.start.get() || w.end.get() > s.duration.get() {
            return Err(err(
                &format!("{path}.end"),
                format!(
                    "{} must be after start ({}) and at most the duration ({})",
                    w.end, w.start, s.duration
                ),
            ));
        }
        let objects = s.workload.catalogs[c].objects;
        if w.objects == 0
            || w.objects > MAX_PUSH_OBJECTS
            || w.first_rank == 0
            || w.first_rank.saturating_add(w.objects - 1) > objects
        {
            return Err(err(
                &format!("{path}.objects"),
                format!(
                    "ranks {} to {} must lie in the catalog's 1 to {objects} (at most {MAX_PUSH_OBJECTS} objects per window)",
                    w.first_rank,
                    w.first_rank.saturating_add(w.objects.saturating_sub(1))
                ),
            ));
        }
        push.push(PushConfig {
            start: crate::time::SimTime::ZERO + w.start.get(),
            end: crate::time::SimTime::ZERO + w.end.get(),
            catalog: c,
            first_rank: w.first_rank,
            objects: w.objects,
            targets: w.targets,
        });
    }
    let levels = validate_levels(s, city, loc, &upper, &origin_ref)?;
    Ok(TierConfig {
        names: catalog_names,
        levels,
        push,
        purge_round: pg.round.get(),
        purge_fanout: pg.fanout,
        purges,
        freshness: s.cdn.freshness,
        change_every,
        outages,
        mode: t.mode,
        regional_choice: t.regional_choice,
        coalescing: t.coalescing,
        shield,
        processing: t.processing.get(),
        upper,
        origins,
        pop_origin,
    })
}

/// Mode name as written (`"shield"`, ...).
pub fn mode_name(m: TierMode) -> &'static str {
    match m {
        TierMode::None => "none",
        TierMode::Shield => "shield",
        TierMode::Regional => "regional",
        TierMode::ConsistentHash => "consistent-hash",
    }
}

/// Resolves an optional origin-site name at a field path.
type OriginRef<'a> = dyn Fn(&str, &Option<String>) -> Result<Option<usize>, InputError> + 'a;

/// Validates `[[cdn.tiers.levels]]`: a mode other than `none`, at least one
/// site, site names unique over every upper level, the shield among the
/// level's sites.
fn validate_levels(
    s: &Scenario,
    city: &dyn Fn(&str, &str) -> Result<CityId, InputError>,
    loc: &Locator,
    upper: &[UpperConfig],
    origin_ref: &OriginRef<'_>,
) -> Result<Vec<LevelConfig>, InputError> {
    let t = &s.cdn.tiers;
    let err = |path: &str, msg: String| loc.error_at(path, msg);
    if t.levels.len() + 1 > MAX_UPPER_LEVELS {
        return Err(err(
            "cdn.tiers.levels",
            format!(
                "{} levels above cdn.tiers.upper (at most {})",
                t.levels.len(),
                MAX_UPPER_LEVELS - 1
            ),
        ));
    }
    if !t.levels.is_empty() && upper.is_empty() {
        return Err(err(
            "cdn.tiers.levels",
            "needs level 1 below it: add [[cdn.tiers.upper]] name = \"...\" city = \"...\"".into(),
        ));
    }
    // (name, path) of every upper site seen so far.
    let mut seen: Vec<(String, String)> = upper
        .iter()
        .enumerate()
        .map(|(j, u)| (u.name.clone(), format!("cdn.tiers.upper[{j}]")))
        .collect();
    let mut out = Vec::with_capacity(t.levels.len());
    for (l, lv) in t.levels.iter().enumerate() {
        let lp = format!("cdn.tiers.levels[{l}]");
        if lv.mode == TierMode::None {
            return Err(err(
                &format!("{lp}.mode"),
                "\"none\" is not a level: expected \"shield\", \"regional\" or \"consistent-hash\" (remove the level instead)".into(),
            ));
        }
        if lv.sites.is_empty() {
            return Err(err(
                &format!("{lp}.sites"),
                "needs at least one site: sites = [{ name = \"...\", city = \"...\" }]".into(),
            ));
        }
        if lv.capacity.is_some_and(|c| c.0 == 0) {
            return Err(err(
                &format!("{lp}.capacity"),
                "must be positive, e.g. \"100GB\" (or omit it for cdn.tiers.capacity)".into(),
            ));
        }
        let mut sites = Vec::with_capacity(lv.sites.len());
        for (i, u) in lv.sites.iter().enumerate() {
            let path = format!("{lp}.sites[{i}]");
            if u.name.is_empty() {
                return Err(err(&format!("{path}.name"), "must not be empty".into()));
            }
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == u.name) {
                return Err(err(
                    &format!("{path}.name"),
                    format!("duplicate upper-tier name {:?} (also {other})", u.name),
                ));
            }
            seen.push((u.name.clone(), path.clone()));
            if u.capacity.is_some_and(|c| c.0 == 0) {
                return Err(err(
                    &format!("{path}.capacity"),
                    "must be positive, e.g. \"100GB\" (or omit it for the level's capacity)".into(),
                ));
            }
            sites.push(UpperConfig {
                name: u.name.clone(),
                city: city(&format!("{path}.city"), &u.city)?,
                capacity_bytes: u.capacity.or(lv.capacity).unwrap_or(t.capacity).0,
                policy: u.policy.or(lv.policy).unwrap_or(t.policy),
                origin: origin_ref(&format!("{path}.origin"), &u.origin)?,
            });
        }
        let shield = match &lv.shield {
            None => 0,
            Some(n) => sites.iter().position(|u| &u.name == n).ok_or_else(|| {
                let valid: Vec<String> = sites.iter().map(|u| format!("{:?}", u.name)).collect();
                err(
                    &format!("{lp}.shield"),
                    format!(
                        "unknown site {n:?} (expected one of the level's sites: {})",
                        valid.join(", ")
                    ),
                )
            })?,
        };
        out.push(LevelConfig {
            mode: lv.mode,
            regional_choice: lv.regional_choice,
            shield,
            processing: lv.processing.map_or(t.processing.get(), |d| d.get()),
            sites,
        });
    }
    Ok(out)
}

/// Each catalog's naming (`dirs`, `surrogate_keys`, `keys_per_object`).
fn catalog_names(
    s: &Scenario,
    loc: &Locator,
) -> Result<Vec<crate::workload::names::Names>, InputError> {
    use crate::workload::names::{self, Names};
    let mut out = Vec::new();
    for (i, c) in s.workload.catalogs.iter().enumerate() {
        let path = format!("workload.catalogs[{i}]");
        let dirs = c.dirs.unwrap_or(names::DEFAULT_DIRS);
        if dirs == 0 {
            return Err(loc.error_at(
                &format!("{path}.dirs"),
                format!("must be at least 1 (default {})", names::DEFAULT_DIRS),
            ));
        }
        let keys = c.surrogate_keys.unwrap_or(names::DEFAULT_SURROGATE_KEYS);
        if keys == 0 {
            return Err(loc.error_at(
                &format!("{path}.surrogate_keys"),
                format!(
                    "must be at least 1 (default {})",
                    names::DEFAULT_SURROGATE_KEYS
                ),
            ));
        }
        let per = c.keys_per_object.unwrap_or(names::DEFAULT_KEYS_PER_OBJECT);
        if per > names::MAX_KEYS_PER_OBJECT {
            return Err(loc.error_at(
                &format!("{path}.keys_per_object"),
                format!(
                    "{per} is out of range (expected 0 to {})",
                    names::MAX_KEYS_PER_OBJECT
                ),
            ));
        }
        out.push(Names::new(&c.name, dirs, keys, per, s.seed));
    }
    Ok(out)
}

/// What purge `e` (at field path `path`) names, given its catalog's naming.
fn purge_names(
    e: &PurgeEvent,
    path: &str,
    names: &crate::workload::names::Names,
    loc: &Locator,
) -> Result<PurgeNames, InputError> {
    match (e.scope, &e.prefix, &e.surrogate_key) {
        (PurgeScope::Prefix, Some(p), _) => {
            if !p.starts_with('/') || !names.prefix_may_match(p) {
                return Err(loc.error_at(
                    &format!("{path}.prefix"),
                    format!(
                        "{p:?} names no object of catalog {:?}: its paths are \"/{}/d<dir>/o<index>\", e.g. \"/{}/d12/\"",
                        names.catalog, names.catalog, names.catalog
                    ),
                ));
            }
            Ok(PurgeNames::Prefix(p.clone()))
        }
        (PurgeScope::Prefix, None, _) => Ok(PurgeNames::Prefix(format!("/{}/", names.catalog))),
        (PurgeScope::SurrogateKey, _, Some(k)) => match names.parse_key(k) {
            Some(n) if names.keys_per_object > 0 => Ok(PurgeNames::Key(n)),
            _ => Err(loc.error_at(
                &format!("{path}.surrogate_key"),
                format!(
                    "{k:?} is not a surrogate key of catalog {:?} (expected \"{}-k<n>\" with n from 0 to {}, and keys_per_object at least 1)",
                    names.catalog,
                    names.catalog,
                    names.surrogate_keys - 1
                ),
            )),
        },
        _ => Ok(PurgeNames::Ranks),
    }
}
