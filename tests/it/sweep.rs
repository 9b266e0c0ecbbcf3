//! Parameter sweeps: points byte-identical whatever the jobs, resume,
//! Ctrl-C, shards merged into the single-machine sweep.csv, Slurm
//! scripts, located errors, and the demo sweeps in scenarios/sweeps/.

use super::{cdnsim, root, stderr, tmp};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A 2 capacities x 2 seeds sweep of the quickstart, shortened.
fn tiny_sweep(dir: &Path, duration: &str) -> PathBuf {
    let f = dir.join("tiny.toml");
    let text = format!(
        r#"scenario = "{}"
name = "tiny"
replications = 2

[set]
duration = "{duration}"
warmup = "2s"
"output.interval" = "1s"

[[axis]]
key = "cdn.edge.capacity"
values = ["100MB", "1GB"]
"#,
        root().join("scenarios/quickstart.toml").display()
    );
    std::fs::write(&f, text).unwrap();
    f
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sweep(args: &[&str]) -> Output {
    let mut a = vec!["sweep"];
    a.extend_from_slice(args);
    cdnsim(&a)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn points_and_sweep_csv_are_byte_identical_whatever_the_jobs() {
    let base = tmp("sweep-jobs");
    let f = tiny_sweep(&base, "10s");
    let (a, b) = (base.join("a"), base.join("b"));
    let out = ok(&sweep(&[s(&f), "--jobs", "1", "--out", s(&a), "--quiet"]));
    assert!(
        out.contains("sweep tiny: 4 points (4 run, 0 already finished) with 1 job(s)"),
        "{out}"
    );
    ok(&sweep(&[s(&f), "--jobs", "2", "--out", s(&b), "--quiet"]));
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(
        fa.iter().map(|x| &x.0).collect::<Vec<_>>(),
        fb.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    for ((n, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(x == y, "{n} differs between --jobs 1 and --jobs 2");
    }
    // One row per point, in the sweep's order (capacity outer, seed inner),
    // metrics as in each point's summary.json.
    let csv = std::fs::read_to_string(a.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("point,seed,cdn.edge.capacity,requests,ttfb_p50_ms,"));
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split("\",").next().unwrap().trim_matches('"'))
        .collect();
    assert_eq!(
        names,
        [
            "capacity=100MB,seed=42",
            "capacity=100MB,seed=43",
            "capacity=1GB,seed=42",
            "capacity=1GB,seed=43"
        ]
    );
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(a.join("points/capacity=1GB,seed=43/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["seed"], 43);
    let row: Vec<&str> = lines[4].rsplit("\",").next().unwrap().split(',').collect();
    assert_eq!(row[0], "43");
    assert_eq!(row[1], "1GB");
    assert_eq!(row[2], summary["requests"].to_string());
    assert_eq!(row[3], summary["ttfb_ms"]["p50"].to_string());
    // The point's config is the scenario with the point's overrides.
    let config =
        std::fs::read_to_string(a.join("points/capacity=100MB,seed=42/config.toml")).unwrap();
    assert!(config.contains("capacity = \"100MB\""), "{config}");
    assert!(config.contains("duration = \"10s\""), "{config}");
    // Plots against the numeric axis.
    assert!(a.join("plots/plot-hit_ratio-vs-capacity.svg").is_file());
    assert!(a.join("plots/plot-origin_bytes-vs-capacity.png").is_file());
    std::fs::remove_dir_all(base).unwrap();
}

#[test]
fn resume_runs_only_missing_or_changed_points() {
    let base = tmp("sweep-resume");
    let f = tiny_sweep(&base, "10s");
    let out = base.join("out");
    ok(&sweep(&[s(&f), "--jobs", "2", "--out", s(&out), "--quiet"]));
    let before = std::fs::read(out.join("sweep.csv")).unwrap();
    std::fs::remove_dir_all(out.join("points/capacity=1GB,seed=42")).unwrap();
    let o = ok(&sweep(&[s(&f), "--jobs", "2", "--out", s(&out), "--quiet"]));
    assert!(o.contains("4 points (1 run, 3 already finished)"), "{o}");
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), before);
    // A changed stamp (another override) makes every point stale.
    let o = ok(&sweep(&[
        s(&f),
        "--set",
        "clients.rate=1k/s",
        "--out",
        s(&out),
        "--quiet",
    ]));
    assert!(o.contains("4 points (4 run, 0 already finished)"), "{o}");
    assert_ne!(std::fs::read(out.join("sweep.csv")).unwrap(), before);
    std::fs::remove_dir_all(base).unwrap();
}

#[test]
fn ctrl_c_keeps_finished_points_and_a_rerun_resumes() {
    let base = tmp("sweep-sigint");
    // Long enough that the sweep is still running when the first point is
    // committed.
    let duration = if cfg!(debug_assertions) { "20s" } else { "3m" };
    let f = tiny_sweep(&base, duration);
    let out = base.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdnsim"))
        .args(["sweep", s(&f), "--jobs", "1", "--out", s(&out), "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let points = out.join("points");
    let committed = || {
        std::fs::read_dir(&points)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    };
    let t0 = std::time::Instant::now();
    while committed() == 0 {
        assert!(t0.elapsed().as_secs() < 120, "no point finished in 120 s");
        assert!(child.try_wait().unwrap().is_none(), "sweep ended early");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: kept"), "{err}");
    assert!(
        err.contains("run the same command again to resume"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let kept = committed();
    assert!((1..4).contains(&kept), "kept {kept}");
    let partial = std::fs::read_dir(&points)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial")
        })
        .count();
    assert_eq!(partial, 0, "a partial point folder was left");
    assert!(!out.join("sweep.csv").exists());
    let o = ok(&sweep(&[s(&f), "--jobs", "2", "--out", s(&out), "--quiet"]));
    assert!(
        o.contains(&format!("({} run, {kept} already finished)", 4 - kept)),
        "{o}"
    );
    assert!(out.join("sweep.csv").is_file());
    std::fs::remove_dir_all(base).unwrap();
}

#[test]
fn shards_merge_into_the_single_machine_sweep_csv() {
    let base = tmp("sweep-shards");
    let f = tiny_sweep(&base, "10s");
    let local = base.join("local");
    ok(&sweep(&[
        s(&f),
        "--jobs",
        "2",
        "--out",
        s(&local),
        "--quiet",
    ]));
    let dirs: Vec<PathBuf> = (1..=3).map(|k| base.join(format!("shard{k}"))).collect();
    for (k, d) in dirs.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        let o = ok(&sweep(&[
            s(&f),
            "--shard",
            &shard,
            "--out",
            s(d),
            "--quiet",
        ]));
        assert!(o.contains("cdnsim sweep merge"), "{o}");
        assert!(!d.join("sweep.csv").exists(), "a shard wrote sweep.csv");
    }
    // Round robin: points 0 and 3 in shard 1, 1 in shard 2, 2 in shard 3.
    let count = |d: &Path| std::fs::read_dir(d.join("points")).unwrap().count();
    assert_eq!(dirs.iter().map(|d| count(d)).collect::<Vec<_>>(), [2, 1, 1]);
    // Missing a shard: refused, naming what is missing.
    let o = sweep(&["merge", s(&dirs[0]), s(&dirs[1])]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("1 of 4 points have no finished folder"),
        "{}",
        stderr(&o)
    );
    let merged = base.join("merged");
    let o = ok(&sweep(&[
        "merge",
        s(&dirs[0]),
        s(&dirs[1]),
        s(&dirs[2]),
        "--out",
        s(&merged),
    ]));
    assert!(o.contains("merged 4 points from 3 folder(s)"), "{o}");
    assert!(
        std::fs::read(merged.join("sweep.csv")).unwrap()
            == std::fs::read(local.join("sweep.csv")).unwrap(),
        "merged sweep.csv differs from the local run's"
    );
    assert_eq!(files(&merged.join("plots")), files(&local.join("plots")));
    // Folders of different sweeps are not merged.
    let other = base.join("other");
    ok(&sweep(&[
        s(&f),
        "--shard",
        "1/2",
        "--set",
        "clients.rate=1k/s",
        "--out",
        s(&other),
        "--quiet",
    ]));
    let o = sweep(&["merge", s(&dirs[0]), s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("hold different sweeps"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(base).unwrap();
}

#[test]
fn bad_shard_and_jobs_flags_are_one_line_errors() {
    for (args, want) in [
        (
            vec!["scenarios/sweeps/edge-capacity.toml", "--shard", "4/3"],
            "--shard 4/3: expected K/N with 1 <= K <= N, e.g. --shard 2/8",
        ),
        (
            vec!["scenarios/sweeps/edge-capacity.toml", "--jobs", "0"],
            "--jobs 0: expected at least 1 job",
        ),
    ] {
        let o = sweep(&args);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(stderr(&o).trim_end(), want);
    }
}

/// Every file in tests/bad_inputs/sweeps/ is refused by `cdnsim validate`
/// (and `cdnsim sweep --check`) with exit 2 and exactly the one-line error
/// of its first line.
#[test]
fn bad_sweeps_give_the_expected_one_line_error() {
    let dir = root().join("tests/bad_inputs/sweeps");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "bad-sweep suite shrank");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let expect = text
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# expect: ")
            .replace("FILE", &rel);
        for args in [vec!["validate", &rel], vec!["sweep", &rel, "--check"]] {
            let o = cdnsim(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{rel}: {err}");
            assert_eq!(err.trim_end(), expect, "{rel} ({args:?})");
        }
    }
}

#[test]
fn emit_slurm_writes_an_array_a_merge_and_a_submitter() {
    let base = tmp("sweep-emit");
    let f = tiny_sweep(&base, "10s");
    let dir = base.join("slurm");
    let out = base.join("out");
    let o = ok(&sweep(&[
        s(&f),
        "--emit-slurm",
        s(&dir),
        "--shards",
        "3",
        "--out",
        s(&out),
        "--sbatch=--time=10:00",
    ]));
    assert!(o.contains("4 points in 3 shards"), "{o}");
    let array = std::fs::read_to_string(dir.join("array.sbatch")).unwrap();
    assert!(array.contains("#SBATCH --array=1-3\n"), "{array}");
    assert!(array.contains("#SBATCH --time=10:00\n"), "{array}");
    assert!(
        array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""),
        "{array}"
    );
    assert!(
        array.contains(&format!("--out '{}'", out.display())),
        "{array}"
    );
    let merge = std::fs::read_to_string(dir.join("merge.sbatch")).unwrap();
    assert!(
        merge.contains(&format!("sweep merge '{}'", out.display())),
        "{merge}"
    );
    let submit = std::fs::read_to_string(dir.join("submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");
    assert!(dir.join("logs").is_dir());
    std::fs::remove_dir_all(base).unwrap();
}

/// Every sweep in scenarios/sweeps/ validates and runs, shortened by the
/// sweep's own overrides (`--set` on the sweep applies to every point).
#[test]
fn every_demo_sweep_validates_and_runs_shortened() {
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios/sweeps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let base = tmp("sweep-demos");
    for f in files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let v = ok(&cdnsim(&["validate", &rel]));
        assert!(v.contains("(sweep of"), "{v}");
        let out = base.join(f.file_stem().unwrap());
        let o = ok(&sweep(&[
            &rel,
            "--set",
            "duration=6s",
            "--set",
            "warmup=1s",
            "--set",
            "output.interval=1s",
            "--jobs",
            "2",
            "--quiet",
            "--out",
            s(&out),
        ]));
        let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
        let n = o
            .split("points (")
            .next()
            .and_then(|h| h.rsplit(' ').nth(1))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        assert!(n > 0, "{o}");
        assert_eq!(csv.lines().count(), n + 1, "{rel}: {csv}");
        assert!(
            std::fs::read_dir(out.join("plots")).unwrap().count() > 0,
            "{rel}: no plots"
        );
    }
    std::fs::remove_dir_all(base).unwrap();
}

/// Against a real Slurm: run `.ci/slurm-up` first (CI does). Emits the
/// scripts for a small sweep, submits them, waits for the array and the
/// merge, and compares the merged sweep.csv with a local `--jobs 2` run's.
#[test]
#[ignore = "needs a running Slurm (.ci/slurm-up)"]
fn slurm_array_and_merge_match_a_local_run() {
    let have = Command::new("sinfo").arg("-h").output();
    assert!(
        have.as_ref().is_ok_and(|o| o.status.success()),
        "no Slurm here: run .ci/slurm-up first"
    );
    let base = tmp("sweep-slurm");
    let f = tiny_sweep(&base, "10s");
    let local = base.join("local");
    ok(&sweep(&[
        s(&f),
        "--jobs",
        "2",
        "--out",
        s(&local),
        "--quiet",
    ]));
    let dir = base.join("slurm");
    let out = base.join("cluster");
    ok(&sweep(&[
        s(&f),
        "--emit-slurm",
        s(&dir),
        "--shards",
        "3",
        "--out",
        s(&out),
        "--sbatch=--time=5:00",
    ]));
    let sub = Command::new("bash")
        .arg(dir.join("submit.sh"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let line = ok(&sub);
    let id = |k: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {line:?}"))
            .trim()
            .to_string()
    };
    let (array, merge) = (id("array_job="), id("merge_job="));
    // Wait (bounded) until neither job is queued or running.
    let t0 = std::time::Instant::now();
    loop {
        let q = Command::new("squeue")
            .args(["-h", "-j", &format!("{array},{merge}"), "-o", "%i %T"])
            .output()
            .unwrap();
        let q = String::from_utf8_lossy(&q.stdout).into_owned();
        if q.trim().is_empty() {
            break;
        }
        if t0.elapsed().as_secs() > 150 {
            let _ = Command::new("scancel").args([&array, &merge]).status();
            panic!("Slurm jobs still pending after 150 s:\n{q}");
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let log = |n: &str| std::fs::read_to_string(dir.join("logs").join(n)).unwrap_or_default();
    for k in 1..=3 {
        let l = log(&format!("shard-{k}.out"));
        assert!(l.contains(&format!("shard {k}/3")), "shard {k} log: {l}");
    }
    let merged = out.join("sweep.csv");
    assert!(
        merged.is_file(),
        "the merge job wrote no sweep.csv; merge log: {}",
        log("merge.out")
    );
    assert!(
        std::fs::read(&merged).unwrap() == std::fs::read(local.join("sweep.csv")).unwrap(),
        "Slurm-merged sweep.csv differs from the local --jobs 2 run's"
    );
    std::fs::remove_dir_all(base).unwrap();
}

/// Keys varied together under labels: folder names use the labels,
/// sweep.csv has the label column then one column per key, and with no
/// numeric axis the plots are bars per point.
#[test]
fn labelled_multi_key_axis_names_points_by_label() {
    let base = tmp("sweep-labels");
    let f = base.join("edge.toml");
    std::fs::write(
        &f,
        format!(
            r#"scenario = "{}"
seeds = [5]
[set.output]
interval = "1s"
[set]
duration = "6s"
warmup = "1s"
[[axis]]
name = "edge"
keys = ["cdn.edge.capacity", "cdn.edge.policy"]
values = [["100MB", "lru"], ["1GB", "sieve"]]
labels = ["small-lru", "big-sieve"]
"#,
            root().join("scenarios/quickstart.toml").display()
        ),
    )
    .unwrap();
    let out = base.join("out");
    ok(&sweep(&[s(&f), "--out", s(&out), "--quiet"]));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("point,seed,edge,cdn.edge.capacity,cdn.edge.policy,requests,"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("\"edge=small-lru,seed=5\",5,small-lru,100MB,lru,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("\"edge=big-sieve,seed=5\",5,big-sieve,1GB,sieve,"),
        "{csv}"
    );
    let config =
        std::fs::read_to_string(out.join("points/edge=big-sieve,seed=5/config.toml")).unwrap();
    assert!(config.contains("policy = \"sieve\""), "{config}");
    assert!(config.contains("interval = \"1s\""), "{config}");
    assert!(out.join("plots/plot-hit_ratio-by-point.svg").is_file());
    std::fs::remove_dir_all(base).unwrap();
}
