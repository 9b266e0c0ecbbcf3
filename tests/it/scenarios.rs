//! Every scenario in scenarios/ validates and runs (shortened).

use super::{cdnsim, root, stderr, tmp};

#[test]
fn every_scenario_validates_and_runs_shortened() {
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let base = tmp("scenarios");
    for f in files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let v = cdnsim(&["validate", &rel]);
        assert!(v.status.success(), "{rel}: {}", stderr(&v));
        let out = base.join(f.file_stem().unwrap());
        let text = std::fs::read_to_string(&f).unwrap();
        // A study writes no events.csv (routing_changes.csv instead).
        let events = (text.contains("[[events]]") || text.contains("[bgp.churn]"))
            && !text.contains("\n[study]");
        let r = super::run_shortened(&rel, &out);
        if events {
            assert!(out.join("events.csv").is_file(), "{rel}");
        }
        assert!(r.status.success(), "{rel}: {}", stderr(&r));
        assert!(out.join("summary.json").is_file());
    }
    std::fs::remove_dir_all(base).unwrap();
}

/// scenarios/thundering-herd.toml, shortened (purge at 8 s of 10): the
/// herd is the purge bucket's origin requests minus those of the same run
/// without the purge. With shield and coalescing the purge costs about one
/// origin request; without coalescing every request during the refetch
/// goes through; without the shield as well, more still.
#[test]
fn thundering_herd_needs_shield_and_coalescing_to_stay_small() {
    let base = tmp("herd");
    let origin_at_8s = |sets: &[&str]| -> u64 {
        let out = base.join("run");
        let mut args = vec![
            "run",
            "scenarios/thundering-herd.toml",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
            "--set",
            "duration=10s",
            "--set",
            "warmup=4s",
            "--set",
            "cdn.purge.events[0].at=8s",
        ];
        for s in sets {
            args.extend(["--set", s]);
        }
        let r = cdnsim(&args);
        assert!(r.status.success(), "{}", stderr(&r));
        let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|h| *h == "origin_requests").unwrap();
        let row = csv
            .lines()
            .find(|l| l.starts_with("8.0,"))
            .expect("bucket at 8 s");
        row.split(',').nth(col).unwrap().parse().unwrap()
    };
    let herd = |sets: &[&str]| {
        let mut none = sets.to_vec();
        none.push("cdn.purge.events=[]");
        origin_at_8s(sets) as i64 - origin_at_8s(&none) as i64
    };
    let both = herd(&[]);
    let no_coalescing = herd(&["cdn.tiers.coalescing=false"]);
    let neither = herd(&["cdn.tiers.coalescing=false", "cdn.tiers.mode=none"]);
    assert!(both.abs() <= 3, "shield + coalescing: herd {both}");
    assert!(no_coalescing >= 50, "shield only: herd {no_coalescing}");
    assert!(neither >= 100, "neither: herd {neither}");
    std::fs::remove_dir_all(base).unwrap();
}

/// scenarios/ddos-cascade.toml, shortened (clients at 50/s; the attack and
/// the withdrawal as written): before fra withdraws (t = 60 s) the attack
/// lands on fra and overloads it; after BGP has moved fra's catchment the
/// whole attack lands on lhr, which overloads in turn; no other PoP sees
/// any of it.
#[test]
fn ddos_cascade_moves_the_attack_to_the_neighbour() {
    let f = root().join("scenarios/ddos-cascade.toml");
    let out = tmp("ddos-cascade");
    let short = super::shortened(&f);
    let mut args = vec!["run", "scenarios/ddos-cascade.toml", "--quiet"];
    for s in &short {
        args.extend(["--set", s]);
    }
    let o = out.to_str().unwrap();
    args.extend(["--out", o]);
    let r = cdnsim(&args);
    assert!(r.status.success(), "{}", stderr(&r));
    // (attack offered, attack dropped) per PoP over [from, to) seconds.
    let mut rd = csv::Reader::from_path(out.join("pop_load.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (t, pop, ao, ad) = (
        col("t_start_s"),
        col("pop"),
        col("attack_offered"),
        col("attack_dropped"),
    );
    let load = |p: &str, from: f64, to: f64| {
        rows.iter()
            .filter(|r| &r[pop] == p)
            .filter(|r| (from..to).contains(&r[t].parse::<f64>().unwrap()))
            .fold((0u64, 0u64), |(a, b), r| {
                (
                    a + r[ao].parse::<u64>().unwrap(),
                    b + r[ad].parse::<u64>().unwrap(),
                )
            })
    };
    let secs = |n: u64, s: f64| n as f64 / s;
    let (fra_before, fra_drop) = load("fra", 20.0, 60.0);
    assert!(
        (secs(fra_before, 40.0) / 2500.0 - 1.0).abs() < 0.03,
        "{fra_before}"
    );
    assert!(
        fra_drop as f64 > 0.15 * fra_before as f64,
        "{fra_drop} of {fra_before}"
    );
    assert_eq!(load("lhr", 20.0, 60.0), (0, 0));
    // Withdrawn at 60 s: by 70 s the catchment has moved.
    assert_eq!(load("fra", 70.0, 180.0), (0, 0));
    let (lhr_after, lhr_drop) = load("lhr", 70.0, 170.0);
    assert!(
        (secs(lhr_after, 100.0) / 2500.0 - 1.0).abs() < 0.03,
        "{lhr_after}"
    );
    assert!(
        lhr_drop as f64 > 0.15 * lhr_after as f64,
        "{lhr_drop} of {lhr_after}"
    );
    for p in ["iad", "ord", "lax", "gru", "sin", "nrt"] {
        assert_eq!(load(p, 0.0, 180.0), (0, 0), "{p}");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        s["capacity"]["overloaded_pops"],
        serde_json::json!(["fra", "lhr"])
    );
    std::fs::remove_dir_all(out).unwrap();
}

/// scenarios/netflix-fill.toml, shortened (1 request/s over the same 20 h):
/// the night fill with `explicit` steering against pull with anycast. The
/// pushed segments make most requests edge hits from the first one, so the
/// fill arm's pull traffic to the origin is well below the pull arm's.
#[test]
fn netflix_fill_cuts_origin_pull_against_anycast_pull() {
    let base = tmp("netflix-fill");
    let run = |name: &str, sets: &[&str]| -> serde_json::Value {
        let out = base.join(name);
        let mut args = vec!["run", "scenarios/netflix-fill.toml", "--quiet", "--out"];
        args.push(out.to_str().unwrap());
        let short = super::shortened(&root().join("scenarios/netflix-fill.toml"));
        for s in short.iter().chain(sets) {
            args.extend(["--set", s]);
        }
        let r = cdnsim(&args);
        assert!(r.status.success(), "{}", stderr(&r));
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    let fill = run("fill", &[]);
    let pull = run("pull", &["cdn.push=[]", "cdn.steering=anycast"]);
    let f = |v: &serde_json::Value, p: &str| v.pointer(p).unwrap().as_f64().unwrap();
    assert_eq!(f(&fill, "/tiers/push/origin_requests"), 3200.0);
    assert_eq!(f(&pull, "/tiers/push/origin_requests"), 0.0);
    let (hf, hp) = (
        f(&fill, "/hit_ratio/requests"),
        f(&pull, "/hit_ratio/requests"),
    );
    assert!(hf > hp + 0.1, "hit ratio fill {hf} vs pull {hp}");
    let (of, op) = (f(&fill, "/origin_bytes"), f(&pull, "/origin_bytes"));
    assert!(of < 0.7 * op, "origin bytes fill {of} vs pull {op}");
    std::fs::remove_dir_all(base).unwrap();
}

/// scenarios/imc2015.toml, shortened (2 days, 200 groups): the study
/// writes Figures 1-9 (SVG, PNG and the CSV behind each), the paper table
/// with every number the paper quotes, and a page that shows the figures.
#[test]
fn imc2015_study_writes_every_figure_and_the_paper_table() {
    let out = tmp("imc2015-short");
    let r = super::run_shortened("scenarios/imc2015.toml", &out);
    assert!(r.status.success(), "{}", stderr(&r));
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    for k in 1..=9 {
        for ext in ["svg", "png"] {
            let name = format!("plot-imc2015-fig{k}.{ext}");
            assert!(out.join(&name).is_file(), "{name}");
        }
        assert!(page.contains(&format!("plot-imc2015-fig{k}.png")), "fig{k}");
    }
    let csvs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            n.starts_with("fig") && n.ends_with(".csv")
        })
        .count();
    assert_eq!(csvs, 9);
    let table = std::fs::read_to_string(out.join("paper_vs_simulated.csv")).unwrap();
    let mut lines = table.lines();
    assert_eq!(
        lines.next(),
        Some("figure,quantity,paper,simulated,unit,near")
    );
    assert_eq!(lines.count(), 17, "{table}");
    // Two days of beacons: the prediction has a day to learn from.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["days"], 2);
    assert!(s["beacons"].as_u64().unwrap() > 8000);
    assert!(s["prediction_evaluations"]["ldns"].as_u64().unwrap() > 0);
    std::fs::remove_dir_all(out).unwrap();
}

/// The committed reference run is what the documented command produces:
/// `cargo run --release -- run scenarios/imc2015.toml --out
/// results/imc2015` writes the same paper_vs_simulated.csv. Ignored by
/// default (a full 7-day study); run with `cargo test --release --test it
/// -- --ignored imc2015_committed`.
#[test]
#[ignore]
fn imc2015_committed_table_matches_a_fresh_run() {
    let out = tmp("imc2015-full");
    let r = cdnsim(&[
        "run",
        "scenarios/imc2015.toml",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    for f in [
        "paper_vs_simulated.csv",
        "paper_vs_simulated.md",
        "summary.json",
    ] {
        let fresh = std::fs::read_to_string(out.join(f)).unwrap();
        let committed = std::fs::read_to_string(root().join("results/imc2015").join(f)).unwrap();
        assert_eq!(fresh, committed, "{f} differs from results/imc2015/{f}");
    }
    std::fs::remove_dir_all(out).unwrap();
}
