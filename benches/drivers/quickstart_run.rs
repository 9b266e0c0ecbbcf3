//! Fixed-size driver of the end-to-end request path, for instruction
//! counts (docs/performance.md, "End to end"): one `sim::run` of
//! scenarios/quickstart.toml (the world and BGP plan built before, outside
//! the counted function), as benches/end_to_end.rs times it:
//!
//!     cargo build --release --example quickstart_run
//!     valgrind --tool=callgrind --toggle-collect='*measured*' \
//!         target/release/examples/quickstart_run duration=1m warmup=10s
//!
//! Arguments: `--set` style overrides (`key=value`), `scenario=PATH` (from
//! the repository root; default scenarios/quickstart.toml: e.g.
//! `scenario=scenarios/imc2015-traffic.toml` for the IMC-sized case of
//! benches/end_to_end.rs), and `prefetch=on` /
//! `prefetch=off` to draw the requests on a producer thread or inline
//! (default: `sim::prefetch_by_default`; a run of several shards draws
//! between its windows instead), `shards=off` to run the scenario as one
//! part (`sim::run_with_options`; default `shards=on`: the quickstart is 8
//! shards, `sim::shard`). Instructions per simulated
//! request = Ir of `measured_run` / requests issued (printed, with a
//! checksum of the results that must not change). With `prefetch=on`,
//! callgrind's `--toggle-collect='*measured*'` counts the simulation's
//! thread only (the producer's stack never enters `measured_run`).

use cdnsim::engine::Control;
use cdnsim::scenario::{load_file, validate};
use cdnsim::sim;
use std::path::Path;
use std::time::Instant;

#[inline(never)]
fn measured_run(
    cfg: &cdnsim::scenario::RunConfig,
    routes: &[sim::GroupRoute],
    prefetch: bool,
    shards: bool,
) -> sim::RunMetrics {
    let steer = sim::steering::steerer(cfg, routes, None, None);
    sim::run_with_options(
        cfg,
        routes,
        steer,
        None,
        |_| Control::Continue,
        prefetch,
        shards,
    )
    .expect("runs")
    .expect("not stopped")
    .0
}

fn main() {
    let mut path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let mut prefetch = None;
    let mut shards = true;
    let sets: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| match a.as_str() {
            s if s.starts_with("scenario=") => {
                path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&s["scenario=".len()..]);
                false
            }
            "shards=off" => {
                shards = false;
                false
            }
            "shards=on" => {
                shards = true;
                false
            }
            "prefetch=on" => {
                prefetch = Some(true);
                false
            }
            "prefetch=off" => {
                prefetch = Some(false);
                false
            }
            _ => true,
        })
        .collect();
    let loaded = load_file(&path, &sets).expect("scenario loads");
    let cfg = validate(&loaded).expect("scenario validates");
    let (routes, _) =
        sim::plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("scenario plans");
    let prefetch = prefetch.unwrap_or_else(|| sim::prefetch_by_default(&cfg));
    let t = Instant::now();
    let m = measured_run(&cfg, &routes, prefetch, shards);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{} requests issued, {} events, {:.3} s wall ({:.2} M requests/s), prefetch {}, shards {}; checksum: requests {} hits {} origin bytes {} ttfb p50 {} p99 {} mean {:.6}",
        m.issued,
        m.events,
        s,
        m.issued as f64 / s / 1e6,
        if prefetch { "on" } else { "off" },
        if shards { "on" } else { "off" },
        m.edge.requests,
        m.edge.hits,
        m.origin_bytes,
        m.ttfb.quantile_ms(0.5),
        m.ttfb.quantile_ms(0.99),
        m.ttfb.mean_ms()
    );
}
