//! The BGP static solver on the CAIDA 2025 graph (78,643 ASes): one prefix
//! at AS level, single origin and anycast. Target: <= 20 ms per core.
//! Skips with a printed reason when ../shared/data is absent
//! (`CDNSIM_SHARED_DATA` points elsewhere).

use cdnsim::bgp::{Announcement, SolveOptions, TieBreak, solve};
use cdnsim::topology::Asn;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn caida() -> PathBuf {
    cdnsim::reference_data::dir()
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
        .join("caida/20250901.as-rel2.txt.bz2")
}

fn bench(c: &mut Criterion) {
    let file = caida();
    if !file.exists() {
        eprintln!("skipped: {} absent", file.display());
        return;
    }
    let (g, _) = cdnsim::topology::caida::load(&file).expect("load");
    let one = Announcement::from_origins([Asn(13335)]);
    let anycast = Announcement::from_origins([13335, 15169, 16509, 20940, 54113].map(Asn));
    let r = solve(&g, &one, &SolveOptions::default()).unwrap();
    let links = g.p2c_links() + g.p2p_links() + g.sibling_links();
    eprintln!(
        "graph: {} ASes, {} links, {} bytes/AS, {} bytes/link (CSR incl. index); routes: {} bytes/AS; reached {}",
        g.len(),
        links,
        g.heap_bytes() / g.len(),
        g.heap_bytes() / links,
        r.heap_bytes() / g.len(),
        r.reached()
    );
    let mut grp = c.benchmark_group("bgp_static_78k");
    grp.sample_size(30);
    grp.bench_function("one_origin_lowest_asn", |b| {
        b.iter(|| solve(black_box(&g), black_box(&one), &SolveOptions::default()).unwrap())
    });
    grp.bench_function("anycast5_lowest_asn", |b| {
        b.iter(|| solve(black_box(&g), black_box(&anycast), &SolveOptions::default()).unwrap())
    });
    let rid = SolveOptions {
        tiebreak: TieBreak::RouterId { seed: 1 },
        ..SolveOptions::default()
    };
    grp.bench_function("one_origin_router_id", |b| {
        b.iter(|| solve(black_box(&g), black_box(&one), &rid).unwrap())
    });
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
