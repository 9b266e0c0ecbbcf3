//! Outputs of routing events: `events.csv` (one row per event),
//! `catchment_timeseries.csv` (share of demand per PoP over time) and the
//! `routing_events` block of summary.json (docs/outputs.md).

use super::{csv_bytes, round};
use crate::error::Error;
use crate::scenario::RunConfig;
use crate::sim::events::Routing;
use serde::Serialize;

#[derive(Serialize)]
struct EventRow<'a> {
    at_s: f64,
    applied_s: f64,
    kind: String,
    target: &'a str,
    convergence_s: f64,
    updates_sent: u64,
    advertisements: u64,
    withdrawals: u64,
    stable_99_s: f64,
    groups_moved: usize,
    blackholed_share_s: f64,
    looping_share_s: f64,
    requests_failed: u64,
    requests_retried: u64,
    connections_broken: u64,
    requests_given_up: u64,
    source: &'static str,
}

/// `events.csv`.
pub fn events_csv(r: &Routing) -> Result<Vec<u8>, Error> {
    let rows: Vec<EventRow> = r
        .events
        .iter()
        .zip(&r.counts)
        .map(|(e, c)| {
            let k = &e.convergence.counters;
            EventRow {
                at_s: round(e.at.as_secs_f64(), 6),
                applied_s: round(e.applied.as_secs_f64(), 6),
                kind: if e.kinds_differ {
                    "mixed".to_string()
                } else {
                    e.kind.name().to_string()
                },
                target: &e.target,
                source: if e.churn { "churn" } else { "scenario" },
                convergence_s: round(e.convergence.time.as_secs_f64(), 6),
                updates_sent: k.advertisements + k.withdrawals,
                advertisements: k.advertisements,
                withdrawals: k.withdrawals,
                stable_99_s: round(e.stable_99.as_secs_f64(), 6),
                groups_moved: e.groups_moved,
                blackholed_share_s: round(e.blackholed_share_s, 6),
                looping_share_s: round(e.looping_share_s, 6),
                requests_failed: c.failed,
                requests_retried: c.retried,
                connections_broken: c.broken,
                requests_given_up: c.given_up,
            }
        })
        .collect();
    csv_bytes(&rows)
}

#[derive(Serialize)]
struct CatchmentRow<'a> {
    interval_start_s: f64,
    pop: &'a str,
    demand_share: f64,
    served_share: f64,
}

/// `catchment_timeseries.csv`: per interval and PoP (then `blackhole` and
/// `loop`), the share of client demand whose anycast route ends there
/// (time-weighted within the interval) and the share of requests that
/// reached that PoP's edge.
pub fn catchment_csv(cfg: &RunConfig, r: &Routing) -> Result<Vec<u8>, Error> {
    let n = cfg.pops.len();
    let series = r.catchment_series(n, cfg.interval, cfg.duration);
    let mut rows = Vec::with_capacity(series.len() * (n + 2));
    for (k, shares) in series.iter().enumerate() {
        let served = r.served.get(k);
        let total: u64 = served.map_or(0, |s| s.iter().sum());
        for (p, &x) in shares.iter().enumerate() {
            let name = match p {
                p if p < n => cfg.pops[p].name.as_str(),
                p if p == n => "blackhole",
                _ => "loop",
            };
            let s = served
                .and_then(|s| s.get(p))
                .map_or(0.0, |&c| c as f64 / total.max(1) as f64);
            rows.push(CatchmentRow {
                interval_start_s: round((cfg.interval.as_nanos() * k as u64) as f64 / 1e9, 6),
                pop: name,
                demand_share: round(x, 6),
                served_share: round(s, 6),
            });
        }
    }
    csv_bytes(&rows)
}

/// The `routing_events` block of summary.json.
#[derive(Serialize)]
pub struct RoutingSummary {
    pub events: usize,
    /// Of `events`, the changes (and reverts) from `[bgp.churn]`.
    pub churn_changes: usize,
    pub max_convergence_s: f64,
    pub max_stable_99_s: f64,
    pub updates_sent: u64,
    pub requests_failed: u64,
    pub requests_retried: u64,
    pub connections_broken: u64,
    pub requests_given_up: u64,
}

pub fn summary(r: &Routing) -> RoutingSummary {
    let sum = |f: fn(&crate::sim::events::EventCounts) -> u64| r.counts.iter().map(f).sum();
    RoutingSummary {
        events: r.events.len(),
        churn_changes: r.events.iter().filter(|e| e.churn).count(),
        max_convergence_s: round(
            r.events
                .iter()
                .map(|e| e.convergence.time.as_secs_f64())
                .fold(0.0, f64::max),
            6,
        ),
        max_stable_99_s: round(
            r.events
                .iter()
                .map(|e| e.stable_99.as_secs_f64())
                .fold(0.0, f64::max),
            6,
        ),
        updates_sent: r
            .events
            .iter()
            .map(|e| e.convergence.counters.advertisements + e.convergence.counters.withdrawals)
            .sum(),
        requests_failed: sum(|c| c.failed),
        requests_retried: sum(|c| c.retried),
        connections_broken: sum(|c| c.broken),
        requests_given_up: sum(|c| c.given_up),
    }
}
