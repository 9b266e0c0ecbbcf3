//! Same scenario + seed -> byte-identical outputs; another seed differs.

use super::{cdnsim, stderr, tmp};

fn run(dir: &std::path::Path, seed: &str) -> Vec<(String, Vec<u8>)> {
    let o = cdnsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "duration=30s",
        "--set",
        "warmup=5s",
        "--seed",
        seed,
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_differs() {
    let base = tmp("determinism");
    let a = run(&base.join("a"), "7");
    let b = run(&base.join("b"), "7");
    let c = run(&base.join("c"), "8");
    assert_eq!(a.len(), b.len());
    for ((na, fa), (nb, fb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(fa == fb, "seed 7 twice: {na} differs");
    }
    let summary = |v: &[(String, Vec<u8>)]| {
        v.iter()
            .find(|(n, _)| n == "summary.json")
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(
        summary(&a),
        summary(&c),
        "seeds 7 and 8 gave the same summary"
    );
    std::fs::remove_dir_all(base).unwrap();
}

/// FNV-1a 64 of a file's bytes (a stable, dependency-free digest).
fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Every file under `dir` (recursively) with its digest, sorted by path.
fn digests(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, fnv64(&std::fs::read(&p).unwrap())));
            }
        }
    }
    out.sort();
    out
}

/// Every scenario in scenarios/, shortened as in `scenarios::`, gives
/// byte-identical output files with 1, 2 and 4 rayon threads.
#[test]
fn every_scenario_is_identical_across_thread_counts() {
    let mut files: Vec<_> = std::fs::read_dir(super::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let base = tmp("threads");
    for f in files {
        let rel = f
            .strip_prefix(super::root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let mut first: Option<(usize, Vec<(String, u64)>)> = None;
        for threads in [1usize, 2, 4] {
            let out = base.join(format!(
                "{}-{threads}",
                f.file_stem().unwrap().to_string_lossy()
            ));
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_cdnsim"))
                .args(super::shortened_run_args(&rel, &out))
                .current_dir(super::root())
                .env("RAYON_NUM_THREADS", threads.to_string())
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{rel} ({threads} threads): {}",
                stderr(&o)
            );
            let d = digests(&out);
            assert!(d.iter().any(|(n, _)| n == "summary.json"), "{rel}: {d:?}");
            match &first {
                None => first = Some((threads, d)),
                Some((t0, d0)) => {
                    let names =
                        |v: &[(String, u64)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
                    assert_eq!(
                        names(d0),
                        names(&d),
                        "{rel}: files differ, {t0} vs {threads} threads"
                    );
                    let differ: Vec<&String> = d0
                        .iter()
                        .zip(&d)
                        .filter(|(a, b)| a.1 != b.1)
                        .map(|(a, _)| &a.0)
                        .collect();
                    assert!(
                        differ.is_empty(),
                        "{rel} (its seed, shortened to 20s): {differ:?} differ between {t0} and {threads} threads"
                    );
                }
            }
        }
    }
    std::fs::remove_dir_all(base).unwrap();
}
