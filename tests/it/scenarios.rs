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
        let events = text.contains("[[events]]") || text.contains("[bgp.churn]");
        let short = super::shortened(&f);
        let r = cdnsim(&[
            "run",
            &rel,
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
