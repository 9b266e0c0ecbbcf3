//! Topology benchmarks: loading CAIDA 2025 (bz2 decode and parse measured
//! separately), heuristic placement on it, and generating worlds.
//!
//! `cargo bench --bench topology` (needs ../shared/data/caida; skips with a
//! printed reason otherwise). Prints the memory held by the loaded graph.

use cdnsim::geo::Cities;
use cdnsim::rng::Streams;
use cdnsim::topology::{Geography, caida, generate};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn data(rel: &str) -> Option<PathBuf> {
    cdnsim::reference_data::file(rel)
}

fn caida_2025(c: &mut Criterion) {
    let Some(path) = data("caida/20250901.as-rel2.txt.bz2") else {
        eprintln!("skipped caida benches: ../shared/data/caida/20250901.as-rel2.txt.bz2 is absent");
        return;
    };
    let (bytes, _) = caida::read_maybe_bz2(&path).expect("readable");
    let (g, _) = caida::load(&path).expect("loads");
    let links = g.p2c_links() + g.p2p_links() + g.sibling_links();
    let heap = g.heap_bytes();
    eprintln!(
        "CAIDA 2025: {} ASes, {} links; AsGraph heap {} bytes = {:.1} MiB, {:.1} bytes/AS, {:.1} bytes/link; decompressed text {} bytes",
        g.len(),
        links,
        heap,
        heap as f64 / (1024.0 * 1024.0),
        heap as f64 / g.len() as f64,
        heap as f64 / links as f64,
        bytes.len()
    );
    let cities = Cities::embedded();
    let geo = Geography::place(&g, &cities, &Streams::new(1));
    eprintln!(
        "CAIDA 2025 placed geography ({} cities): heap {} bytes = {:.1} bytes/AS",
        cities.len(),
        geo.heap_bytes(),
        geo.heap_bytes() as f64 / g.len() as f64
    );
    let mut grp = c.benchmark_group("caida-2025");
    grp.sample_size(10);
    grp.bench_function("load (read + bz2 + parse + build + cycle check)", |b| {
        b.iter(|| black_box(caida::load(&path).expect("loads")))
    });
    grp.bench_function("read + bz2 decode only", |b| {
        b.iter(|| black_box(caida::read_maybe_bz2(&path).expect("reads")))
    });
    grp.bench_function("parse + build + cycle check (decompressed)", |b| {
        b.iter(|| black_box(caida::parse(&bytes, "caida").expect("parses")))
    });
    grp.bench_function("p2c cycle check only", |b| {
        b.iter(|| black_box(g.p2c_cycles()))
    });
    grp.bench_function("placement heuristic", |b| {
        b.iter(|| black_box(Geography::place(&g, &cities, &Streams::new(1))))
    });
    grp.finish();
}

fn generator(c: &mut Criterion) {
    let cities = Cities::embedded();
    let mut grp = c.benchmark_group("generate");
    grp.sample_size(10);
    for n in [3_000usize, 100_000] {
        grp.bench_function(format!("{n} ASes"), |b| {
            b.iter(|| black_box(generate::generate(n, 1, &cities).expect("generates")))
        });
    }
    grp.finish();
}

criterion_group!(benches, caida_2025, generator);
criterion_main!(benches);
