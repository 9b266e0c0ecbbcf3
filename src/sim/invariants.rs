//! Invariants checked on every run, from the recorded metrics (and the
//! world's graph for BGP paths), before anything is written.
//!
//! A run whose numbers contradict each other has a bug somewhere; writing
//! them would publish it. `cdnsim run` computes a [`Report`], refuses to
//! write anything when a check fails (exit 1), and otherwise records the
//! report in `summary.json` under `invariants` (docs/outputs.md), each check
//! with `holds` and the numbers it compared.
//!
//! Checks (names as in summary.json):
//!
//! - `requests_accounted`: measured arrivals = served + failed.
//! - `<tier>_lookups_accounted`, per cache of a tier (today: `edge`):
//!   hits + misses = lookups, where requests whose headers forbid storing
//!   bypass the cache (requests = lookups + bypassed).
//! - `<tier>_within_capacity`: no cache's high-water mark of resident bytes
//!   exceeded its capacity.
//! - `origin_fetches_accounted`: origin requests = edge misses - coalesced
//!   misses, and = storable misses + uncacheable requests - coalesced.
//! - `bytes_conserved`: bytes served = hit bytes + origin bytes + bytes of
//!   coalesced misses.
//! - `breakdowns_add_up`: per-PoP and per-group figures sum to the totals;
//!   the TTFB histogram has one sample per served request.
//! - `timeseries_accounted`: the time series (warmup included) counts every
//!   issued request once, each a hit or an origin request.
//! - `bgp_paths_valley_free`, `bgp_paths_loop_free` (with a world): every
//!   client group's AS path to the anycast prefix follows graph links, visits
//!   no AS twice, and reads (client to CDN) as providers*, at most one peer
//!   or sibling link, customers* — Gao-Rexford export.
//!
//! A tier added later reports its caches with [`CacheView`] through
//! [`Report::caches`].

use super::RunMetrics;
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
            let m = c.counters.requests as i128 - h as i128 - c.bypassed as i128;
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

/// The checks that need only the recorded metrics.
pub fn of_metrics(cfg: &RunConfig, m: &RunMetrics) -> Report {
    let mut r = Report::default();
    let i = |x: u64| x as i128;
    let served = m.edge.requests;
    r.insert(
        "requests_accounted",
        Check::new(
            m.arrived == served + m.failed,
            &[
                ("arrived", i(m.arrived)),
                ("served", i(served)),
                ("failed", i(m.failed)),
            ],
        ),
    );
    let views: Vec<CacheView> = m
        .per_pop
        .iter()
        .map(|p| CacheView {
            counters: p.edge,
            lookups: p.lookups,
            bypassed: p.bypassed,
            peak_bytes: p.peak_bytes,
            capacity: cfg.edge.capacity_bytes,
        })
        .collect();
    r.caches("edge", &views);

    let misses = i(m.edge.requests) - i(m.edge.hits);
    let lookups: u64 = m.per_pop.iter().map(|p| p.lookups).sum();
    let storable_misses = i(lookups) - i(m.edge.hits);
    let coalesced = i(m.coalesced);
    r.insert(
        "origin_fetches_accounted",
        Check::new(
            i(m.origin_requests) == misses - coalesced
                && i(m.origin_requests) == storable_misses + i(m.uncacheable) - coalesced,
            &[
                ("origin_requests", i(m.origin_requests)),
                ("misses", misses),
                ("storable_misses", storable_misses),
                ("uncacheable", i(m.uncacheable)),
                ("coalesced", coalesced),
            ],
        ),
    );
    r.insert(
        "bytes_conserved",
        Check::new(
            i(m.edge.bytes) == i(m.edge.hit_bytes) + i(m.origin_bytes) + i(m.coalesced_bytes),
            &[
                ("bytes_served", i(m.edge.bytes)),
                ("hit_bytes", i(m.edge.hit_bytes)),
                ("origin_bytes", i(m.origin_bytes)),
                ("coalesced_bytes", i(m.coalesced_bytes)),
            ],
        ),
    );

    let sum = |f: &dyn Fn(&super::PopMetrics) -> u64| -> u64 { m.per_pop.iter().map(f).sum() };
    let pop_requests = sum(&|p| p.edge.requests);
    let pop_hits = sum(&|p| p.edge.hits);
    let pop_bytes = sum(&|p| p.edge.bytes);
    let pop_origin = sum(&|p| p.origin_requests);
    let pop_origin_bytes = sum(&|p| p.origin_bytes);
    let group_requests: u64 = m.per_group.iter().map(|g| g.requests).sum();
    let pop_origin_ok = m
        .per_pop
        .iter()
        .all(|p| p.origin_requests == p.edge.requests - p.edge.hits.min(p.edge.requests));
    r.insert(
        "breakdowns_add_up",
        Check::new(
            pop_requests == served
                && pop_hits == m.edge.hits
                && pop_bytes == m.edge.bytes
                && pop_origin == m.origin_requests
                && pop_origin_bytes == m.origin_bytes
                && group_requests == served
                && m.ttfb.count() == served
                && (pop_origin_ok || m.coalesced > 0),
            &[
                ("requests", i(served)),
                ("pop_requests", i(pop_requests)),
                ("group_requests", i(group_requests)),
                ("ttfb_samples", i(m.ttfb.count())),
                ("pop_origin_requests", i(pop_origin)),
                ("pop_origin_bytes", i(pop_origin_bytes)),
            ],
        ),
    );

    let (mut s_req, mut s_hits, mut s_origin) = (0u64, 0u64, 0u64);
    for b in &m.series.buckets {
        s_req += b.requests;
        s_hits += b.edge_hits;
        s_origin += b.origin_requests;
    }
    r.insert(
        "timeseries_accounted",
        Check::new(
            s_req == m.issued && s_hits + s_origin == s_req,
            &[
                ("issued_incl_warmup", i(m.issued)),
                ("series_requests", i(s_req)),
                ("series_edge_hits", i(s_hits)),
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
    use crate::sim::{GroupMetrics, PopMetrics};
    use crate::time::{SimDuration, SimTime};
    use crate::topology::{AsGraphBuilder, LinkRel};

    /// Two PoPs, one group, hand-made numbers that agree:
    /// PoP 0: 10 requests (2 bypassed), 6 hits; PoP 1: 5 requests, 5 hits.
    fn consistent() -> (RunConfig, RunMetrics) {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml"),
        )
        .unwrap()
        .replace("steering = \"anycast\"", "steering = \"nearest\"");
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("topology") && !l.starts_with("geography"))
            .map(|l| if l == "[world]" { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let l = crate::scenario::load_str("q.toml", text, false, &[]).unwrap();
        let cfg = crate::scenario::validate(&l).unwrap();
        let mut ttfb = LatencyHistogram::default();
        for _ in 0..15 {
            ttfb.record(SimDuration::from_millis(20));
        }
        let c = |requests, hits, bytes, hit_bytes| CacheCounters {
            requests,
            hits,
            bytes,
            hit_bytes,
        };
        let mut series = TimeSeries::new(SimDuration::from_secs(10), SimDuration::from_secs(20));
        let b = series.at(SimTime::ZERO);
        b.requests = 17;
        b.edge_hits = 12;
        b.origin_requests = 5;
        let m = RunMetrics {
            ttfb,
            edge: c(15, 11, 1500, 1100),
            origin_requests: 4,
            origin_bytes: 400,
            per_pop: vec![
                PopMetrics {
                    edge: c(10, 6, 1000, 600),
                    origin_requests: 4,
                    origin_bytes: 400,
                    lookups: 8,
                    bypassed: 2,
                    peak_bytes: 2_000_000_000,
                    ..PopMetrics::default()
                },
                PopMetrics {
                    edge: c(5, 5, 500, 500),
                    lookups: 5,
                    ..PopMetrics::default()
                },
            ],
            per_group: vec![GroupMetrics {
                requests: 15,
                ttfb: LatencyHistogram::default(),
            }],
            series,
            events: 0,
            issued: 17,
            uncacheable: 2,
            arrived: 15,
            failed: 0,
            coalesced: 0,
            coalesced_bytes: 0,
            invariants: Report::default(),
        };
        (cfg, m)
    }

    #[test]
    fn consistent_metrics_hold_every_check() {
        let (cfg, m) = consistent();
        let r = of_metrics(&cfg, &m);
        assert!(r.violated().is_empty(), "{r:?}");
        assert!(r.result().is_ok());
        assert_eq!(r.checks["edge_lookups_accounted"].values["misses"], 2);
        assert_eq!(
            r.checks["origin_fetches_accounted"].values["storable_misses"],
            2
        );
    }

    /// Each deliberately broken number is caught by the check that owns it.
    #[test]
    fn broken_metric_sets_are_caught() {
        type Break = fn(&mut RunMetrics);
        let cases: [(&str, Break); 7] = [
            ("requests_accounted", |m| m.arrived += 1),
            ("edge_lookups_accounted", |m| m.per_pop[1].lookups -= 1),
            ("edge_within_capacity", |m| {
                m.per_pop[0].peak_bytes = 2_000_000_001
            }),
            ("origin_fetches_accounted", |m| {
                m.origin_requests += 1;
                m.per_pop[0].origin_requests += 1;
            }),
            ("bytes_conserved", |m| m.origin_bytes -= 1),
            ("breakdowns_add_up", |m| m.per_group[0].requests -= 1),
            ("timeseries_accounted", |m| m.issued += 1),
        ];
        for (name, break_it) in cases {
            let (cfg, mut m) = consistent();
            break_it(&mut m);
            let r = of_metrics(&cfg, &m);
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
