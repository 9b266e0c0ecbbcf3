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

/// Runs routing-churn.toml shortened as the scenario test runs it (its
/// hour at 50 requests/s), plus `sets`.
fn run_churn(out: &Path, sets: &[&str]) {
    let mut args = super::shortened_run_args("scenarios/routing-churn.toml", out);
    for s in sets {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
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
    // Before/after shares (catchment_events.csv): each set sums to 1 and
    // equals catchment_timeseries.csv in the 10 s buckets where nothing
    // changes: the one ending at the change, and the first one starting
    // at or after quiescence (when it ends before the next change).
    let ce = csv(&a.join("catchment_events.csv"));
    let pops = ["fra", "lhr", "iad", "ord", "lax", "gru", "sin", "nrt"];
    let mut compared = 0;
    for (k, e) in ev.iter().enumerate() {
        let (applied, quiet) = (f(e, 1), f(e, 1) + f(e, 4));
        let next = ev.get(k + 1).map_or(480.0, |n| f(n, 1));
        let prev_quiet = k
            .checked_sub(1)
            .map_or(0.0, |j| f(&ev[j], 1) + f(&ev[j], 4));
        let rows = |phase: &str| -> Vec<(String, f64, f64)> {
            ce.iter()
                .filter(|r| r[0] == (k + 1).to_string() && r[5] == phase)
                .map(|r| (r[7].clone(), f(r, 6), f(r, 8)))
                .collect()
        };
        let (before, after) = (rows("before"), rows("after"));
        assert_eq!(before.len(), pops.len() + 2);
        assert_eq!(after.len(), pops.len() + 2);
        for set in [&before, &after] {
            let sum: f64 = set.iter().map(|r| r.2).sum();
            assert!((sum - 1.0).abs() < 1e-5, "event {}: {sum}", k + 1);
        }
        assert!(before.iter().all(|r| r.1 == applied));
        assert!(after.iter().all(|r| (r.1 - quiet).abs() < 1e-6));
        let b0 = 10.0 * (applied / 10.0).floor() - 10.0;
        if b0 >= prev_quiet {
            for (pop, _, x) in &before {
                assert!((at(b0, pop).0 - x).abs() < 2e-6, "before {pop} @{b0}");
            }
            compared += 1;
        }
        let a0 = 10.0 * (quiet / 10.0).ceil();
        if a0 + 10.0 <= next {
            for (pop, _, x) in &after {
                assert!((at(a0, pop).0 - x).abs() < 2e-6, "after {pop} @{a0}");
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 4, "both instants of both events were compared");
    let withdraw_after: f64 = ce
        .iter()
        .filter(|r| r[0] == "1" && r[5] == "after" && r[7] == "lhr")
        .map(|r| f(r, 8))
        .sum();
    assert_eq!(withdraw_after, 0.0, "nothing reaches a withdrawn PoP");
    // The figure draws exactly these shares, one panel per event; blackhole
    // and loop bars only where they had demand.
    let fig = &figs.iter().find(|f| f.0 == "catchment_events").unwrap().1;
    let cdnsim::report::figure::Body::Grouped(panels) = &fig.body else {
        panic!("grouped bars")
    };
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[0].categories, pops);
    let lhr = pops.iter().position(|p| *p == "lhr").unwrap();
    assert_eq!(panels[0].sets[0].values[lhr], before.0);
    assert_eq!(panels[0].sets[1].values[lhr], 0.0);
    // Per group (catchment_event_groups.csv): the groups' weights add up to
    // the shares, and the map is coloured by the last event's "after".
    let groups = csv(&a.join("catchment_event_groups.csv"));
    assert_eq!(groups.len(), 2 * 12);
    let moved = groups
        .iter()
        .filter(|r| r[0] == "1" && r[3] != r[4])
        .count();
    assert_eq!(moved as f64, f(&ev[0], 9), "groups_moved of events.csv");
    let map = &figs.iter().find(|f| f.0 == "map").unwrap().1;
    assert!(map.caption.contains("after the last routing event"));
    let cdnsim::report::figure::Body::Map(m) = &map.body else {
        panic!("map")
    };
    for r in groups.iter().filter(|r| r[0] == "2") {
        let g: usize = r[1].parse().unwrap();
        let p = m.pops.iter().position(|p| p.name == r[4]).unwrap();
        assert_eq!(m.clients[g].tone, cdnsim::report::figure::Tone::Pal(p));
    }
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
        "catchment_events.csv",
        "catchment_event_groups.csv",
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
    let run = |out: &Path| run_churn(out, &[]);
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

/// Churn at the CDN's own interconnections in a run (`cdn_share`,
/// docs/bgp.md "Background churn"): routing-churn.toml shortened with half
/// of its changes at the CDN, half of those drains. Sessions going down and
/// up are events.csv rows `AS<cdn>-AS<neighbour>@<pop>`, drains are
/// `withdraw` / `announce` rows from churn, some drain moves groups, and
/// every request is still accounted for.
#[test]
fn cdn_churn_takes_sessions_down_and_drains_pops_in_a_run() {
    let base = tmp("churn-cdn");
    let out = base.join("x");
    run_churn(
        &out,
        &["bgp.churn.cdn_share=50%", "bgp.churn.cdn_drain_share=50%"],
    );
    let ev = csv(&out.join("events.csv"));
    let last = ev[0].len() - 1;
    let session = |r: &Vec<String>| r[3].starts_with("AS64500-AS") && r[3].contains('@');
    assert!(
        ev.iter().any(|r| session(r) && r[2] == "link-down"),
        "no session down"
    );
    assert!(
        ev.iter().any(|r| session(r) && r[2] == "link-up"),
        "no session up"
    );
    let drains: Vec<_> = ev
        .iter()
        .filter(|r| r[last] == "churn" && r[2] == "withdraw")
        .collect();
    assert!(!drains.is_empty(), "no drain");
    assert!(drains.iter().any(|r| r[9] != "0"), "no drain moved a group");
    assert!(ev.iter().any(|r| r[last] == "churn" && r[2] == "announce"));
    let inv = &summary(&out)["invariants"]["requests_accounted"];
    assert_eq!(inv["holds"], serde_json::Value::Bool(true), "{inv}");
    std::fs::remove_dir_all(base).unwrap();
}

/// A churn drain and undrain of a PoP that a scenario `fail` took down
/// leave it down: drains are their own state, so the undrain does not
/// re-announce it (or end its failure). routing-churn.toml shortened, every
/// churn change a drain of some PoP (about 100 in the hour, a dozen of lhr),
/// lhr failed from 5 s to the end: it serves no request after the warm-up.
#[test]
fn a_drain_ending_does_not_revive_a_failed_pop() {
    let base = tmp("churn-drain-fail");
    let out = base.join("x");
    run_churn(
        &out,
        &[
            "bgp.churn.cdn_share=100%",
            "bgp.churn.cdn_drain_share=100%",
            "bgp.churn.persistent_share=0%",
            r#"events=[{at="5s",kind="fail",pop="lhr"}]"#,
        ],
    );
    let ev = csv(&out.join("events.csv"));
    let last = ev[0].len() - 1;
    let undrains = ev
        .iter()
        .filter(|r| r[last] == "churn" && r[2] == "announce" && r[3] == "lhr")
        .count();
    assert!(undrains > 0, "no undrain of lhr to test");
    let pops = csv(&out.join("pops.csv"));
    let lhr = pops.iter().find(|r| r[0] == "lhr").unwrap();
    assert_eq!(lhr[5], "0", "failed lhr served requests: {lhr:?}");
    std::fs::remove_dir_all(base).unwrap();
}

/// DNS failover (docs/dns.md, "Failover"): under `geo` steering a failed
/// PoP keeps losing requests only until the health checks take it out of
/// the answers (30 s) and the resolvers' cached answers expire (TTL 20 s);
/// with `failover = "none"` the mapping never moves and the PoP loses its
/// clients' requests until it comes back. Anycast answers in `hybrid`
/// follow the routing timeline.
#[test]
fn dns_failover_takes_a_failed_pop_out_of_the_answers() {
    let base = tmp("events-dns-failover");
    let fail = r#"events=[{at="4m",kind="fail",pop="lhr"},{at="7m",kind="announce",pop="lhr"}]"#;
    let f = |r: &[String], i: usize| r[i].parse::<f64>().unwrap();
    let mut failed = Vec::new();
    for (name, failover) in [("hc", "health-check"), ("none", "none")] {
        let out = base.join(name);
        run(
            &out,
            &[
                fail,
                "cdn.steering=geo",
                "dns.ttl=20s",
                &format!("dns.failover={failover}"),
            ],
        );
        let ev = csv(&out.join("events.csv"));
        assert_eq!(ev[0][2], "fail");
        failed.push(f(&ev[0], 12));
        // Requests served by lhr per 10 s (catchment_timeseries.csv:
        // interval start, pop, demand share, served share).
        let ts = csv(&out.join("catchment_timeseries.csv"));
        let served = |t: f64| {
            ts.iter()
                .find(|r| f(r, 0) == t && r[1] == "lhr")
                .map(|r| f(r, 3))
                .unwrap()
        };
        assert!(served(230.0) > 0.1, "{name}: lhr serves before the failure");
        for t in [250.0, 300.0, 400.0] {
            assert_eq!(served(t), 0.0, "{name}: failed lhr serves nothing at {t}");
        }
    }
    let (hc, none) = (failed[0], failed[1]);
    assert!(hc > 0.0, "requests are lost before the failover");
    // Lost for ~30 s + up to 20 s of TTL against the whole 3 minutes.
    assert!(
        hc * 2.0 < none,
        "health checks: {hc} failed, no failover: {none}"
    );
    std::fs::remove_dir_all(base).unwrap();
}

/// announce-to with a list of ASNs: lhr (world-3k; its neighbours are
/// transit AS104, AS101 and ten IXP peers) announces to AS104 alone at 4m
/// (some of its groups move away), to the list of all twelve at 5m (they
/// come back), then `"all"` at 6m, the same sessions as that list: no
/// UPDATE is sent and no group moves.
#[test]
fn announce_to_a_list_of_neighbours_moves_only_what_it_drops() {
    let base = tmp("events-announce-list");
    let out = base.join("x");
    let all =
        "[104, 101, 1006, 1072, 10193, 100300, 100408, 100739, 101120, 101806, 102269, 102450]";
    run(
        &out,
        &[&format!(
            r#"events=[{{at="4m",kind="announce-to",pop="lhr",announce=[104]}},{{at="5m",kind="announce-to",pop="lhr",announce={all}}},{{at="6m",kind="announce-to",pop="lhr",announce="all"}}]"#
        )],
    );
    let ev = csv(&out.join("events.csv"));
    assert_eq!(ev.len(), 3);
    let moved = |r: &[String]| r[9].parse::<u64>().unwrap();
    let updates = |r: &[String]| r[5].parse::<u64>().unwrap();
    assert!(ev.iter().all(|r| r[2] == "announce-to" && r[3] == "lhr"));
    assert!(moved(&ev[0]) > 0 && updates(&ev[0]) > 0, "{:?}", ev[0]);
    assert_eq!(
        moved(&ev[1]),
        moved(&ev[0]),
        "the full list brings them back"
    );
    assert_eq!((moved(&ev[2]), updates(&ev[2])), (0, 0), "{:?}", ev[2]);
    std::fs::remove_dir_all(base).unwrap();
}
