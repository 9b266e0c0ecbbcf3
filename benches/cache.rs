//! Cache replay speed per policy, and per-object memory.
//!
//! - `replay/cloudphysics/<policy>`: libCacheSim's sample trace (113,872
//!   requests) at 256 MiB; skipped when ../shared/data is absent.
//! - `replay/zipf5m/<policy>`: a 5M-request Zipf trace written by
//!   libCacheSim's generator (`benches/peers/libcachesim_replay.py zipf
//!   --trace-out target/zipf5m.oracleGeneral`), path overridable with
//!   `CDNSIM_ZIPF_TRACE`; skipped when absent. Cache of 10,000 objects of
//!   4096 bytes (libCacheSim's own Zipf example setting).
//! - Before the timings, a counting allocator measures the heap bytes per
//!   resident object of every policy filled with 1M objects.
//!
//! cargo bench --bench cache

use cdnsim::cache::{Cache, Policy, PolicyKind, PolicyVisitor, replay};
use cdnsim::trace::OracleGeneral;
use criterion::{Criterion, Throughput};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn shared_data(rel: &str) -> Option<PathBuf> {
    cdnsim::reference_data::file(rel)
}

/// Heap bytes per resident object after inserting `n` distinct objects
/// that all fit, then after a Zipf-like churn phase (ghost lists filled).
fn memory_report() {
    for n in [700_000, 1_000_000] {
        memory_report_n(n);
    }
}

fn memory_report_n(n: u64) {
    println!("per-object heap bytes ({n} resident objects of 100 bytes; counting allocator):");
    for kind in PolicyKind::ALL {
        struct Fill(u64);
        impl PolicyVisitor for Fill {
            type Output = (usize, usize, usize, usize);
            fn visit<P: Policy + 'static>(self, p: P) -> Self::Output {
                let n = self.0;
                let before = LIVE.load(Ordering::Relaxed);
                let mut c = Cache::new(p, n * 100);
                for id in 0..n {
                    c.access(id, 100);
                }
                let full = LIVE.load(Ordering::Relaxed) - before;
                let n_full = c.len();
                // Churn: N more distinct objects push the first ones out
                // (into ghost lists where the policy keeps them).
                for id in n..3 * n {
                    c.access(id, 100);
                }
                let churn = LIVE.load(Ordering::Relaxed) - before;
                (full, n_full, churn, c.len())
            }
        }
        let (full, n_full, churn, n_churn) = kind.visit(n * 100, Fill(n));
        println!(
            "  {:7} filled: {:5.1} B/object   after churn (incl. ghosts): {:5.1} B/object",
            kind.name(),
            full as f64 / n_full as f64,
            churn as f64 / n_churn as f64
        );
    }
}

fn bench_trace(c: &mut Criterion, group: &str, trace: &OracleGeneral, capacity: u64) {
    let mut g = c.benchmark_group(format!("replay/{group}"));
    g.throughput(Throughput::Elements(trace.len() as u64));
    g.sample_size(10);
    for kind in PolicyKind::ALL {
        struct Run<'a>(&'a OracleGeneral, u64);
        impl PolicyVisitor for Run<'_> {
            type Output = u64;
            fn visit<P: Policy + 'static>(self, p: P) -> u64 {
                let mut c = Cache::new(p, self.1);
                replay(&mut c, self.0.id_sizes()).misses
            }
        }
        g.bench_function(kind.name(), |b| {
            b.iter(|| black_box(kind.visit(capacity, Run(trace, capacity))))
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    memory_report();
    match shared_data("cache/cloudPhysicsIO.oracleGeneral.bin") {
        Some(p) => {
            let t = OracleGeneral::open(&p).expect("cloudPhysics trace");
            bench_trace(&mut c, "cloudphysics", &t, 256 << 20);
        }
        None => eprintln!("skipped replay/cloudphysics: ../shared/data/cache not found"),
    }
    let zipf = std::env::var_os("CDNSIM_ZIPF_TRACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/zipf5m.oracleGeneral")
        });
    if zipf.exists() {
        let t = OracleGeneral::open(&zipf).expect("zipf trace");
        bench_trace(&mut c, "zipf5m", &t, 10_000 * 4096);
    } else {
        eprintln!(
            "skipped replay/zipf5m: {} absent (write it with benches/peers/libcachesim_replay.py zipf --trace-out)",
            zipf.display()
        );
    }
    c.final_summary();
}
