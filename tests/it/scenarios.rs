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
        // Routing events must fall within the run: scenarios with events
        // keep their duration, at a low request rate.
        let events = std::fs::read_to_string(&f).unwrap().contains("[[events]]");
        let short = if events {
            ["clients.rate=50/s", "warmup=10s", "output.interval=10s"]
        } else {
            ["duration=20s", "warmup=2s", "output.interval=1s"]
        };
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
