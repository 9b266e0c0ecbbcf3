//! Validation: raw scenario -> typed [`RunConfig`], checked once.
//!
//! Every check names the field path; [`super::load::Locator`] turns it into
//! file:line:col (or the `--set` that wrote the value).

use super::load::{Loaded, Locator};
use super::raw::{self, Admission, Announce, Peering, Policy, Steering};
use crate::error::InputError;
use crate::geo::{Cities, CityId, LatencyModel};
use crate::time::SimDuration;
use std::path::{Path, PathBuf};

/// Longest server processing time accepted (edge or origin): a request
/// must finish well within the drain limit after the last arrival.
pub const MAX_PROCESSING: SimDuration = SimDuration::from_secs(600);

/// Largest AS-path prepend accepted.
pub const MAX_PREPEND: u32 = 16;

/// The validated configuration of one run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub name: String,
    pub seed: u64,
    /// Requests arrive in [0, duration).
    pub duration: SimDuration,
    /// Requests arriving before this are not measured.
    pub warmup: SimDuration,
    pub interval: SimDuration,
    pub cities: Cities,
    pub latency: LatencyModel,
    pub steering: Steering,
    /// Topology files, resolved against the scenario's folder.
    pub world: Option<WorldConfig>,
    pub cdn_asn: u32,
    pub transit_per_pop: u32,
    pub peering: Peering,
    pub pops: Vec<PopConfig>,
    pub edge: EdgeConfig,
    pub origin: OriginConfig,
    /// Total request rate [1/s].
    pub rate: f64,
    pub groups: Vec<GroupConfig>,
    pub catalogs: Vec<CatalogConfig>,
    /// Arrival-process shape (diurnal profile, start time of day).
    pub arrivals: crate::workload::ArrivalConfig,
    /// The scenario as written plus defaults and `--set` (for config.toml).
    pub effective: raw::Scenario,
    /// The scenario file as given (relative input paths are relative to
    /// its folder).
    pub source: PathBuf,
}

#[derive(Clone, Debug)]
pub struct WorldConfig {
    pub topology: PathBuf,
    pub geography: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct PopConfig {
    pub name: String,
    pub city: CityId,
    pub transit: Option<Vec<u32>>,
    pub peers: Option<Vec<u32>>,
    pub prepend: u32,
    pub announce: Announce,
    /// The AS hosting this PoP (see `raw::Pop::host`).
    pub host: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct EdgeConfig {
    pub capacity_bytes: u64,
    pub policy: Policy,
    pub admission: Admission,
    pub processing: SimDuration,
}

#[derive(Clone, Debug)]
pub struct OriginConfig {
    pub city: CityId,
    pub processing: SimDuration,
}

#[derive(Clone, Debug)]
pub struct GroupConfig {
    pub city: CityId,
    pub asn: Option<u32>,
    /// Normalised share of the total rate.
    pub share: f64,
}

/// Catalogs are validated by the workload module (`workload::config`).
pub use crate::workload::config::CatalogConfig;

/// Validates a loaded scenario against the embedded city table.
pub fn validate(loaded: &Loaded) -> Result<RunConfig, InputError> {
    validate_with(loaded, Cities::embedded())
}

fn city(cities: &Cities, loc: &Locator, path: &str, q: &str) -> Result<CityId, InputError> {
    cities.lookup(q).ok_or_else(|| {
        let hints = cities.suggest(q);
        let hint = if hints.is_empty() { String::new() } else { format!("; did you mean {}?", hints.join(", ")) };
        loc.error_at(path, format!("unknown city {q:?} (expected a city name, \"Name,CC\" or an IATA code from the city table{hint})"))
    })
}

pub fn validate_with(loaded: &Loaded, cities: Cities) -> Result<RunConfig, InputError> {
    let s = &loaded.scenario;
    let loc = &loaded.locator;
    let err = |path: &str, msg: String| loc.error_at(path, msg);

    if s.name.is_empty()
        || !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || s.name.starts_with('.')
    {
        return Err(err(
            "name",
            format!(
                "invalid name {:?} (expected letters, digits, '-', '_' or '.', not starting with '.'; it names the output folder)",
                s.name
            ),
        ));
    }
    let duration = s.duration.get();
    if duration == SimDuration::ZERO {
        return Err(err("duration", "must be positive, e.g. \"10m\"".into()));
    }
    let warmup = s.warmup.get();
    if warmup >= duration {
        return Err(err(
            "warmup",
            format!(
                "{} must be shorter than duration ({})",
                s.warmup, s.duration
            ),
        ));
    }
    let interval = s.output.interval.get();
    if interval == SimDuration::ZERO || interval > duration {
        return Err(err(
            "output.interval",
            format!("must be positive and at most the duration ({})", s.duration),
        ));
    }
    if (duration.as_nanos() / interval.as_nanos()) > 1_000_000 {
        return Err(err(
            "output.interval",
            "gives more than 1,000,000 time-series rows; use a longer interval".into(),
        ));
    }

    let mut latency = LatencyModel::default();
    if let Some(x) = s.latency.stretch {
        if !(x.is_finite() && (1.0..=10.0).contains(&x)) {
            return Err(err(
                "latency.stretch",
                format!(
                    "{} is out of range (expected 1.0 to 10.0)",
                    crate::units::show_f64(x)
                ),
            ));
        }
        latency.stretch = x;
    }
    if let Some(h) = s.latency.per_hop {
        if h.get() > SimDuration::from_millis(100) {
            return Err(err(
                "latency.per_hop",
                format!("{h} is implausibly large (expected at most 100ms)"),
            ));
        }
        latency.per_hop_ms = h.get().as_millis_f64();
    }
    let ms_at_most = |path: &str,
                      d: Option<crate::units::Duration>,
                      max_ms: f64|
     -> Result<Option<f64>, InputError> {
        match d {
            Some(d) if d.get().as_millis_f64() > max_ms => Err(err(
                path,
                format!("{d} is implausibly large (expected at most {max_ms}ms)"),
            )),
            d => Ok(d.map(|d| d.get().as_millis_f64())),
        }
    };
    if let Some(x) = ms_at_most("latency.access_median", s.latency.access_median, 1000.0)? {
        latency.access_median_ms = x;
    }
    if let Some(x) = s.latency.access_sigma {
        if !(x.is_finite() && (0.0..=3.0).contains(&x)) {
            return Err(err(
                "latency.access_sigma",
                format!(
                    "{} is out of range (expected 0 to 3)",
                    crate::units::show_f64(x)
                ),
            ));
        }
        latency.access_sigma = x;
    }
    if let Some(x) = ms_at_most("latency.jitter_mean", s.latency.jitter_mean, 1000.0)? {
        latency.jitter_mean_ms = x;
    }
    if let Some(x) = ms_at_most("latency.jitter_sd", s.latency.jitter_sd, 1000.0)? {
        latency.jitter_sd_ms = x;
    }

    if s.cdn.pops.is_empty() {
        return Err(err("cdn.pops", "the CDN needs at least one PoP".into()));
    }
    let mut pops = Vec::with_capacity(s.cdn.pops.len());
    for (i, p) in s.cdn.pops.iter().enumerate() {
        if p.name.is_empty() {
            return Err(err(
                &format!("cdn.pops[{i}].name"),
                "must not be empty".into(),
            ));
        }
        if let Some(j) = s.cdn.pops[..i].iter().position(|q| q.name == p.name) {
            return Err(err(
                &format!("cdn.pops[{i}].name"),
                format!("duplicate PoP name {:?} (also cdn.pops[{j}])", p.name),
            ));
        }
        if p.prepend > MAX_PREPEND {
            return Err(err(
                &format!("cdn.pops[{i}].prepend"),
                format!(
                    "{} is out of range (expected 0 to {MAX_PREPEND})",
                    p.prepend
                ),
            ));
        }
        if p.host == Some(s.cdn.asn) {
            return Err(err(
                &format!("cdn.pops[{i}].host"),
                format!(
                    "AS{} is the CDN's own AS; a host is another AS of the topology (omit `host` for a PoP of the CDN's own network)",
                    s.cdn.asn
                ),
            ));
        }
        if p.host.is_some() && (p.transit.is_some() || p.peers.is_some()) {
            return Err(err(
                &format!("cdn.pops[{i}].host"),
                "a hosted PoP's only session is with its host: remove `transit` and `peers` from this PoP".into(),
            ));
        }
        pops.push(PopConfig {
            name: p.name.clone(),
            city: city(&cities, loc, &format!("cdn.pops[{i}].city"), &p.city)?,
            transit: p.transit.clone(),
            peers: p.peers.clone(),
            prepend: p.prepend,
            announce: p.announce,
            host: p.host,
        });
    }
    if s.cdn.edge.capacity.0 == 0 {
        return Err(err(
            "cdn.edge.capacity",
            "must be positive, e.g. \"2GB\"".into(),
        ));
    }
    for (path, d) in [
        ("cdn.edge.processing", s.cdn.edge.processing),
        ("origin.processing", s.origin.processing),
    ] {
        if d.get() > MAX_PROCESSING {
            return Err(err(
                path,
                format!(
                    "{d} is implausibly large (expected at most {})",
                    crate::units::format_duration(MAX_PROCESSING)
                ),
            ));
        }
    }
    let edge = EdgeConfig {
        capacity_bytes: s.cdn.edge.capacity.0,
        policy: s.cdn.edge.policy,
        admission: s.cdn.edge.admission,
        processing: s.cdn.edge.processing.get(),
    };
    let origin = OriginConfig {
        city: city(&cities, loc, "origin.city", &s.origin.city)?,
        processing: s.origin.processing.get(),
    };

    let rate = s.clients.rate.0;
    if rate <= 0.0 {
        return Err(err(
            "clients.rate",
            "must be positive, e.g. \"500/s\"".into(),
        ));
    }
    if rate * duration.as_secs_f64() > 1e10 {
        return Err(err(
            "clients.rate",
            "rate x duration exceeds 10 billion requests; shorten the run or lower the rate".into(),
        ));
    }
    if s.clients.groups.is_empty() {
        return Err(err(
            "clients.groups",
            "at least one client group is needed".into(),
        ));
    }
    let mut groups = Vec::new();
    for (i, g) in s.clients.groups.iter().enumerate() {
        if !(g.weight.is_finite() && g.weight > 0.0) {
            return Err(err(
                &format!("clients.groups[{i}].weight"),
                format!(
                    "{} must be a positive finite number",
                    crate::units::show_f64(g.weight)
                ),
            ));
        }
        groups.push(GroupConfig {
            city: city(&cities, loc, &format!("clients.groups[{i}].city"), &g.city)?,
            asn: g.asn,
            share: g.weight,
        });
    }
    let total: f64 = groups.iter().map(|g| g.share).sum();
    groups.iter_mut().for_each(|g| g.share /= total);

    let workload = crate::workload::config::validate(&s.workload, loc)?;

    let base = Path::new(&loc.file).parent().unwrap_or(Path::new("."));
    let world = s.world.as_ref().map(|w| WorldConfig {
        topology: base.join(&w.topology),
        geography: w.geography.as_ref().map(|g| base.join(g)),
    });
    if let Some(w) = &world {
        if !w.topology.is_file() {
            return Err(err(
                "world.topology",
                format!(
                    "no such file {} (paths are relative to the scenario's folder)",
                    w.topology.display()
                ),
            ));
        }
        if let Some(g) = w.geography.as_ref().filter(|g| !g.is_file()) {
            return Err(err(
                "world.geography",
                format!(
                    "no such file {} (paths are relative to the scenario's folder)",
                    g.display()
                ),
            ));
        }
    }
    if s.cdn.steering == Steering::Anycast && world.is_none() {
        return Err(err("cdn.steering", "\"anycast\" needs an AS-level world: add [world] topology = \"...\" (e.g. the shipped topologies/world-3k.as-rel.txt)".into()));
    }
    if s.cdn.asn == 0 || s.cdn.asn == 23456 || s.cdn.asn == u32::MAX {
        return Err(err(
            "cdn.asn",
            format!(
                "{} is a reserved AS number (expected 1 to 4294967294, not 23456)",
                s.cdn.asn
            ),
        ));
    }
    if s.cdn.transit_per_pop > 16 {
        return Err(err(
            "cdn.transit_per_pop",
            format!(
                "{} is out of range (expected 0 to 16)",
                s.cdn.transit_per_pop
            ),
        ));
    }

    Ok(RunConfig {
        name: s.name.clone(),
        seed: s.seed,
        duration,
        warmup,
        interval,
        cities,
        latency,
        steering: s.cdn.steering,
        world,
        cdn_asn: s.cdn.asn,
        transit_per_pop: s.cdn.transit_per_pop,
        peering: s.cdn.peering,
        pops,
        edge,
        origin,
        rate,
        groups,
        catalogs: workload.catalogs,
        arrivals: workload.arrivals,
        effective: s.clone(),
        source: PathBuf::from(&loc.file),
    })
}
