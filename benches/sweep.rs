//! Sweep throughput: points per second of one sweep run with 1 job and
//! with 2 jobs (rayon workers), the same 8 points each time (4 edge
//! capacities x 2 seeds of the quickstart, 1 minute simulated each, with
//! every point's files, plots and the sweep's sweep.csv and plots written).
//! The ratio of the two is the parallel speed-up of `cdnsim sweep --jobs`.
//!
//!     cargo bench --bench sweep
//!
//! Figures: docs/performance.md, section "Sweeps".

use cdnsim::sweep::{self, Options, spec};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

const POINTS: u64 = 8;

fn sweep_file(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let f = dir.join("bench.toml");
    let text = format!(
        r#"scenario = "{}"
name = "bench"
replications = 2

[set]
duration = "1m"
warmup = "10s"

[[axis]]
key = "cdn.edge.capacity"
values = ["100MB", "300MB", "1GB", "3GB"]
"#,
        root.join("scenarios/quickstart.toml").display()
    );
    std::fs::write(&f, text).unwrap();
    f
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("cdnsim-bench-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = sweep_file(&dir);
    let (sw, src) = spec::load(&file, &[]).unwrap();
    assert_eq!(sw.points.len() as u64, POINTS);
    sweep::check(&sw, &src).unwrap();
    let stop = AtomicBool::new(false);
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(POINTS));
    for jobs in [1usize, 2] {
        g.bench_function(format!("quickstart_8_points_jobs_{jobs}"), |b| {
            b.iter(|| {
                let out = dir.join(format!("out-{jobs}"));
                let _ = std::fs::remove_dir_all(&out);
                let o = sweep::run(
                    &sw,
                    &src,
                    &Options {
                        out,
                        jobs,
                        shard: None,
                        stop: &stop,
                        on_done: &|_, _| {},
                    },
                )
                .unwrap();
                assert_eq!(o.ran as u64, POINTS);
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
