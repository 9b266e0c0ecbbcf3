//! The BGP static solver on the CAIDA 2025 graph (78,643 ASes): one prefix
//! at AS level, single origin and anycast. Target: <= 20 ms per core.
//! Also one prefix with 200 within-class import local-prefs (the ordered
//! three-phase solver), on the CAIDA graph and on the IMC 2015 study's
//! generated world-3k, with one timed run of the fixed-point solver it
//! replaces for them.
//! Skips with a printed reason when ../shared/data is absent
//! (`CDNSIM_SHARED_DATA` points elsewhere).

use cdnsim::bgp::{Announcement, ImportLocalPref, Learned, Method, SolveOptions, TieBreak, solve};
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
    let lp = with_local_prefs(&g, one.clone());
    reference_once("78k", &g, &lp);
    grp.bench_function("one_origin_within_class_local_pref", |b| {
        b.iter(|| solve(black_box(&g), black_box(&lp), &SolveOptions::default()).unwrap())
    });
    grp.finish();
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/world-3k.as-rel.txt");
    let (w, _) = cdnsim::topology::caida::load(&file).expect("load world-3k");
    // A stub of the generated world as the origin (the highest ASN).
    let origin = w.asn(cdnsim::topology::AsIdx(w.len() as u32 - 1));
    let plain = Announcement::from_origins([origin]);
    let lp = with_local_prefs(&w, plain.clone());
    reference_once("world-3k", &w, &lp);
    let mut grp = c.benchmark_group("bgp_static_world3k");
    grp.sample_size(30);
    grp.bench_function("one_origin", |b| {
        b.iter(|| solve(black_box(&w), black_box(&plain), &SolveOptions::default()).unwrap())
    });
    grp.bench_function("one_origin_within_class_local_pref", |b| {
        b.iter(|| solve(black_box(&w), black_box(&lp), &SolveOptions::default()).unwrap())
    });
    grp.finish();
}

/// `ann` with 200 import local-prefs on links spread over the graph, each
/// moved by -49..=49 within its class (deterministic).
fn with_local_prefs(g: &cdnsim::topology::AsGraph, mut ann: Announcement) -> Announcement {
    let links = g.links();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (a, b, _) = links[(x >> 33) as usize % links.len()];
        let rel = g.rel(a, b).expect("linked");
        let off = ((x >> 20) % 99) as i32 - 49;
        ann.import_local_pref.push(ImportLocalPref {
            asn: g.asn(a),
            neighbour: g.asn(b),
            local_pref: (Learned::from_rel(rel).local_pref() as i32 + off) as u32,
        });
    }
    ann
}

/// Times the fixed-point solver once on `ann` and checks it agrees.
fn reference_once(name: &str, g: &cdnsim::topology::AsGraph, ann: &Announcement) {
    let t = std::time::Instant::now();
    let slow = solve(
        g,
        ann,
        &SolveOptions {
            method: Method::Reference,
            ..SolveOptions::default()
        },
    )
    .unwrap();
    let el = t.elapsed();
    let t = std::time::Instant::now();
    let fast = solve(g, ann, &SolveOptions::default()).unwrap();
    eprintln!(
        "{name}: 200 within-class local-prefs: fixed point {:.1} ms, ordered three-phase {:.2} ms (one run each), same routes: {}",
        el.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3,
        fast == slow
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
