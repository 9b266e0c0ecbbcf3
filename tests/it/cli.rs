//! The command line as a user meets it: exit codes and one-line errors.

use super::{cdnsim, root, stderr, tmp};

// The bad-input suite (tests/bad_inputs/) is run by `bad_inputs`.

#[test]
fn bad_set_is_one_line_naming_the_override() {
    let out = cdnsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "cdn.edge.policy=lruu",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        "--set cdn.edge.policy=lruu: cdn.edge.policy: unknown variant \"lruu\", expected one of \"lru\", \"fifo\", \"clock\", \"lfu\", \"s3-fifo\", \"s3fifo\", \"sieve\", \"arc\""
    );
    let out = cdnsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "clients.rate",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("--set clients.rate: expected KEY.PATH=VALUE"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_flags_exit_2_on_one_line() {
    let out = cdnsim(&["run", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let out = cdnsim(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes"));
}

#[test]
fn missing_file_is_invalid_input() {
    let out = cdnsim(&["validate", "scenarios/does-not-exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("scenarios/does-not-exist.toml: cannot read scenario"));
}

#[test]
fn run_writes_summary_config_and_csvs() {
    let out_dir = tmp("run-files");
    let dir = out_dir.join("q");
    let o = cdnsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "duration=20s",
        "--set",
        "warmup=5s",
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "summary.json",
        "config.toml",
        "pops.csv",
        "clients.csv",
        "timeseries.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    for k in [
        "requests",
        "ttfb_ms",
        "hit_ratio",
        "origin_requests",
        "origin_bytes",
    ] {
        assert!(s.get(k).is_some(), "summary.json lacks {k}");
    }
    for p in ["p50", "p90", "p99", "p99.9"] {
        assert!(s["ttfb_ms"][p].as_f64().unwrap() > 0.0);
    }
    // The effective configuration records the override and validates again.
    let cfg = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(cfg.contains("duration = \"20s\""), "{cfg}");
    let again = cdnsim(&["validate", dir.join("config.toml").to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    std::fs::remove_dir_all(out_dir).unwrap();
}

/// A run killed mid-way leaves no summary.json in its final folder.
#[test]
fn killed_run_leaves_no_final_folder() {
    let base = tmp("killed");
    let dir = base.join("long");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--set",
            "duration=10h",
            "--set",
            "warmup=0s",
            "--set",
            "output.interval=1h",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ])
        .current_dir(root())
        .spawn()
        .unwrap();
    // Wait until the run is under way (its partial folder exists), then kill.
    let t0 = std::time::Instant::now();
    while std::fs::read_dir(&base).unwrap().count() == 0 && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.join("summary.json").exists());
    assert!(!dir.exists());
    std::fs::remove_dir_all(base).unwrap();
}

/// JSON scenarios are accepted, and their errors carry a line too.
#[test]
fn json_scenarios_run_and_report_located_errors() {
    let base = tmp("json");
    let toml_text = super::quickstart_without_world();
    let value: toml::Value = toml::from_str(&toml_text).unwrap();
    let json = serde_json::to_string_pretty(&value).unwrap();
    let good = base.join("quick.json");
    std::fs::write(&good, &json).unwrap();
    let o = cdnsim(&[
        "run",
        good.to_str().unwrap(),
        "--set",
        "duration=5s",
        "--set",
        "warmup=1s",
        "--set",
        "output.interval=1s",
        "--quiet",
        "--out",
        base.join("out").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(base.join("out/summary.json").is_file());

    let bad = base.join("bad.json");
    std::fs::write(&bad, json.replace("\"lru\"", "\"lruu\"")).unwrap();
    let o = cdnsim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let line = json.lines().position(|l| l.contains("\"policy\"")).unwrap() + 1;
    assert!(
        err.starts_with(&format!("{}:{line}:", bad.display())),
        "{err}"
    );
    assert!(
        err.contains("cdn.edge.policy: unknown variant \"lruu\""),
        "{err}"
    );

    let syntax = base.join("syntax.json");
    std::fs::write(&syntax, "{\n  \"name\": \"x\",\n  \"seed\": 1,,\n}").unwrap();
    let o = cdnsim(&["validate", syntax.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!("{}:3:", syntax.display())),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(base).unwrap();
}

/// `validate` checks every file and fails if any is bad.
#[test]
fn validate_reports_each_bad_file_and_exits_2() {
    let o = cdnsim(&[
        "validate",
        "scenarios/quickstart.toml",
        "tests/bad_inputs/scenarios/zero_rate.toml",
        "tests/bad_inputs/scenarios/bad_alpha.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok scenarios/quickstart.toml"));
    assert_eq!(stderr(&o).lines().count(), 2, "{}", stderr(&o));
}

/// Starts a long run into `out`, waits until it is under way (its hidden
/// partial folder exists), sends SIGINT and returns (exit code, stderr).
#[cfg(unix)]
fn interrupt_long_run(base: &std::path::Path, out: &std::path::Path) -> (Option<i32>, String) {
    let partial = |b: &std::path::Path| {
        std::fs::read_dir(b).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".partial-")
        })
    };
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--set",
            "duration=10h",
            "--set",
            "warmup=0s",
            "--set",
            "output.interval=1h",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !partial(base) && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Let the world build and the simulation start.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Ctrl-C stops a run cleanly: exit 130, one line saying what was kept, no
/// folder (final or partial) left, and earlier results untouched.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_says_what_was_kept() {
    let base = tmp("sigint");
    let out = base.join("q");
    let (code, err) = interrupt_long_run(&base, &out);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("quickstart: interrupted at simulated ")
            && err.trim_end().ends_with(&format!(
                "of 10h; nothing of this run was written (no folder {} was created)",
                out.display()
            )),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&base).unwrap().count(), 0, "left behind");

    // With earlier results in the folder: they stay byte for byte.
    let o = cdnsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "duration=10s",
        "--set",
        "warmup=1s",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(out.join("summary.json")).unwrap();
    let (code, err) = interrupt_long_run(&base, &out);
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.trim_end().ends_with(&format!(
            "(the previous results in {} are kept as they were)",
            out.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(&base).unwrap().count(),
        1,
        "only the old results"
    );
    std::fs::remove_dir_all(base).unwrap();
}
