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
    /// Routing events in time order (docs/bgp.md).
    pub events: Vec<super::events::EventConfig>,
    /// BGP and data-plane settings of the events.
    pub bgp: super::events::BgpConfig,
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
    /// Upper tiers, coalescing and origin sites (`scenario::tiers`).
    pub tiers: super::tiers::TierConfig,
    /// Trace replay instead of the catalogs' draws.
    pub trace: Option<crate::workload::replay::TraceConfig>,
    /// Total request rate [1/s].
    pub rate: f64,
    pub groups: Vec<GroupConfig>,
    pub catalogs: Vec<CatalogConfig>,
    /// Arrival-process shape (diurnal profile, start time of day).
    pub arrivals: crate::workload::ArrivalConfig,
    /// Transport model and client paths per group (docs/transport.md).
    pub transport: super::transport::TransportConfig,
    /// Capacities per PoP (`cdn.capacity`, `cdn.pops[].capacity`).
    pub pop_capacity: Vec<crate::capacity::SiteCapacity>,
    /// Limits per upper tier (level 1's sites in scenario order, then each
    /// further level's) and per origin site
    /// (`cdn.tiers.limits`, `origin.limits` and their per-site keys).
    pub tier_capacity: Vec<crate::capacity::SiteCapacity>,
    pub origin_capacity: Vec<crate::capacity::SiteCapacity>,
    /// Edge function for dynamic requests, and whether it fetches from
    /// the origin.
    pub compute: Option<(crate::transport::EdgeCompute, bool)>,
    pub attacks: Vec<super::transport::AttackConfig>,
    /// Steering modes of this run: `cdn.compare`, or just `steering`.
    pub modes: Vec<Steering>,
    /// Resolvers and authoritative (None: no DNS modelled).
    pub dns: Option<DnsConfig>,
    /// A measurement study instead of the request model (`[study]`).
    pub study: Option<super::study::StudyConfig>,
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
    /// Requests per second it can serve (load-aware steering).
    pub capacity: Option<f64>,
}

/// The validated `[dns]` table (see `raw::Dns`).
#[derive(Clone, Debug)]
pub struct DnsConfig {
    pub ttl: SimDuration,
    pub public_share: f64,
    /// Lognormal (mu, sigma) of the ISP client-resolver distance [km].
    pub isp_distance: (f64, f64),
    pub public_sites: Vec<CityId>,
    pub public_asn: u32,
    pub public_ecs: u8,
    pub isp_ecs: u8,
    pub authoritative: Vec<CityId>,
    pub window: SimDuration,
    pub beacon_share: f64,
    pub hybrid_min_samples: u32,
    pub load_threshold: f64,
    pub explicit_candidates: u32,
    /// Health-check delay of DNS failover (None: `failover = "none"`).
    pub health_check: Option<SimDuration>,
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
            announce: p.announce.clone(),
            host: p.host,
            // The request capacity of the PoP's queues (validated with the
            // transport keys): also what load-aware steering balances.
            capacity: p
                .capacity
                .as_ref()
                .and_then(|c| c.requests)
                .or(s.cdn.capacity.as_ref().and_then(|c| c.requests))
                .map(|r| r.0),
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

    let tiers = super::tiers::validate(s, &|p, q| city(&cities, loc, p, q), loc)?;

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
    if s.clients.groups.is_empty() && s.clients.population.is_none() {
        return Err(err(
            "clients.groups",
            "at least one client group is needed (list `groups` or give `population`)".into(),
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
    if let Some(p) = &s.clients.population {
        let generated =
            crate::dns::population::generate(p, &cities, &crate::rng::Streams::new(s.seed))
                .map_err(|(f, m)| err(&format!("clients.population.{f}"), m))?;
        let listed = groups.len() as f64;
        let share = match p.share {
            Some(x) if groups.is_empty() && x.0 < 1.0 => {
                return Err(err(
                    "clients.population.share",
                    "without listed groups the population has all the demand: remove `share` or list groups".into(),
                ));
            }
            Some(x) if !(x.0 > 0.0 && x.0 <= 1.0) => {
                return Err(err(
                    "clients.population.share",
                    "must be above 0% and at most 100%".into(),
                ));
            }
            Some(x) => x.0,
            None => generated.len() as f64 / (generated.len() as f64 + listed),
        };
        groups.iter_mut().for_each(|g| g.share *= 1.0 - share);
        groups.extend(generated.into_iter().map(|(c, w)| GroupConfig {
            city: c,
            asn: None,
            share: w * share,
        }));
    }

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
    let modes = if s.cdn.compare.is_empty() {
        vec![s.cdn.steering]
    } else {
        s.cdn.compare.clone()
    };
    for (i, m) in modes.iter().enumerate() {
        if s.cdn.compare[..i.min(s.cdn.compare.len())].contains(m) {
            return Err(err(
                &format!("cdn.compare[{i}]"),
                "duplicate steering mode (each is run once)".into(),
            ));
        }
        if world.is_none() && *m != Steering::Nearest {
            let path = if s.cdn.compare.is_empty() {
                "cdn.steering".to_string()
            } else {
                format!("cdn.compare[{i}]")
            };
            return Err(err(
                &path,
                format!(
                    "{:?} needs an AS-level world: add [world] topology = \"...\" (e.g. the shipped topologies/world-3k.as-rel.txt); only \"nearest\" runs without one",
                    serde_json::to_value(m)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    let needs_dns = modes
        .iter()
        .any(|m| !matches!(m, Steering::Anycast | Steering::Nearest));
    let dns = match (&s.dns, needs_dns) {
        (None, false) => None,
        (d, _) => Some(validate_dns(
            &d.clone().unwrap_or_default(),
            &cities,
            loc,
            s.cdn.asn,
        )?),
    };
    if modes.contains(&Steering::LoadAware) {
        let default = s.dns.as_ref().and_then(|d| d.pop_capacity);
        if let Some(i) = pops
            .iter()
            .position(|p| p.capacity.is_none() && default.is_none())
        {
            return Err(err(&format!("cdn.pops[{i}].capacity"), "\"load-aware\" needs every PoP's capacity: set dns.pop_capacity (e.g. \"500/s\"), cdn.capacity.requests or cdn.pops[].capacity.requests".into()));
        }
        if let Some(d) = default {
            if !(d.0.is_finite() && d.0 > 0.0) {
                return Err(err(
                    "dns.pop_capacity",
                    "must be a positive rate, e.g. \"500/s\"".into(),
                ));
            }
            pops.iter_mut().for_each(|p| {
                p.capacity.get_or_insert(d.0);
            });
        }
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

    let trace = match &s.workload.trace {
        None => None,
        Some(t) => {
            let file = base.join(&t.file);
            if !file.is_file() {
                return Err(err(
                    "workload.trace.file",
                    format!(
                        "no such file {} (paths are relative to the scenario's folder)",
                        file.display()
                    ),
                ));
            }
            let unit = t.time_unit.map_or(SimDuration::from_secs(1), |d| d.get());
            if unit == SimDuration::ZERO {
                return Err(err(
                    "workload.trace.time_unit",
                    "must be positive, e.g. \"1s\" or \"1ms\"".into(),
                ));
            }
            Some(crate::workload::replay::TraceConfig {
                format: match t.format {
                    Some(raw::TraceFileFormat::Csv) => crate::trace::TraceFormat::Csv,
                    Some(raw::TraceFileFormat::OracleGeneral) => {
                        crate::trace::TraceFormat::OracleGeneral
                    }
                    None => crate::trace::TraceFormat::from_path(&file),
                },
                file,
                time_unit: unit,
            })
        }
    };

    let extra = super::transport::validate(
        s,
        &super::transport::Context {
            loc,
            cities: &cities,
            pop_names: pops.iter().map(|p| p.name.as_str()).collect(),
            groups: groups
                .iter()
                .map(|g| (g.city, cities.get(g.city).continent.as_str(), g.asn))
                .collect(),
            duration,
        },
    )?;

    let (events, bgp) = super::events::validate(
        &s.events,
        s.bgp.as_ref(),
        loc,
        &pops.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        duration,
        world.is_some(),
    )?;
    if (!events.is_empty() || bgp.churn.is_some()) && !s.cdn.compare.is_empty() {
        return Err(err(
            "cdn.compare",
            "routing events run with one steering mode: remove `cdn.compare` or the [[events]]"
                .into(),
        ));
    }

    let study = super::study::validate(
        s.study.as_ref(),
        loc,
        duration,
        world.is_some(),
        dns.is_some(),
        !s.cdn.compare.is_empty(),
    )?;

    Ok(RunConfig {
        study,
        trace,
        events,
        bgp,
        transport: extra.transport,
        pop_capacity: extra.pop_capacity,
        tier_capacity: extra.tier_capacity,
        origin_capacity: extra.origin_capacity,
        compute: extra.compute,
        attacks: extra.attacks,
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
        tiers,
        rate,
        groups,
        catalogs: workload.catalogs,
        arrivals: workload.arrivals,
        modes,
        dns,
        effective: s.clone(),
        source: PathBuf::from(&loc.file),
    })
}

fn validate_dns(
    d: &raw::Dns,
    cities: &Cities,
    loc: &Locator,
    cdn_asn: u32,
) -> Result<DnsConfig, InputError> {
    let err = |path: &str, msg: String| loc.error_at(&format!("dns.{path}"), msg);
    if d.ttl.get() == SimDuration::ZERO {
        return Err(err("ttl", "must be positive, e.g. \"20s\"".into()));
    }
    if d.public_share.0 >= 1.0 {
        return Err(err(
            "public_share",
            "must be below 100% (some demand uses ISP resolvers)".into(),
        ));
    }
    let isp_distance = crate::dns::isp_distance_lognormal(
        d.median_distance.0,
        d.isp_far_share.0,
        d.public_share.0,
    )
    .ok_or_else(|| {
        err(
            "median_distance",
            format!(
                "{} km with isp_far_share {}% and public_share {}% fits no distance distribution (expected a median below 500 km and isp_far_share between 0% and 50%)",
                d.median_distance.0,
                d.isp_far_share.0 * 100.0,
                d.public_share.0 * 100.0
            ),
        )
    })?;
    let list = |field: &str, v: &[String]| -> Result<Vec<CityId>, InputError> {
        if v.is_empty() {
            return Err(err(field, "needs at least one city".into()));
        }
        v.iter()
            .enumerate()
            .map(|(i, c)| city(cities, loc, &format!("dns.{field}[{i}]"), c))
            .collect()
    };
    let public_sites = list("public_sites", &d.public_sites)?;
    let authoritative = list("authoritative", &d.authoritative)?;
    if d.public_asn == cdn_asn || d.public_asn == 0 || d.public_asn == 23456 {
        return Err(err(
            "public_asn",
            format!(
                "{} is the CDN's AS or reserved (expected another unused AS number)",
                d.public_asn
            ),
        ));
    }
    for (f, x) in [("public_ecs", d.public_ecs), ("isp_ecs", d.isp_ecs)] {
        if x > 24 {
            return Err(err(
                f,
                format!(
                    "{x} is out of range (expected 0 for no ECS, or 1 to 24; clients are /24 prefixes)"
                ),
            ));
        }
    }
    if d.window.get() == SimDuration::ZERO {
        return Err(err("window", "must be positive, e.g. \"5m\"".into()));
    }
    if d.explicit_candidates == 0 {
        return Err(err("explicit_candidates", "must be at least 1".into()));
    }
    if d.load_threshold.0 <= 0.0 || d.load_threshold.0.is_nan() {
        return Err(err("load_threshold", "must be above 0%".into()));
    }
    Ok(DnsConfig {
        ttl: d.ttl.get(),
        public_share: d.public_share.0,
        isp_distance,
        public_sites,
        public_asn: d.public_asn,
        public_ecs: d.public_ecs,
        isp_ecs: d.isp_ecs,
        authoritative,
        window: d.window.get(),
        beacon_share: d.beacon_share.0,
        hybrid_min_samples: d.hybrid_min_samples,
        load_threshold: d.load_threshold.0,
        explicit_candidates: d.explicit_candidates,
        health_check: match d.failover {
            super::raw::Failover::HealthCheck => Some(d.health_check_delay.get()),
            super::raw::Failover::None => None,
        },
    })
}
