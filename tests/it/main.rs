//! Integration tests: one binary, a module per behaviour (STYLE.md #14).

mod anycast;
mod bad_inputs;
mod bgp;
mod cache;
mod cli;
mod determinism;
mod dns;
mod events;
mod geo;
mod http;
mod report;
mod scenarios;
mod sweep;
mod tiers;
mod topology;
mod transport;
mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built `cdnsim` binary with `args` from the repository root.
pub fn cdnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("cdnsim binary runs")
}

/// A fresh temporary folder for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cdnsim-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The quickstart scenario's text with `nearest` steering and no AS-level
/// world: for tests about workloads and caches that do not need routing
/// (and whose scenario may live outside scenarios/).
pub fn quickstart_without_world() -> String {
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.toml")).unwrap();
    let mut out = String::new();
    let mut in_world = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_world = line.trim() == "[world]";
        }
        if in_world {
            continue;
        }
        out.push_str(&line.replace("steering = \"anycast\"", "steering = \"nearest\""));
        out.push('\n');
    }
    assert!(!out.contains("[world]") && out.contains("steering = \"nearest\""));
    out
}

/// The arguments of `cdnsim run REL` shortened (see [`shortened`]),
/// quiet, into `out`.
pub fn shortened_run_args(rel: &str, out: &Path) -> Vec<String> {
    let mut args = vec!["run".to_string(), rel.to_string()];
    for s in shortened(&root().join(rel)) {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    args.extend(["--quiet".into(), "--out".into(), out.display().to_string()]);
    args
}

/// Runs the committed scenario `rel` (relative to the repository root)
/// shortened, quietly, into `out`.
pub fn run_shortened(rel: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args(shortened_run_args(rel, out))
        .current_dir(root())
        .output()
        .expect("cdnsim binary runs")
}

/// `--set` overrides that shorten a scenario for a test run. Routing events
/// must fall within the run, so scenarios with `[[events]]` keep their
/// duration at a low request rate, as do scenarios with fill windows
/// (`[[cdn.push]]`, 1 request/s); studies run two days with fewer
/// groups; the others run 20 s.
pub fn shortened(scenario: &Path) -> [&'static str; 3] {
    let text = std::fs::read_to_string(scenario).unwrap();
    let events = text.contains("[[events]]") || text.contains("[bgp.churn]");
    // Fill windows (`cdn.push`) must fit in the duration: keep it, and
    // thin the arrivals instead.
    let push = text.contains("[[cdn.push]]");
    if text.contains("\n[study]") {
        // A study runs whole days: two (the prediction needs a previous
        // day), fewer groups and beacons.
        [
            "duration=2d",
            "clients.population.groups=200",
            "study.beacons_per_day=8000",
        ]
    } else if events {
        ["clients.rate=50/s", "warmup=10s", "output.interval=10s"]
    } else if push {
        ["clients.rate=1/s", "warmup=1h", "output.interval=1h"]
    } else {
        ["duration=20s", "warmup=2s", "output.interval=1s"]
    }
}
