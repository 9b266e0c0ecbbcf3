//! The files of a run folder, built from recorded metrics only.
//! Every key and column is documented in docs/outputs.md.

use super::{RunDir, csv_bytes, round};
use crate::error::Error;
use crate::metrics::LatencyHistogram;
use crate::scenario::RunConfig;
use crate::sim::{GroupRoute, RunMetrics};
use serde::Serialize;

/// Percentiles reported for every latency distribution.
pub const PERCENTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p99", 0.99),
    ("p99.9", 0.999),
    ("p99.99", 0.9999),
];

#[derive(Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub cdnsim_version: &'static str,
    pub steering: String,
    pub transport: &'static str,
    /// How HTTP freshness is applied (`cdn.freshness`): `enforced` (RFC 9111
    /// expiry, revalidation, stale-while-revalidate, stale-if-error) or
    /// `not-enforced` (a stored object stays fresh until evicted).
    pub freshness: &'static str,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Always true: requests arriving in warmup are not in any metric below.
    pub warmup_excluded: bool,
    pub requests: u64,
    pub requests_issued_incl_warmup: u64,
    pub ttfb_ms: Latency,
    pub hit_ratio: HitRatio,
    pub origin_requests: u64,
    pub origin_bytes: u64,
    /// Measured requests whose headers forbid a shared cache to store them.
    pub uncacheable_requests: u64,
    pub bytes_served: u64,
    pub events: u64,
    /// Completion time (last byte at the client) of measured requests.
    pub completion_ms: Latency,
    /// TTFB, completion and mean step breakdown per request class.
    pub latency_by_class: std::collections::BTreeMap<&'static str, ClassSummary>,
    /// PoP queues, drops and attack traffic.
    pub capacity: CapacitySummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_compute: Option<ComputeSummary>,
    /// The cache hierarchy and its figures (docs/caches.md).
    pub tiers: TierSummary,
    /// Routing events (only when the scenario has `[[events]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_events: Option<super::events::RoutingSummary>,
    /// Invariant checks of the run: name -> holds + the numbers compared
    /// (see `sim::invariants`).
    pub invariants: crate::sim::invariants::Report,
}

#[derive(Serialize)]
pub struct ClassSummary {
    pub requests: u64,
    pub ttfb_ms: Latency,
    pub completion_ms: Latency,
    /// Mean of each step [ms]; `queueing` is the part of `server` spent
    /// waiting at the PoP.
    pub mean_breakdown_ms: Breakdown,
}

#[derive(Serialize)]
pub struct Breakdown {
    pub dns: f64,
    pub connect: f64,
    pub tls: f64,
    pub request: f64,
    pub server: f64,
    pub queueing: f64,
    pub transfer: f64,
}

#[derive(Serialize)]
pub struct CapacitySummary {
    /// Whether any PoP has a finite capacity.
    pub limited: bool,
    /// Measured legitimate requests that reached a PoP.
    pub offered: u64,
    /// Of them, dropped at a full queue.
    pub dropped: u64,
    pub drop_ratio: f64,
    /// Of the drops, at the egress link.
    pub dropped_egress: u64,
    pub attack_requests: u64,
    pub attack_dropped: u64,
    /// Highest request-queue utilisation of any PoP in a measured interval.
    pub max_utilisation: f64,
    /// PoPs that dropped a request (legitimate or attack) after warmup.
    pub overloaded_pops: Vec<String>,
    /// Measured attack requests lost to routing events before a PoP.
    pub attack_lost: u64,
    /// Upper tiers in use, then origin sites (tier_load.csv over time).
    pub upstream: Vec<SiteSummary>,
    /// Measured legitimate fetches refused by a full upper-tier or origin
    /// queue (each fails its requests unless stale-if-error answers).
    pub upstream_dropped: u64,
    /// Tier and origin sites that refused a request after warmup.
    pub overloaded_sites: Vec<String>,
}

#[derive(Serialize)]
pub struct SiteSummary {
    pub site: String,
    /// `tier` or `origin`.
    pub kind: &'static str,
    pub limited: bool,
    /// Measured fetches offered (legitimate) and refused.
    pub offered: u64,
    pub dropped: u64,
    pub attack_requests: u64,
    pub attack_dropped: u64,
    /// Highest request-queue utilisation in a measured interval.
    pub max_utilisation: f64,
    /// Mean wait of the admitted requests after warmup [ms].
    pub mean_wait_ms: f64,
}

#[derive(Serialize)]
pub struct ComputeSummary {
    pub invocations: u64,
    pub cold_starts: u64,
}

fn class_summaries(m: &RunMetrics) -> std::collections::BTreeMap<&'static str, ClassSummary> {
    use crate::sim::client::Class;
    let mut out = std::collections::BTreeMap::new();
    for c in Class::ALL {
        let Some(cm) = m.client.classes.get(c as usize) else {
            continue;
        };
        let n = cm.requests.max(1) as f64;
        let ms = |x: u128| round(x as f64 / n / 1e6, 3);
        let s = &cm.sums;
        out.insert(
            c.name(),
            ClassSummary {
                requests: cm.requests,
                ttfb_ms: Latency::of(&cm.ttfb),
                completion_ms: Latency::of(&cm.completion),
                mean_breakdown_ms: Breakdown {
                    dns: ms(s.dns),
                    connect: ms(s.connect),
                    tls: ms(s.tls),
                    request: ms(s.request),
                    server: ms(s.server),
                    queueing: ms(s.queueing),
                    transfer: ms(s.transfer),
                },
            },
        );
    }
    out
}

/// Utilisation of a PoP's request queue in each bucket: admitted service
/// time over servers x interval (0 for an unlimited PoP).
pub fn utilisation(p: &crate::capacity::PopCapacity) -> Vec<f64> {
    let span = p.request_usage.interval.as_nanos() as f64 * f64::from(p.cap.servers);
    p.request_usage
        .buckets
        .iter()
        .map(|b| {
            if p.cap.requests_per_s.is_some() {
                b.busy_ns as f64 / span
            } else {
                0.0
            }
        })
        .collect()
}

/// Egress-link utilisation per bucket (0 for unlimited egress).
pub fn egress_utilisation(p: &crate::capacity::PopCapacity) -> Vec<f64> {
    let span = p.egress_usage.interval.as_nanos() as f64;
    p.egress_usage
        .buckets
        .iter()
        .map(|b| {
            if p.cap.egress_bps.is_some() {
                b.busy_ns as f64 / span
            } else {
                0.0
            }
        })
        .collect()
}

fn site_summary(x: &crate::sim::upstream::Site, first: usize) -> SiteSummary {
    let u = utilisation(&x.cap);
    let (wait, served) = x
        .cap
        .request_usage
        .buckets
        .iter()
        .skip(first)
        .fold((0u64, 0u64), |(w, n), b| {
            (w + b.wait_ns, n + b.offered - b.dropped)
        });
    SiteSummary {
        site: x.name.clone(),
        kind: x.kind.name(),
        limited: x.cap.limited(),
        offered: x.offered,
        dropped: x.dropped,
        attack_requests: x.attack_offered,
        attack_dropped: x.attack_dropped,
        max_utilisation: round(u.iter().skip(first).fold(0.0, |a: f64, &b| a.max(b)), 4),
        mean_wait_ms: round(
            if served == 0 {
                0.0
            } else {
                wait as f64 / served as f64 / 1e6
            },
            3,
        ),
    }
}

fn capacity_summary(cfg: &RunConfig, m: &RunMetrics) -> CapacitySummary {
    let c = &m.client;
    // Intervals starting at or after the end of warmup.
    let first = cfg.warmup.as_nanos().div_ceil(cfg.interval.as_nanos()) as usize;
    let mut max_u: f64 = 0.0;
    let mut overloaded = Vec::new();
    for (i, p) in m.capacity.iter().enumerate() {
        let u = utilisation(p);
        max_u = u.iter().skip(first).fold(max_u, |a, &b| a.max(b));
        let drops = c.load.get(i).is_some_and(|row| {
            row.iter()
                .skip(first)
                .any(|b| b.dropped + b.attack_dropped > 0)
        });
        if drops {
            overloaded.push(cfg.pops[i].name.clone());
        }
    }
    CapacitySummary {
        limited: m.capacity.iter().any(|p| p.limited()),
        offered: c.offered,
        dropped: c.dropped,
        drop_ratio: round(crate::metrics::ratio(c.dropped, c.offered), 6),
        dropped_egress: c.dropped_egress,
        attack_requests: c.attack_offered,
        attack_dropped: c.attack_dropped,
        max_utilisation: round(max_u, 4),
        overloaded_pops: overloaded,
        attack_lost: c.attack_lost,
        upstream: m
            .upstream
            .sites
            .iter()
            .map(|x| site_summary(x, first))
            .collect(),
        upstream_dropped: m.upstream.sites.iter().map(|x| x.dropped).sum(),
        overloaded_sites: m
            .upstream
            .sites
            .iter()
            .filter(|x| {
                x.load
                    .iter()
                    .skip(first)
                    .any(|b| b.dropped + b.attack_dropped > 0)
            })
            .map(|x| x.name.clone())
            .collect(),
    }
}

#[derive(Serialize)]
pub struct TierSummary {
    /// `none`, `shield`, `regional` or `consistent-hash`.
    pub mode: String,
    pub coalescing: bool,
    /// Requests reaching the upper tiers (edge misses) and their hits.
    pub upper_requests: u64,
    pub upper_hit_ratio: HitRatio,
    /// Measured requests (at any tier) that waited for a fetch in flight.
    pub coalesced_requests: u64,
    /// Highest origin load in one measured `output.interval` bucket.
    pub origin_peak: OriginPeak,
    /// Stale serves, revalidations and errors.
    pub freshness: FreshnessSummary,
    /// Pre-positioning (cdn.push).
    pub push: PushSummary,
}

#[derive(Serialize)]
pub struct PushSummary {
    pub windows: usize,
    /// Copies written into caches.
    pub placed_objects: u64,
    /// Origin requests and bytes of the pushes (not in `origin_requests`).
    pub origin_requests: u64,
    pub origin_bytes: u64,
}

#[derive(Serialize)]
pub struct FreshnessSummary {
    pub stale_while_revalidate_serves: u64,
    pub background_revalidations: u64,
    pub conditional_requests: u64,
    pub origin_not_modified: u64,
    pub stale_if_error_serves: u64,
    pub origin_errors: u64,
    pub failed_requests: u64,
    /// Objects purged (hard or soft), summed over caches.
    pub purged_objects: u64,
    /// Requests that missed or revalidated because a purge took or staled
    /// the object at that cache.
    pub purge_misses: u64,
}

#[derive(Serialize)]
pub struct OriginPeak {
    pub requests_per_s: f64,
    /// Start of the bucket with the most origin requests.
    pub requests_at_s: f64,
    pub bytes_per_s: f64,
    pub bytes_at_s: f64,
}

#[derive(Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    #[serde(rename = "p99.9")]
    pub p99_9: f64,
    #[serde(rename = "p99.99")]
    pub p99_99: f64,
    pub mean: f64,
    pub max: f64,
}

impl Latency {
    pub fn of(h: &LatencyHistogram) -> Latency {
        let q = |x| round(h.quantile_ms(x), 3);
        Latency {
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p99_9: q(0.999),
            p99_99: q(0.9999),
            mean: round(h.mean_ms(), 3),
            max: round(h.max_ms(), 3),
        }
    }
}

#[derive(Serialize)]
pub struct HitRatio {
    pub requests: f64,
    pub bytes: f64,
}

#[derive(Serialize)]
struct PopRow<'a> {
    pop: &'a str,
    city: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    requests: u64,
    hits: u64,
    hit_ratio: f64,
    bytes: u64,
    byte_hit_ratio: f64,
    origin_requests: u64,
    origin_bytes: u64,
    ttfb_p50_ms: f64,
    ttfb_p99_ms: f64,
}

#[derive(Serialize)]
struct ClientRow<'a> {
    group: usize,
    city: &'a str,
    country: &'a str,
    continent: &'a str,
    lat: f64,
    lon: f64,
    access_asn: String,
    pop: &'a str,
    distance_km: f64,
    rtt_ms: f64,
    as_path: String,
    nearest_pop: &'a str,
    nearest_km: f64,
    best_unicast_pop: &'a str,
    best_unicast_rtt_ms: String,
    minus_best_unicast_ms: String,
    requests: u64,
    ttfb_p50_ms: f64,
    ttfb_p99_ms: f64,
}

#[derive(Serialize)]
struct SeriesRow {
    t_start_s: f64,
    t_end_s: f64,
    warmup: bool,
    requests: u64,
    edge_hits: u64,
    bytes: u64,
    origin_requests: u64,
    origin_bytes: u64,
    upper_requests: u64,
    upper_hits: u64,
    coalesced: u64,
}

/// One row of tiers.csv: a cache node.
#[derive(Serialize)]
struct TierRow<'a> {
    tier: &'static str,
    name: &'a str,
    city: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    capacity_bytes: u64,
    policy: &'static str,
    parent: &'a str,
    origin: &'a str,
    requests: u64,
    hits: u64,
    hit_ratio: f64,
    bytes: u64,
    hit_bytes: u64,
    byte_hit_ratio: f64,
    coalesced: u64,
    fetches: u64,
    fetch_bytes: u64,
}

/// One row of levels.csv: one tier level's caches together.
#[derive(Serialize)]
struct LevelRow {
    level: u32,
    tier: &'static str,
    /// How the level below picks its parent among this level's sites
    /// (empty for the edges).
    mode: &'static str,
    sites: usize,
    capacity_bytes: u64,
    requests: u64,
    hits: u64,
    hit_ratio: f64,
    bytes: u64,
    hit_bytes: u64,
    byte_hit_ratio: f64,
    coalesced: u64,
    fetches: u64,
    fetch_bytes: u64,
}

/// levels.csv: per level of the hierarchy (edges, then each upper level in
/// use), the sums of its nodes' counters.
fn level_rows(
    cfg: &RunConfig,
    hier: &crate::sim::tiers::Hierarchy,
    m: &RunMetrics,
) -> Vec<LevelRow> {
    use crate::scenario::tiers::mode_name;
    let top = hier.nodes.iter().map(|n| n.level).max().unwrap_or(0);
    (0..=top)
        .map(|l| {
            let mut c = crate::metrics::CacheCounters::default();
            let (mut sites, mut cap, mut coalesced, mut fetches, mut fetch_bytes) = (0, 0, 0, 0, 0);
            for (n, tm) in hier
                .nodes
                .iter()
                .zip(&m.tiers)
                .filter(|(n, _)| n.level == l)
            {
                sites += 1;
                cap += n.capacity_bytes;
                c.requests += tm.cache.requests;
                c.hits += tm.cache.hits;
                c.bytes += tm.cache.bytes;
                c.hit_bytes += tm.cache.hit_bytes;
                coalesced += tm.coalesced;
                fetches += tm.fetches;
                fetch_bytes += tm.fetch_bytes;
            }
            let mode = match l {
                0 => "",
                1 => mode_name(cfg.tiers.mode),
                _ => mode_name(cfg.tiers.levels[l as usize - 2].mode),
            };
            LevelRow {
                level: l,
                tier: crate::sim::tiers::level_label(l),
                mode,
                sites,
                capacity_bytes: cap,
                requests: c.requests,
                hits: c.hits,
                hit_ratio: round(c.hit_ratio(), 6),
                bytes: c.bytes,
                hit_bytes: c.hit_bytes,
                byte_hit_ratio: round(c.byte_hit_ratio(), 6),
                coalesced,
                fetches,
                fetch_bytes,
            }
        })
        .collect()
}

/// One row of origins.csv.
#[derive(Serialize)]
struct OriginRow<'a> {
    origin: &'a str,
    city: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    requests: u64,
    bytes: u64,
}

pub fn summary(cfg: &RunConfig, m: &RunMetrics) -> Summary {
    Summary {
        scenario: cfg.name.clone(),
        seed: cfg.seed,
        cdnsim_version: env!("CARGO_PKG_VERSION"),
        steering: serde_json::to_value(cfg.steering)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        transport: cfg.transport.model.name(),
        freshness: cfg.tiers.freshness.name(),
        duration_s: cfg.duration.as_secs_f64(),
        warmup_s: cfg.warmup.as_secs_f64(),
        warmup_excluded: true,
        requests: m.edge.requests,
        requests_issued_incl_warmup: m.issued,
        ttfb_ms: Latency::of(&m.ttfb),
        hit_ratio: HitRatio {
            requests: round(m.edge.hit_ratio(), 6),
            bytes: round(m.edge.byte_hit_ratio(), 6),
        },
        origin_requests: m.origin_requests,
        origin_bytes: m.origin_bytes,
        uncacheable_requests: m.uncacheable,
        bytes_served: m.edge.bytes,
        events: m.events,
        completion_ms: Latency::of(&m.client.completion),
        latency_by_class: class_summaries(m),
        capacity: capacity_summary(cfg, m),
        routing_events: m.routing.as_ref().map(super::events::summary),
        edge_compute: cfg.compute.as_ref().map(|_| ComputeSummary {
            invocations: m.client.compute_invocations,
            cold_starts: m.client.compute_cold_starts,
        }),
        tiers: TierSummary {
            mode: serde_json::to_value(cfg.tiers.mode)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            coalescing: cfg.tiers.coalescing,
            upper_requests: m.upper.requests,
            upper_hit_ratio: HitRatio {
                requests: round(m.upper.hit_ratio(), 6),
                bytes: round(m.upper.byte_hit_ratio(), 6),
            },
            coalesced_requests: m.coalesced,
            origin_peak: origin_peak(cfg, m),
            freshness: FreshnessSummary {
                stale_while_revalidate_serves: m.stale_served,
                background_revalidations: m.background_revalidations,
                conditional_requests: m.revalidations,
                origin_not_modified: m.not_modified,
                stale_if_error_serves: m.stale_if_error_served,
                origin_errors: m.origin_errors,
                failed_requests: m.errors,
                purged_objects: m.purged_objects,
                purge_misses: m.purge_misses,
            },
            push: PushSummary {
                windows: cfg.tiers.push.len(),
                placed_objects: m.pushed_objects,
                origin_requests: m.push_origin_requests,
                origin_bytes: m.push_origin_bytes,
            },
        },
        invariants: m.invariants.clone(),
    }
}

/// The measured buckets (starting at or after warmup) with the most origin
/// requests and bytes; the earliest on ties.
fn origin_peak(cfg: &RunConfig, m: &RunMetrics) -> OriginPeak {
    let step = m.series.interval.as_secs_f64();
    let first = cfg.warmup.as_nanos().div_ceil(m.series.interval.as_nanos()) as usize;
    let peak = |f: fn(&crate::metrics::Bucket) -> u64| {
        m.series
            .buckets
            .iter()
            .enumerate()
            .skip(first)
            .fold(
                (0u64, first),
                |best, (i, b)| if f(b) > best.0 { (f(b), i) } else { best },
            )
    };
    let (r, ri) = peak(|b| b.origin_requests);
    let (b, bi) = peak(|b| b.origin_bytes);
    OriginPeak {
        requests_per_s: round(r as f64 / step, 6),
        requests_at_s: round(ri as f64 * step, 6),
        bytes_per_s: round(b as f64 / step, 3),
        bytes_at_s: round(bi as f64 * step, 6),
    }
}

/// Writes summary.json, config.toml and the CSVs into `dir`, and returns
/// what it wrote (name, bytes) so the report is drawn from exactly these
/// files. New outputs: `dir.write(name, bytes)?` below, as for the others.
pub fn write_all<'d>(
    dir: &'d RunDir,
    cfg: &RunConfig,
    routes: &[GroupRoute],
    m: &RunMetrics,
) -> Result<Written<'d>, Error> {
    let mut dir = Written::to(dir);
    let s = summary(cfg, m);
    let mut json = serde_json::to_string_pretty(&s).map_err(|e| Error::Runtime(e.to_string()))?;
    json.push('\n');
    dir.write("summary.json", json.as_bytes())?;

    let effective =
        crate::scenario::effective_for_output(&cfg.effective, &cfg.source, dir.final_dir());
    let config =
        toml::to_string(&effective).map_err(|e| Error::Runtime(format!("config.toml: {e}")))?;
    let header = "# Effective configuration of this run: the scenario with defaults and --set \
                  applied; input paths are relative to this folder.\n";
    dir.write("config.toml", format!("{header}{config}").as_bytes())?;

    let city = |c| cfg.cities.get(c);
    let pops: Vec<PopRow> = cfg
        .pops
        .iter()
        .zip(&m.per_pop)
        .map(|(p, pm)| PopRow {
            pop: &p.name,
            city: &city(p.city).name,
            country: &city(p.city).country,
            lat: round(city(p.city).loc.lat, 4),
            lon: round(city(p.city).loc.lon, 4),
            requests: pm.edge.requests,
            hits: pm.edge.hits,
            hit_ratio: round(pm.edge.hit_ratio(), 6),
            bytes: pm.edge.bytes,
            byte_hit_ratio: round(pm.edge.byte_hit_ratio(), 6),
            origin_requests: pm.origin_requests,
            origin_bytes: pm.origin_bytes,
            ttfb_p50_ms: round(pm.ttfb.quantile_ms(0.5), 3),
            ttfb_p99_ms: round(pm.ttfb.quantile_ms(0.99), 3),
        })
        .collect();
    dir.write("pops.csv", &csv_bytes(&pops)?)?;

    let clients: Vec<ClientRow> = routes
        .iter()
        .zip(&m.per_group)
        .enumerate()
        .map(|(i, (r, gm))| (i, r, gm, r.cells(cfg)))
        .map(|(i, r, gm, c)| ClientRow {
            group: i,
            city: &city(r.city).name,
            country: &city(r.city).country,
            continent: &city(r.city).continent,
            lat: round(city(r.city).loc.lat, 4),
            lon: round(city(r.city).loc.lon, 4),
            access_asn: r.access_asn.map_or(String::new(), |a| a.0.to_string()),
            pop: &cfg.pops[r.pop].name,
            distance_km: round(r.distance_km, 1),
            rtt_ms: round(r.rtt.as_millis_f64(), 3),
            as_path: c.as_path,
            nearest_pop: &cfg.pops[r.nearest_pop].name,
            nearest_km: round(r.nearest_km, 1),
            best_unicast_pop: c.best_unicast_pop,
            best_unicast_rtt_ms: c.best_unicast_rtt_ms,
            minus_best_unicast_ms: c.minus_best_unicast_ms,
            requests: gm.requests,
            ttfb_p50_ms: round(gm.ttfb.quantile_ms(0.5), 3),
            ttfb_p99_ms: round(gm.ttfb.quantile_ms(0.99), 3),
        })
        .collect();
    dir.write("clients.csv", &csv_bytes(&clients)?)?;

    let step = m.series.interval.as_secs_f64();
    let warm = cfg.warmup.as_secs_f64();
    let series: Vec<SeriesRow> = m
        .series
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| SeriesRow {
            t_start_s: round(i as f64 * step, 6),
            t_end_s: round((i + 1) as f64 * step, 6),
            warmup: (i as f64 * step) < warm,
            requests: b.requests,
            edge_hits: b.edge_hits,
            bytes: b.bytes,
            origin_requests: b.origin_requests,
            origin_bytes: b.origin_bytes,
            upper_requests: b.upper_requests,
            upper_hits: b.upper_hits,
            coalesced: b.coalesced,
        })
        .collect();
    dir.write("timeseries.csv", &csv_bytes(&series)?)?;

    let hier = crate::sim::tiers::Hierarchy::new(cfg);
    let tiers: Vec<TierRow> = hier
        .nodes
        .iter()
        .zip(&m.tiers)
        .enumerate()
        .map(|(i, (n, tm))| TierRow {
            tier: crate::sim::tiers::level_label(n.level),
            name: &n.name,
            city: &city(n.city).name,
            country: &city(n.city).country,
            lat: round(city(n.city).loc.lat, 4),
            lon: round(city(n.city).loc.lon, 4),
            capacity_bytes: n.capacity_bytes,
            policy: n.policy.kind().name(),
            parent: hier.parent_name(i, cfg),
            origin: &cfg.tiers.origins[n.origin].name,
            requests: tm.cache.requests,
            hits: tm.cache.hits,
            hit_ratio: round(tm.cache.hit_ratio(), 6),
            bytes: tm.cache.bytes,
            hit_bytes: tm.cache.hit_bytes,
            byte_hit_ratio: round(tm.cache.byte_hit_ratio(), 6),
            coalesced: tm.coalesced,
            fetches: tm.fetches,
            fetch_bytes: tm.fetch_bytes,
        })
        .collect();
    dir.write("tiers.csv", &csv_bytes(&tiers)?)?;
    dir.write("levels.csv", &csv_bytes(&level_rows(cfg, &hier, m))?)?;
    let origins: Vec<OriginRow> = cfg
        .tiers
        .origins
        .iter()
        .zip(&m.origins)
        .map(|(o, om)| OriginRow {
            origin: &o.name,
            city: &city(o.city).name,
            country: &city(o.city).country,
            lat: round(city(o.city).loc.lat, 4),
            lon: round(city(o.city).loc.lon, 4),
            requests: om.requests,
            bytes: om.bytes,
        })
        .collect();
    dir.write("origins.csv", &csv_bytes(&origins)?)?;
    dir.write("latency_cdf.csv", &csv_bytes(&latency_cdf(cfg, m))?)?;
    dir.write("pop_load.csv", &csv_bytes(&pop_load(cfg, m))?)?;
    dir.write("tier_load.csv", &csv_bytes(&tier_load(cfg, m))?)?;
    Ok(dir)
}

#[derive(Serialize)]
struct PopLoadRow<'a> {
    t_start_s: f64,
    t_end_s: f64,
    warmup: bool,
    pop: &'a str,
    offered: u64,
    dropped: u64,
    attack_offered: u64,
    attack_dropped: u64,
    attack_origin: u64,
    utilisation: f64,
    mean_wait_ms: f64,
    max_wait_ms: f64,
    egress_utilisation: f64,
    /// The PoP's request capacity [1/s]; empty when unlimited.
    capacity_rps: String,
}

/// The cells pop_load.csv and tier_load.csv share for interval `k` of a
/// site's request queue `c`: interval bounds, utilisation and waits.
struct QueueCells {
    t_start_s: f64,
    t_end_s: f64,
    warmup: bool,
    utilisation: f64,
    mean_wait_ms: f64,
    max_wait_ms: f64,
    egress_utilisation: f64,
    capacity_rps: String,
}

fn queue_cells(
    cfg: &RunConfig,
    c: &crate::capacity::PopCapacity,
    (u, e): (&[f64], &[f64]),
    k: usize,
) -> QueueCells {
    let step = cfg.interval.as_secs_f64();
    let q = c.request_usage.buckets.get(k).copied().unwrap_or_default();
    let served = q.offered - q.dropped;
    QueueCells {
        t_start_s: round(k as f64 * step, 6),
        t_end_s: round((k + 1) as f64 * step, 6),
        warmup: (k as f64 * step) < cfg.warmup.as_secs_f64(),
        utilisation: round(u.get(k).copied().unwrap_or(0.0), 4),
        mean_wait_ms: round(
            if served == 0 {
                0.0
            } else {
                q.wait_ns as f64 / served as f64 / 1e6
            },
            3,
        ),
        max_wait_ms: round(q.max_wait_ns as f64 / 1e6, 3),
        egress_utilisation: round(e.get(k).copied().unwrap_or(0.0), 4),
        capacity_rps: c
            .cap
            .requests_per_s
            .map_or(String::new(), |r| round(r, 3).to_string()),
    }
}

/// Per PoP and interval (by arrival at the PoP): offered and dropped requests,
/// utilisation and queueing of the PoP's request queue.
fn pop_load<'a>(cfg: &'a RunConfig, m: &RunMetrics) -> Vec<PopLoadRow<'a>> {
    let mut rows = Vec::new();
    for (i, p) in m.capacity.iter().enumerate() {
        let (u, e) = (utilisation(p), egress_utilisation(p));
        for (k, b) in m.client.load[i].iter().enumerate() {
            let c = queue_cells(cfg, p, (&u, &e), k);
            rows.push(PopLoadRow {
                t_start_s: c.t_start_s,
                t_end_s: c.t_end_s,
                warmup: c.warmup,
                pop: &cfg.pops[i].name,
                offered: b.offered,
                dropped: b.dropped,
                attack_offered: b.attack_offered,
                attack_dropped: b.attack_dropped,
                attack_origin: b.attack_origin,
                utilisation: c.utilisation,
                mean_wait_ms: c.mean_wait_ms,
                max_wait_ms: c.max_wait_ms,
                egress_utilisation: c.egress_utilisation,
                capacity_rps: c.capacity_rps,
            });
        }
    }
    rows
}

#[derive(Serialize)]
struct TierLoadRow<'a> {
    t_start_s: f64,
    t_end_s: f64,
    warmup: bool,
    site: &'a str,
    kind: &'static str,
    offered: u64,
    dropped: u64,
    attack_offered: u64,
    attack_dropped: u64,
    utilisation: f64,
    mean_wait_ms: f64,
    max_wait_ms: f64,
    egress_utilisation: f64,
    /// The site's request capacity [1/s]; empty when unlimited.
    capacity_rps: String,
}

/// Per upper tier in use and origin site, per interval (by arrival at the
/// site): fetches and attack requests offered and refused, utilisation
/// and queueing of the site's request queue.
fn tier_load<'a>(cfg: &RunConfig, m: &'a RunMetrics) -> Vec<TierLoadRow<'a>> {
    let mut rows = Vec::new();
    for x in &m.upstream.sites {
        let (u, e) = (utilisation(&x.cap), egress_utilisation(&x.cap));
        for (k, b) in x.load.iter().enumerate() {
            let c = queue_cells(cfg, &x.cap, (&u, &e), k);
            rows.push(TierLoadRow {
                t_start_s: c.t_start_s,
                t_end_s: c.t_end_s,
                warmup: c.warmup,
                site: &x.name,
                kind: x.kind.name(),
                offered: b.offered,
                dropped: b.dropped,
                attack_offered: b.attack_offered,
                attack_dropped: b.attack_dropped,
                utilisation: c.utilisation,
                mean_wait_ms: c.mean_wait_ms,
                max_wait_ms: c.max_wait_ms,
                egress_utilisation: c.egress_utilisation,
                capacity_rps: c.capacity_rps,
            });
        }
    }
    rows
}

/// The files written into a run folder, kept in memory for the report.
pub struct Written<'a> {
    dir: &'a RunDir,
    pub files: Vec<(String, Vec<u8>)>,
}

impl<'a> Written<'a> {
    pub fn to(dir: &'a RunDir) -> Self {
        Written {
            dir,
            files: Vec::new(),
        }
    }
    /// Writes one file into the run folder and keeps a copy.
    pub fn write(&mut self, file: &str, bytes: &[u8]) -> Result<(), Error> {
        self.dir.write(file, bytes)?;
        self.files.push((file.to_string(), bytes.to_vec()));
        Ok(())
    }
    /// The folder the run will have when complete.
    pub fn final_dir(&self) -> &std::path::Path {
        self.dir.final_dir()
    }
}

/// Quantiles at which latency_cdf.csv samples each distribution, in units
/// of 1e-5: every 0.01 up to 0.99, then every 0.001, 0.0001 and 0.00001
/// into the tail, then 1 (the maximum). Integers so the printed quantiles
/// are exact decimals.
pub fn cdf_quantiles() -> Vec<f64> {
    let mut k: Vec<u32> = (0..=99).map(|i| i * 1000).collect();
    k.extend((1..=9).map(|i| 99_000 + i * 100));
    k.extend((1..=9).map(|i| 99_900 + i * 10));
    k.extend((1..=9).map(|i| 99_990 + i));
    k.push(100_000);
    k.into_iter().map(|k| f64::from(k) / 1e5).collect()
}

#[derive(Serialize)]
struct CdfRow<'a> {
    scope: &'static str,
    name: &'a str,
    quantile: f64,
    ttfb_ms: f64,
}

/// TTFB quantiles overall, per PoP and per client continent (the requests
/// of a continent's groups, recorded together), for CDF and CCDF plots.
/// Empty distributions (a PoP nobody used) have no rows.
fn latency_cdf<'a>(cfg: &'a RunConfig, m: &'a RunMetrics) -> Vec<CdfRow<'a>> {
    let mut scopes: Vec<(&'static str, &'a str, &LatencyHistogram)> = vec![("all", "all", &m.ttfb)];
    scopes.extend(
        cfg.pops
            .iter()
            .zip(&m.per_pop)
            .map(|(p, pm)| ("pop", p.name.as_str(), &pm.ttfb)),
    );
    scopes.extend(
        m.per_continent
            .iter()
            .map(|(c, h)| ("client_continent", c.as_str(), h)),
    );
    let qs = cdf_quantiles();
    let mut rows = Vec::new();
    for (scope, name, h) in scopes {
        if h.count() == 0 {
            continue;
        }
        for &q in &qs {
            rows.push(CdfRow {
                scope,
                name,
                quantile: q,
                ttfb_ms: round(h.quantile_ms(q), 3),
            });
        }
    }
    rows
}
