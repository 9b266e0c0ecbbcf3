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
