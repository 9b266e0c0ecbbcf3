//! Invariants checked on every run, from the recorded metrics (and the
//! world's graph for BGP paths), before anything is written.
//!
//! A run whose numbers contradict each other has a bug somewhere; writing
//! them would publish it. `cli::run::run_into` (every `cdnsim run`, every
//! sweep point) refuses to write anything when a check fails (exit 1), and
//! otherwise records the report in `summary.json` under `invariants`
//! (docs/outputs.md), each check with `holds` and the numbers it compared.
//!
//! The request path is tiered (`sim::fetch`): a request that reaches its
//! PoP is admitted or dropped (capacity), may be answered by the edge
//! function alone, else is looked up at the edge; a miss joins a fetch in
//! flight (coalesced) or sends one to the node's parent (an upper tier or
//! an origin site), and so on up. Checks (names as in summary.json; all
//! counts are measured requests unless said otherwise):
//!
//! - `requests_accounted`: arrivals (request attempts: retries after a
//!   routing loss or a broken connection count again) = served + failed +
//!   lost, where failed = dropped at a full PoP queue + answered with an
//!   error, lost = attempts lost to routing events (blackhole, loop, failed
//!   PoP), and served = requests that reached the edge (cache or edge
//!   function) minus those answered with an error or lost there; the
//!   capacity hook's offered count = arrivals - attempts lost before a PoP.
//! - `<tier>_lookups_accounted` (`edge`, `upper`), per node of the tier:
//!   hits + misses = lookups, where requests that are not storable bypass
//!   the cache and requests the edge function answers alone never reach it
//!   (requests = lookups + bypassed + local).
//! - `<tier>_within_capacity`: no node's high-water mark of resident bytes
//!   (taken after every insert: fills, revalidations, pushes) exceeded its
//!   capacity.
//! - `origin_fetches_accounted`: per node, fetches sent to the parent =
//!   misses (bypassed included, local excluded) - coalesced + background
//!   revalidations; origin requests = the fetches of the nodes whose parent
//!   is an origin site = the sum over origin sites. Push fetches are counted
//!   apart (`push_origin_requests`) and are not origin requests.
//! - `bytes_conserved`: per node, bytes requested = hit bytes + bytes
//!   fetched (less background revalidations, which answer no request) +
//!   bytes of coalesced misses + bytes answered locally; the requests and
//!   bytes reaching the upper tiers (plus those their full queues refused,
//!   `sim::upstream`) = the fetches sent to them; origin bytes
//!   = the sum over origin sites <= the bytes fetched from origins (a 304 or
//!   a failed origin request carries no body).
//! - `breakdowns_add_up`: per-PoP figures are the edge nodes' and sum to
//!   the totals, the upper-tier total is the sum of the upper nodes, per-group
//!   requests and the TTFB histogram have one sample per served request.
//! - `timeseries_accounted` (warmup included): requests in the time series
//!   plus requests dropped at a PoP plus attempts lost before a PoP =
//!   issued attempts; hits never exceed
//!   requests at either level; the series' origin and upper requests
//!   include at least the measured ones.
//! - `bgp_paths_valley_free`, `bgp_paths_loop_free` (with a world): every
//!   client group's AS path to the anycast prefix follows graph links, visits
//!   no AS twice, and reads (client to CDN) as providers*, at most one peer
//!   or sibling link, customers* — Gao-Rexford export.

use super::RunMetrics;
use super::tiers::Hierarchy;
use crate::metrics::CacheCounters;
use crate::scenario::RunConfig;
use crate::topology::{AsGraph, Asn, Rel};
use serde::Serialize;
use std::collections::BTreeMap;

/// One check: whether it holds and the numbers it compared.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Check {
    pub holds: bool,
    #[serde(flatten)]
    pub values: BTreeMap<&'static str, i128>,
}

impl Check {
    fn new(holds: bool, values: &[(&'static str, i128)]) -> Check {
        Check {
            holds,
            values: values.iter().copied().collect(),
        }
    }
    fn describe(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every check of a run, by name (sorted: stable output).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Report {
    pub checks: BTreeMap<String, Check>,
}

/// One cache as the invariants see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct CacheView {
    /// Measured requests answered at this cache (hits and misses).
    pub counters: CacheCounters,
    /// Measured lookups in the cache.
    pub lookups: u64,
    /// Measured requests that did not look the cache up (not storable).
    pub bypassed: u64,
    /// Measured requests answered at the node without a lookup or a fetch
    /// (the edge function alone).
    pub local: u64,
    /// Largest resident bytes seen during the run.
    pub peak_bytes: u64,
    pub capacity: u64,
}

impl Report {
    pub fn insert(&mut self, name: impl Into<String>, c: Check) {
        self.checks.insert(name.into(), c);
    }

    /// Names of the checks that fail.
    pub fn violated(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|(_, c)| !c.holds)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Ok, or a runtime error naming each violated check and its numbers.
    pub fn result(&self) -> crate::Result<()> {
        let bad: Vec<String> = self
            .checks
            .iter()
            .filter(|(_, c)| !c.holds)
            .map(|(n, c)| format!("{n} ({})", c.describe()))
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        Err(crate::Error::Runtime(format!(
            "invariant violated, results not written (a bug in cdnsim; please report it with the scenario): {}",
            bad.join("; ")
        )))
    }

    /// The checks of one cache tier: `<tier>_lookups_accounted` and
    /// `<tier>_within_capacity`, summed over its caches.
    pub fn caches(&mut self, tier: &str, caches: &[CacheView]) {
        let (mut hits, mut misses, mut lookups, mut bypassed, mut bad) = (0, 0, 0, 0, 0);
        let (mut peak, mut cap_at_peak, mut over) = (0u64, 0u64, 0);
        for c in caches {
            let h = c.counters.hits;
            let m = c.counters.requests as i128 - h as i128 - c.bypassed as i128 - c.local as i128;
            hits += h as i128;
            misses += m;
            lookups += c.lookups as i128;
            bypassed += c.bypassed as i128;
            if h as i128 + m != c.lookups as i128 || m < 0 {
                bad += 1;
            }
            if c.peak_bytes > c.capacity {
                over += 1;
            }
            if c.peak_bytes >= peak {
                peak = c.peak_bytes;
                cap_at_peak = c.capacity;
            }
        }
        self.insert(
            format!("{tier}_lookups_accounted"),
            Check::new(
                bad == 0,
                &[
                    ("hits", hits),
                    ("misses", misses),
                    ("lookups", lookups),
                    ("bypassed", bypassed),
                    ("caches_violating", bad),
                ],
            ),
        );
        self.insert(
            format!("{tier}_within_capacity"),
            Check::new(
                over == 0,
                &[
                    ("peak_bytes", peak as i128),
                    ("capacity_bytes", cap_at_peak as i128),
                    ("caches_over", over),
                ],
            ),
        );
    }
}

/// The checks that need only the recorded metrics (and the hierarchy's
/// shape: which node fetches from an origin, each node's capacity).
pub fn of_metrics(_cfg: &RunConfig, hier: &Hierarchy, m: &RunMetrics) -> Report {
    let mut r = Report::default();
    let i = |x: u64| x as i128;
    let edges = hier.edges;
    // Attempts lost to routing events (blackhole, loop, failed PoP) either
    // never reached a PoP or reached its edge and lost the response there.
    let lost_at_pop = i(m.lost) - i(m.lost_before_pop);
    let served = i(m.edge.requests) - i(m.errors) - lost_at_pop;
    r.insert(
        "requests_accounted",
        Check::new(
            i(m.arrived) == served + i(m.failed) + i(m.lost)
                && m.failed == m.client.dropped + m.errors
                && i(m.client.offered) == i(m.arrived) - i(m.lost_before_pop)
                && m.lost >= m.lost_before_pop,
            &[
                ("arrived", i(m.arrived)),
                ("served", served),
                ("failed", i(m.failed)),
                ("dropped", i(m.client.dropped)),
                ("errors", i(m.errors)),
                ("lost", i(m.lost)),
                ("lost_before_pop", i(m.lost_before_pop)),
                ("offered", i(m.client.offered)),
            ],
        ),
    );
    let view = |n: usize| {
        let t = m.tiers.get(n).cloned().unwrap_or_default();
        CacheView {
            counters: t.cache,
            lookups: t.lookups,
            bypassed: t.bypassed,
            local: t.local,
            peak_bytes: t.peak_bytes,
            capacity: hier.nodes[n].capacity_bytes,
        }
    };
    let nodes = hier.nodes.len();
    let edge_views: Vec<CacheView> = (0..edges).map(view).collect();
    let upper_views: Vec<CacheView> = (edges..nodes).map(view).collect();
    r.caches("edge", &edge_views);
    r.caches("upper", &upper_views);

    // Fetches per node, and where they go.
    let (mut misses, mut coalesced, mut background, mut bad) = (0i128, 0i128, 0i128, 0i128);
    let (mut to_origin, mut to_origin_bytes, mut to_upper, mut to_upper_bytes) =
        (0i128, 0i128, 0i128, 0i128);
    let mut bytes_bad = 0i128;
    for (n, t) in m.tiers.iter().enumerate().take(nodes) {
        let c = &t.cache;
        let miss = i(c.requests) - i(c.hits) - i(t.local);
        misses += miss;
        coalesced += i(t.coalesced);
        background += i(t.background);
        if i(t.fetches) != miss - i(t.coalesced) + i(t.background) {
            bad += 1;
        }
        if i(c.bytes)
            != i(c.hit_bytes) + i(t.fetch_bytes) - i(t.background_bytes)
                + i(t.coalesced_bytes)
                + i(t.local_bytes)
        {
            bytes_bad += 1;
        }
        if hier.to_origin(n) {
            to_origin += i(t.fetches);
            to_origin_bytes += i(t.fetch_bytes);
        } else {
            to_upper += i(t.fetches);
            to_upper_bytes += i(t.fetch_bytes);
        }
    }
    let site_requests: u64 = m.origins.iter().map(|o| o.requests).sum();
    let site_bytes: u64 = m.origins.iter().map(|o| o.bytes).sum();
    r.insert(
        "origin_fetches_accounted",
        Check::new(
            bad == 0
                && m.tiers.len() == nodes
                && i(m.origin_requests) == to_origin
                && m.origin_requests == site_requests,
            &[
                ("origin_requests", i(m.origin_requests)),
                ("fetches_to_origin", to_origin),
                ("origin_site_requests", i(site_requests)),
                ("misses", misses),
                ("coalesced", coalesced),
                ("background_revalidations", background),
                ("nodes_violating", bad),
                ("push_origin_requests", i(m.push_origin_requests)),
            ],
        ),
    );
    let (upper_requests, upper_bytes) = m
        .tiers
        .iter()
        .skip(edges)
        .fold((0i128, 0i128), |(a, b), t| {
            (a + i(t.cache.requests), b + i(t.cache.bytes))
        });
    // Fetches an upper tier refused (full queue) never reached its cache.
    let (refused, refused_bytes) = m.upstream.tier_dropped();
    let (upper_requests, upper_bytes) =
        (upper_requests + i(refused), upper_bytes + i(refused_bytes));
    r.insert(
        "bytes_conserved",
        Check::new(
            bytes_bad == 0
                && upper_requests == to_upper
                && upper_bytes == to_upper_bytes
                && m.origin_bytes == site_bytes
                && i(m.origin_bytes) <= to_origin_bytes,
            &[
                ("bytes_served", i(m.edge.bytes)),
                ("hit_bytes", i(m.edge.hit_bytes)),
                ("nodes_violating", bytes_bad),
                ("upper_requests", upper_requests),
                ("fetches_to_upper", to_upper),
                ("upper_bytes", upper_bytes),
                ("fetch_bytes_to_upper", to_upper_bytes),
                ("origin_bytes", i(m.origin_bytes)),
                ("fetch_bytes_to_origin", to_origin_bytes),
            ],
        ),
    );

    let sum = |f: &dyn Fn(&super::PopMetrics) -> u64| -> u64 { m.per_pop.iter().map(f).sum() };
    let pop_requests = sum(&|p| p.edge.requests);
    let pop_hits = sum(&|p| p.edge.hits);
    let pop_bytes = sum(&|p| p.edge.bytes);
    let pop_fetches = sum(&|p| p.origin_requests);
    let group_requests: u64 = m.per_group.iter().map(|g| g.requests).sum();
    let pops_match_edges = m.per_pop.len() == edges
        && m.per_pop.iter().zip(&m.tiers).all(|(p, t)| {
            p.edge == t.cache && p.origin_requests == t.fetches && p.origin_bytes == t.fetch_bytes
        });
    let mut upper = CacheCounters::default();
    for t in m.tiers.iter().skip(edges) {
        upper.requests += t.cache.requests;
        upper.hits += t.cache.hits;
        upper.bytes += t.cache.bytes;
        upper.hit_bytes += t.cache.hit_bytes;
    }
    r.insert(
        "breakdowns_add_up",
        Check::new(
            pop_requests == m.edge.requests
                && pop_hits == m.edge.hits
                && pop_bytes == m.edge.bytes
                && pops_match_edges
                && upper == m.upper
                && i(group_requests) == served
                && i(m.ttfb.count()) == served,
            &[
                ("requests", i(m.edge.requests)),
                ("served", served),
                ("pop_requests", i(pop_requests)),
                ("pop_fetches", i(pop_fetches)),
                ("group_requests", i(group_requests)),
                ("ttfb_samples", i(m.ttfb.count())),
                ("upper_requests", i(m.upper.requests)),
            ],
        ),
    );

    let (mut s_req, mut s_hits, mut s_up, mut s_up_hits, mut s_origin) = (0u64, 0, 0, 0, 0);
    for b in &m.series.buckets {
        s_req += b.requests;
        s_hits += b.edge_hits;
        s_up += b.upper_requests;
        s_up_hits += b.upper_hits;
        s_origin += b.origin_requests;
    }
    let dropped_all: u64 = m.client.load.iter().flatten().map(|b| b.dropped).sum();
    r.insert(
        "timeseries_accounted",
        Check::new(
            s_req + dropped_all + m.lost_unreached == m.issued
                && s_hits <= s_req
                && s_up_hits <= s_up
                && s_up >= m.upper.requests
                && s_origin >= m.origin_requests,
            &[
                ("issued_incl_warmup", i(m.issued)),
                ("series_requests", i(s_req)),
                ("dropped_incl_warmup", i(dropped_all)),
                ("lost_before_pop_incl_warmup", i(m.lost_unreached)),
                ("series_edge_hits", i(s_hits)),
                ("series_upper_requests", i(s_up)),
                ("series_upper_hits", i(s_up_hits)),
                ("series_origin_requests", i(s_origin)),
            ],
        ),
    );
    r
}

/// How one AS path breaks the rules (None: it does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathFault {
    /// An AS appears twice.
    Loop,
    /// Two consecutive ASes are not linked in the graph (or unknown).
    NotLinked,
    /// A provider after a peer/customer step, or a second peer step.
    Valley,
}

/// Checks one AS path, client side first (`path[0]` = access AS, last =
/// the origin AS): loop-free, along links, valley-free.
pub fn path_fault(graph: &AsGraph, path: &[Asn]) -> Option<PathFault> {
    let mut seen: Vec<Asn> = path.to_vec();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Some(PathFault::Loop);
    }
    // Phase 0: climbing (next AS is a provider); 1: after the one peer
    // step, or descending (next AS is a customer).
    let mut phase = 0;
    for w in path.windows(2) {
        let (Some(a), Some(b)) = (graph.idx(w[0]), graph.idx(w[1])) else {
            return Some(PathFault::NotLinked);
        };
        match graph.rel(a, b) {
            None => return Some(PathFault::NotLinked),
            Some(Rel::Provider) if phase == 0 => {}
            Some(Rel::Provider) => return Some(PathFault::Valley),
            Some(Rel::Peer | Rel::Sibling) if phase == 0 => phase = 1,
            Some(Rel::Peer | Rel::Sibling) => return Some(PathFault::Valley),
            Some(Rel::Customer) => phase = 1,
        }
    }
    None
}

/// `bgp_paths_valley_free` and `bgp_paths_loop_free` over the groups'
/// anycast AS paths.
pub fn of_paths<'p>(report: &mut Report, graph: &AsGraph, paths: impl Iterator<Item = &'p [Asn]>) {
    let (mut n, mut loops, mut valleys, mut unlinked) = (0i128, 0i128, 0i128, 0i128);
    let (mut first_loop, mut first_valley) = (-1i128, -1i128);
    for (g, p) in paths.enumerate() {
        if p.is_empty() {
            continue;
        }
        n += 1;
        match path_fault(graph, p) {
            Some(PathFault::Loop) => {
                loops += 1;
                if first_loop < 0 {
                    first_loop = g as i128;
                }
            }
            Some(f) => {
                if f == PathFault::NotLinked {
                    unlinked += 1;
                } else {
                    valleys += 1;
                }
                if first_valley < 0 {
                    first_valley = g as i128;
                }
            }
            None => {}
        }
    }
    report.insert(
        "bgp_paths_loop_free",
        Check::new(
            loops == 0,
            &[("paths", n), ("loops", loops), ("first_group", first_loop)],
        ),
    );
    report.insert(
        "bgp_paths_valley_free",
        Check::new(
            valleys == 0 && unlinked == 0,
            &[
                ("paths", n),
                ("valleys", valleys),
                ("not_linked", unlinked),
                ("first_group", first_valley),
            ],
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{LatencyHistogram, TimeSeries};
    use crate::sim::client::{ClientMetrics, LoadBucket};
    use crate::sim::{GroupMetrics, OriginMetrics, PopMetrics, TierMetrics};
    use crate::time::{SimDuration, SimTime};
    use crate::topology::{AsGraphBuilder, LinkRel};

    /// shield-sizing.toml (nearest steering, mode "shield": every edge
    /// fetches from the shield, the shield from the origin), one group,
    /// hand-made numbers that agree (objects of 100 B):
    ///
    /// ```text
    ///   origin  <- 4 fetches (400 B), 4 origin requests (400 B body)
    ///     |
    ///   shield: 6 requests (2 bypassed), 2 hits, lookups 4 -> 4 fetches
    ///    /  \
    ///  e0    e1      (other edges: no traffic)
    ///  e0: 10 requests (2 bypassed), 6 hits, lookups 8 -> 4 fetches
    ///  e1:  5 requests, 3 hits, lookups 5, 1 coalesced, 1 background
    ///       revalidation -> 2 fetches
    /// ```
    ///
    /// 17 measured arrivals: 15 reach an edge, 2 are dropped at a full
    /// queue; 1 of the 15 is answered with an error: 14 served, 3 failed.
    fn consistent() -> (RunConfig, Hierarchy, RunMetrics) {
        let l = crate::scenario::load_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/shield-sizing.toml"),
            &[],
        )
        .unwrap();
        let cfg = crate::scenario::validate(&l).unwrap();
        let hier = Hierarchy::new(&cfg);
        let edges = hier.edges;
        let super::super::tiers::Parent::Node(shield) = hier.parent(0, 0) else {
            panic!("shield mode: edges fetch from the shield");
        };
        let shield = shield as usize;
        assert!(hier.to_origin(shield) && !hier.to_origin(0) && !hier.to_origin(1));
        let mut ttfb = LatencyHistogram::default();
        for _ in 0..14 {
            ttfb.record(SimDuration::from_millis(20));
        }
        let c = |requests, hits| CacheCounters {
            requests,
            hits,
            bytes: 100 * requests,
            hit_bytes: 100 * hits,
        };
        let mut tiers = vec![TierMetrics::default(); hier.nodes.len()];
        tiers[0] = TierMetrics {
            cache: c(10, 6),
            lookups: 8,
            bypassed: 2,
            fetches: 4,
            fetch_bytes: 400,
            peak_bytes: hier.nodes[0].capacity_bytes,
            ..TierMetrics::default()
        };
        tiers[1] = TierMetrics {
            cache: c(5, 3),
            lookups: 5,
            coalesced: 1,
            coalesced_bytes: 100,
            background: 1,
            background_bytes: 100,
            fetches: 2,
            fetch_bytes: 200,
            ..TierMetrics::default()
        };
        tiers[shield] = TierMetrics {
            cache: c(6, 2),
            lookups: 4,
            bypassed: 2,
            fetches: 4,
            fetch_bytes: 400,
            peak_bytes: hier.nodes[shield].capacity_bytes,
            ..TierMetrics::default()
        };
        let mut per_pop = vec![PopMetrics::default(); edges];
        for (p, t) in per_pop.iter_mut().zip(&tiers) {
            p.edge = t.cache;
            p.origin_requests = t.fetches;
            p.origin_bytes = t.fetch_bytes;
        }
        let mut series = TimeSeries::new(SimDuration::from_secs(10), SimDuration::from_secs(20));
        let b = series.at(SimTime::ZERO);
        b.requests = 16;
        b.edge_hits = 9;
        b.upper_requests = 6;
        b.upper_hits = 2;
        b.origin_requests = 4;
        let client = ClientMetrics {
            dropped: 2,
            offered: 17,
            load: vec![vec![LoadBucket {
                offered: 18,
                dropped: 2,
                ..LoadBucket::default()
            }]],
            ..ClientMetrics::default()
        };
        let mut origins = vec![OriginMetrics::default(); cfg.tiers.origins.len()];
        origins[0] = OriginMetrics {
            requests: 4,
            bytes: 400,
        };
        let m = RunMetrics {
            ttfb,
            edge: c(15, 9),
            origin_requests: 4,
            origin_bytes: 400,
            per_pop,
            per_group: vec![GroupMetrics {
                requests: 14,
                ttfb: Default::default(),
            }],
            per_continent: Vec::new(),
            series,
            events: 0,
            issued: 18,
            uncacheable: 2,
            client,
            capacity: Vec::new(),
            upstream: Default::default(),
            lost: 0,
            lost_before_pop: 0,
            lost_unreached: 0,
            routing: None,
            upper: tiers[shield].cache,
            tiers,
            coalesced: 1,
            origins,
            stale_served: 0,
            background_revalidations: 1,
            revalidations: 0,
            not_modified: 0,
            stale_if_error_served: 0,
            errors: 1,
            origin_errors: 1,
            purged_objects: 0,
            purge_misses: 0,
            pushed_objects: 0,
            push_origin_requests: 0,
            push_origin_bytes: 0,
            arrived: 17,
            failed: 3,
            invariants: Report::default(),
        };
        (cfg, hier, m)
    }

    #[test]
    fn consistent_metrics_hold_every_check() {
        let (cfg, hier, m) = consistent();
        let r = of_metrics(&cfg, &hier, &m);
        assert!(r.violated().is_empty(), "{r:?}");
        assert!(r.result().is_ok());
        assert_eq!(r.checks["edge_lookups_accounted"].values["misses"], 4);
        assert_eq!(r.checks["upper_lookups_accounted"].values["misses"], 2);
        assert_eq!(r.checks["requests_accounted"].values["served"], 14);
        assert_eq!(
            r.checks["origin_fetches_accounted"].values["fetches_to_origin"],
            4
        );
        assert_eq!(r.checks["bytes_conserved"].values["fetches_to_upper"], 6);
    }

    /// Each deliberately broken number is caught by the check that owns it.
    #[test]
    fn broken_metric_sets_are_caught() {
        type Break = fn(&mut RunMetrics, usize);
        let cases: [(&str, Break); 14] = [
            ("requests_accounted", |m, _| m.arrived += 1),
            ("requests_accounted", |m, _| m.lost_before_pop += 1),
            ("requests_accounted", |m, _| m.client.dropped += 1),
            ("edge_lookups_accounted", |m, _| m.tiers[1].lookups -= 1),
            ("upper_lookups_accounted", |m, s| m.tiers[s].lookups += 1),
            ("edge_within_capacity", |m, _| m.tiers[0].peak_bytes += 1),
            ("upper_within_capacity", |m, s| m.tiers[s].peak_bytes += 1),
            ("origin_fetches_accounted", |m, _| {
                m.origin_requests += 1;
                m.origins[0].requests += 1;
            }),
            ("origin_fetches_accounted", |m, _| m.tiers[1].background = 0),
            ("bytes_conserved", |m, _| m.origin_bytes -= 1),
            ("bytes_conserved", |m, _| m.tiers[1].coalesced_bytes = 0),
            ("breakdowns_add_up", |m, _| m.per_group[0].requests -= 1),
            ("breakdowns_add_up", |m, _| {
                m.per_pop[0].origin_requests += 1
            }),
            ("timeseries_accounted", |m, _| m.issued += 1),
        ];
        for (name, break_it) in cases {
            let (cfg, hier, mut m) = consistent();
            let super::super::tiers::Parent::Node(shield) = hier.parent(0, 0) else {
                unreachable!()
            };
            break_it(&mut m, shield as usize);
            let r = of_metrics(&cfg, &hier, &m);
            assert!(r.violated().contains(&name), "{name} not caught: {r:?}");
            let e = r.result().unwrap_err().to_string();
            assert!(e.contains(name) && e.contains("results not written"), "{e}");
        }
    }

    ///   1 --- 2        (peers, Tier-1s)
    ///   |     |
    ///   10    20       (customers of 1 and 2)
    ///   |
    ///   100            (customer of 10)
    #[test]
    fn paths_are_checked_valley_free_and_loop_free() {
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(2), LinkRel::Peer);
        b.add_link(Asn(1), Asn(10), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(20), LinkRel::ProviderToCustomer);
        b.add_link(Asn(10), Asn(100), LinkRel::ProviderToCustomer);
        let (g, _) = b.build();
        let p = |v: &[u32]| v.iter().map(|&a| Asn(a)).collect::<Vec<_>>();
        // Up, across, down.
        assert_eq!(path_fault(&g, &p(&[100, 10, 1, 2, 20])), None);
        // Only down, or across then down.
        assert_eq!(path_fault(&g, &p(&[1, 10, 100])), None);
        assert_eq!(path_fault(&g, &p(&[2, 1, 10])), None);
        assert_eq!(path_fault(&g, &p(&[20, 2, 1, 2])), Some(PathFault::Loop));
        let mut b = AsGraphBuilder::new();
        b.add_link(Asn(1), Asn(10), LinkRel::ProviderToCustomer);
        b.add_link(Asn(2), Asn(10), LinkRel::ProviderToCustomer);
        b.add_link(Asn(1), Asn(3), LinkRel::Peer);
        b.add_link(Asn(3), Asn(2), LinkRel::Peer);
        let (g2, _) = b.build();
        // 1 -> 10 (customer) -> 2 (provider): the valley.
        assert_eq!(path_fault(&g2, &p(&[1, 10, 2])), Some(PathFault::Valley));
        // Two peer links in a row.
        assert_eq!(path_fault(&g2, &p(&[1, 3, 2])), Some(PathFault::Valley));
        // Not a link.
        assert_eq!(path_fault(&g2, &p(&[1, 2])), Some(PathFault::NotLinked));
        let mut r = Report::default();
        let paths = [p(&[1, 10, 2]), p(&[]), p(&[10, 1])];
        of_paths(&mut r, &g2, paths.iter().map(Vec::as_slice));
        assert_eq!(r.violated(), vec!["bgp_paths_valley_free"], "{r:?}");
        assert_eq!(r.checks["bgp_paths_valley_free"].values["paths"], 2);
        assert_eq!(r.checks["bgp_paths_valley_free"].values["first_group"], 0);
    }
}
