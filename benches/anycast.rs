//! Anycast at Internet scale: the CAIDA 2025 graph (78,643 ASes) with the
//! placement heuristic, a CDN AS with 300 PoPs at the first 300 Cloudflare
//! colos (../shared/data/geo/cloudflare_colos.csv) that resolve to distinct
//! cities of the embedded table (by IATA code, else the nearest city),
//! default transit (2 per PoP) and IXP peering. Timed: the anycast prefix
//! plus one unicast prefix per PoP (301 prefixes), each with per-router
//! catchments, in parallel over prefixes on 2 rayon threads. Target
//! <= 10 s. Skips with a printed reason when the data is absent.

use cdnsim::scenario::RunConfig;
use cdnsim::world::{self, catchment};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Instant;

#[path = "drivers/colo_world.rs"]
mod colo_world;
use colo_world::colo_config;

const POPS: usize = 300;

fn config(topology: &std::path::Path, colos: &str) -> RunConfig {
    colo_config(
        "anycast-300",
        topology,
        colos,
        POPS,
        &["Paris", "Denver", "Sydney"],
    )
}

fn bench(c: &mut Criterion) {
    let Some((topo, colos)) = colo_world::inputs() else {
        return;
    };
    let cfg = config(&topo, &std::fs::read_to_string(&colos).unwrap());
    let locate = |p: &str, m: String| cdnsim::InputError::new("bench.toml", p, m);
    let t = Instant::now();
    let w = world::build(&cfg, &locate).unwrap();
    let build_s = t.elapsed().as_secs_f64();
    // One unicast prefix, phase by phase, on one thread.
    let t = Instant::now();
    let prefix = world::prefix::Prefix::unicast(&w, 0);
    let t_prefix = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let r = catchment::solve_prefix(&w, &prefix).unwrap();
    let t_solve = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let table = catchment::LinkTable::new(&w.graph, &w.geo);
    let t_table = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let view = catchment::TableView {
        table: &table,
        cdn: w.cdn,
        entry: &prefix.entry_cities,
    };
    let one = catchment::all_routers(&w.graph, &r, &view, &w.geo, &cfg.cities, &cfg.latency);
    let t_routers = t.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "one unicast prefix, 1 thread: prefix {t_prefix:.1} ms, solve {t_solve:.1} ms, per-router catchments {t_routers:.1} ms ({} routers); link table (once per world) {t_table:.0} ms, {} B/link",
        one.len(),
        table.heap_bytes() / (w.graph.p2c_links() + w.graph.p2p_links() + w.graph.sibling_links())
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let t = Instant::now();
    let all = pool.install(|| catchment::all_prefixes(&w, &cfg)).unwrap();
    let solve_s = t.elapsed().as_secs_f64();
    let g = &w.graph;
    let links = g.p2c_links() + g.p2p_links() + g.sibling_links();
    let world_bytes = g.heap_bytes() + w.geo.heap_bytes();
    let routes = catchment::solve_prefix(&w, &world::prefix::Prefix::anycast(&w, &cfg)).unwrap();
    let routers = all[0].len();
    let reached = all[0]
        .site
        .iter()
        .filter(|&&s| s != catchment::NO_SITE)
        .count();
    let sessions: usize = w.pops.iter().map(|p| p.transit.len() + p.peers.len()).sum();
    eprintln!(
        "world: {} ASes, {} links, {} PoPs, {} CDN sessions, {} routers ({} reached by anycast); built in {:.2} s",
        g.len(),
        links,
        cfg.pops.len(),
        sessions,
        routers,
        reached,
        build_s
    );
    eprintln!(
        "memory: world (graph + geography) {} B/AS, {} B/link; routes {} B/AS per prefix; per-router catchment {} B/router, {} B/AS per prefix",
        world_bytes / g.len(),
        world_bytes / links,
        routes.heap_bytes() / g.len(),
        all[0].heap_bytes() / routers,
        all[0].heap_bytes() / g.len(),
    );
    eprintln!(
        "{} prefixes with per-router catchments on 2 threads: {:.2} s (first run)",
        all.len(),
        solve_s
    );
    drop(all);
    let mut grp = c.benchmark_group("anycast_300_pops_78k");
    grp.sample_size(10);
    grp.bench_function("anycast_plus_300_unicast_per_router_2_threads", |b| {
        b.iter(|| pool.install(|| catchment::all_prefixes(&w, &cfg)).unwrap())
    });
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
