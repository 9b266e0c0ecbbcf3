//! Routing events in a run (scenarios/pop-withdrawal.toml, shortened):
//! the control plane's timeline drives where requests go, and what users
//! feel during convergence is counted (docs/bgp.md, "Events in a run").

use super::{cdnsim, stderr, tmp};
use std::path::Path;

/// Runs pop-withdrawal.toml at a lower rate over 8 minutes (lhr withdraws
/// at 4m, re-announces at 7m), plus `sets`.
fn run(out: &Path, sets: &[&str]) {
    let mut args = vec![
        "run",
        "scenarios/pop-withdrawal.toml",
        "--set",
        "clients.rate=300/s",
        "--set",
        "duration=8m",
        "--set",
        "warmup=1m",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    let o = cdnsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The withdrawn PoP serves nothing from convergence to re-announcement,
/// its demand lands on other PoPs (none blackholed once converged), its
/// share comes back after re-announcement, the long-lived connections
/// that moved are counted as broken and retried, and the run is
/// byte-for-byte deterministic.
#[test]
fn pop_withdrawal_moves_its_clients_and_counts_what_breaks() {
    let base = tmp("events");
    let (a, b) = (base.join("a"), base.join("b"));
    run(&a, &[]);
    let ev = csv(&a.join("events.csv"));
    assert_eq!(ev.len(), 2);
    assert_eq!((ev[0][2].as_str(), ev[0][3].as_str()), ("withdraw", "lhr"));
    assert_eq!((ev[1][2].as_str(), ev[1][3].as_str()), ("announce", "lhr"));
    let f = |r: &[String], i: usize| r[i].parse::<f64>().unwrap();
    let conv = f(&ev[0], 4);
    assert!(conv > 0.0 && conv < 180.0, "convergence {conv}");
    assert!(f(&ev[0], 5) > 0.0, "updates sent");
    assert!(
        f(&ev[0], 6) > 0.0 && f(&ev[0], 7) > 0.0,
        "advertisements and withdrawals"
    );
    assert!(
        f(&ev[0], 8) <= conv,
        "99% stable no later than the last update"
    );
    assert!(f(&ev[0], 9) >= 1.0, "groups moved");
    // Catchment time series: interval start, pop, demand share, served share.
    let ts = csv(&a.join("catchment_timeseries.csv"));
    let at = |t: f64, pop: &str| {
        ts.iter()
            .find(|r| f(r, 0) == t && r[1] == pop)
            .map(|r| (f(r, 2), f(r, 3)))
            .unwrap()
    };
    let before = at(230.0, "lhr");
    assert!(before.0 > 0.2 && before.1 > 0.15, "lhr before: {before:?}");
    let mut t: f64 = 10.0 * ((240.0 + conv) / 10.0).ceil();
    let mut checked = 0;
    while t + 10.0 <= 420.0 {
        assert_eq!(at(t, "lhr"), (0.0, 0.0), "lhr at {t}s");
        assert_eq!(at(t, "blackhole").0, 0.0);
        assert_eq!(at(t, "loop").0, 0.0);
        let others: f64 = ts
            .iter()
            .filter(|r| f(r, 0) == t && !["lhr", "blackhole", "loop"].contains(&r[1].as_str()))
            .map(|r| f(r, 2))
            .sum();
        assert!((others - 1.0).abs() < 1e-4, "{t}s: {others}");
        checked += 1;
        t += 10.0;
    }
    assert!(checked >= 10, "{checked} intervals checked");
    // The report's catchment plot is drawn from this file.
    let data = cdnsim::report::RunData::load(&a).unwrap();
    let figs = cdnsim::report::run_figures(&data);
    let fig = &figs.iter().find(|f| f.0 == "catchment").unwrap().1;
    let lhr = &fig.series_named("lhr").unwrap().points;
    assert!(lhr.contains(&(230.0, before.0)) && lhr.contains(&(300.0, 0.0)));
    assert!(
        fig.series_named("blackhole").is_none(),
        "no blackhole line when none happened"
    );
    let back = at(460.0, "lhr");
    assert!((back.0 - before.0).abs() < 1e-6, "{back:?} vs {before:?}");
    // What users felt: connections broken by the moves, each one retried
    // or given up.
    let s = summary(&a)["routing_events"].clone();
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("events"), 2);
    assert!(n("connections_broken") > 0, "{s}");
    assert_eq!(
        n("requests_failed") + n("connections_broken"),
        n("requests_retried") + n("requests_given_up"),
        "{s}"
    );
    let broken: u64 = ev.iter().map(|r| r[14].parse::<u64>().unwrap()).sum();
    assert_eq!(broken, n("connections_broken"));
    // Determinism.
    run(&b, &[]);
    for name in [
        "events.csv",
        "catchment_timeseries.csv",
        "summary.json",
        "pops.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    std::fs::remove_dir_all(base).unwrap();
}

/// Every PoP withdraws at 4m (none re-announces): once converged, every
/// group is blackholed, each request fails, is retried `max_retries`
/// times and given up; no failures before the event.
#[test]
fn withdrawing_every_pop_blackholes_all_demand_and_requests_are_given_up() {
    let base = tmp("events-all");
    let pops = ["fra", "lhr", "iad", "ord", "lax", "gru", "sin", "nrt"];
    let list: Vec<String> = pops
        .iter()
        .map(|p| format!("{{at=\"4m\",kind=\"withdraw\",pop=\"{p}\"}}"))
        .collect();
    let events = format!("events=[{}]", list.join(","));
    let out = base.join("x");
    run(
        &out,
        &[&events, "bgp.long_lived_share=0%", "bgp.max_retries=2"],
    );
    let ev = csv(&out.join("events.csv"));
    assert_eq!(ev.len(), 1, "events at one time are one change");
    assert_eq!(ev[0][3], pops.join("+"));
    let s = summary(&out)["routing_events"].clone();
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("connections_broken"), 0);
    assert!(n("requests_given_up") > 1000, "{s}");
    // Each given-up request failed 3 times (first try and 2 retries).
    assert_eq!(
        n("requests_failed"),
        n("requests_retried") + n("requests_given_up")
    );
    assert!(
        n("requests_retried") <= 2 * n("requests_given_up") + 2 * 300,
        "{s}"
    );
    let ts = csv(&out.join("catchment_timeseries.csv"));
    let f = |r: &[String], i: usize| r[i].parse::<f64>().unwrap();
    let bh = |t: f64| {
        ts.iter()
            .find(|r| f(r, 0) == t && r[1] == "blackhole")
            .map(|r| f(r, 2))
            .unwrap()
    };
    assert_eq!(bh(230.0), 0.0);
    assert!((bh(470.0) - 1.0).abs() < 1e-9, "{}", bh(470.0));
    // Nothing reaches an edge once all routes are gone.
    let served: f64 = ts
        .iter()
        .filter(|r| f(r, 0) == 470.0)
        .map(|r| f(r, 3))
        .sum();
    assert_eq!(served, 0.0);
    std::fs::remove_dir_all(base).unwrap();
}

/// A PoP failure loses the requests it was serving or that still reach it
/// before the routes move.
#[test]
fn pop_failure_loses_requests_in_it() {
    let base = tmp("events-fail");
    let out = base.join("x");
    run(
        &out,
        &[r#"events=[{at="4m",kind="fail",pop="lhr"},{at="7m",kind="announce",pop="lhr"}]"#],
    );
    let ev = csv(&out.join("events.csv"));
    assert_eq!(ev[0][2], "fail");
    assert!(ev[0][12].parse::<u64>().unwrap() > 0, "failed: {:?}", ev[0]);
    assert_eq!(ev[1][12], "0", "no failures after re-announcement");
    std::fs::remove_dir_all(base).unwrap();
}

/// scenarios/routing-churn.toml, shortened (its hour at 50 requests/s):
/// the churn's changes are events.csv rows with `source = churn` (as many
/// as summary.json's `churn_changes`), both link and local-pref changes
/// occur, some change moves client groups, the demand share per PoP in
/// catchment_timeseries.csv drifts over the hour, and a rerun is
/// byte-identical.
#[test]
fn routing_churn_moves_catchments_during_the_run() {
    let base = tmp("churn");
    let short = super::shortened(&super::root().join("scenarios/routing-churn.toml"));
    let run = |out: &Path| {
        let o = cdnsim(&[
            "run",
            "scenarios/routing-churn.toml",
            "--set",
            short[0],
            "--set",
            short[1],
            "--set",
            short[2],
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let (a, b) = (base.join("a"), base.join("b"));
    run(&a);
    let ev = csv(&a.join("events.csv"));
    let last = ev[0].len() - 1;
    assert!(ev.len() > 30, "{} changes", ev.len());
    assert!(ev.iter().all(|r| r[last] == "churn"));
    let s = summary(&a)["routing_events"].clone();
    assert_eq!(s["churn_changes"].as_u64(), Some(ev.len() as u64));
    assert!(ev.iter().any(|r| r[2] == "link-down"));
    assert!(ev.iter().any(|r| r[2] == "link-up"));
    assert!(ev.iter().any(|r| r[2] == "local-pref"));
    let moved: u64 = ev.iter().map(|r| r[9].parse::<u64>().unwrap()).sum();
    assert!(moved > 0, "no change moved a group");
    // Demand share of each PoP per interval: not constant over the hour.
    let ts = csv(&a.join("catchment_timeseries.csv"));
    let mut by_pop: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for r in &ts {
        by_pop
            .entry(r[1].clone())
            .or_default()
            .push(r[2].parse().unwrap());
    }
    let drift = by_pop.values().any(|v| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        hi - lo > 0.01
    });
    assert!(drift, "catchments did not drift: {by_pop:?}");
    run(&b);
    for f in ["events.csv", "catchment_timeseries.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    std::fs::remove_dir_all(base).unwrap();
}
