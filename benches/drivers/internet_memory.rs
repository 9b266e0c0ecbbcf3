//! Peak memory at Internet scale (issue 12's memory target; docs/
//! performance.md, "Memory at Internet scale"): the CAIDA 2025 graph
//! (78,643 ASes) placed by the heuristic, a CDN AS with 300 PoPs at the
//! first 300 Cloudflare colos (as benches/anycast.rs), anycast steering,
//! N generated client groups (`clients.population.groups`, each one /24
//! client prefix in the model; the key allows up to 16,121,856), a
//! 1 M-object Zipf catalog and LRU edges; the plan (BGP catchment of every
//! group) and a short run. Prints the peak resident set (`VmHWM` of
//! /proc/self/status) after each stage:
//!
//!     cargo build --release --example internet_memory
//!     target/release/examples/internet_memory [groups] [duration] [rate] [world|none]
//!
//! Defaults: 65536 groups, 30s, 10k/s, world. `none` leaves the world out
//! (nearest-PoP steering, no BGP): what the groups cost apart from their
//! catchments. Exits 0 with a printed reason when ../shared/data (or
//! `CDNSIM_SHARED_DATA`) is absent.

use cdnsim::engine::Control;
use cdnsim::geo::Cities;
use cdnsim::scenario::{load_str, validate};
use cdnsim::sim;
use std::time::Instant;

#[path = "colo_world.rs"]
mod colo_world;
use colo_world::pop_cities;

/// (VmHWM, VmRSS) in MiB.
fn rss() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn main() {
    let Some((topo, colos)) = colo_world::inputs() else {
        return;
    };
    let arg = |i: usize, d: &str| std::env::args().nth(i).unwrap_or_else(|| d.to_string());
    let (groups, duration, rate) = (arg(1, "65536"), arg(2, "30s"), arg(3, "10k/s"));
    let with_world = arg(4, "world") != "none";
    let (world, steering) = if with_world {
        (
            format!("[world]\ntopology = \"{}\"\n", topo.display()),
            "anycast",
        )
    } else {
        (String::new(), "nearest")
    };
    let cities = Cities::embedded();
    let colos = std::fs::read_to_string(&colos).unwrap();
    let pops: String = pop_cities(&cities, &colos, 300)
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  {{ name = \"p{i}\", city = \"{c}\" }},\n"))
        .collect();
    let text = format!(
        r#"name = "internet-memory"
seed = 1
duration = "{duration}"
warmup = "0s"
{world}[cdn]
steering = "{steering}"
pops = [
{pops}]
[cdn.edge]
capacity = "10GB"
policy = "lru"
[origin]
city = "Ashburn"
[clients]
rate = "{rate}"
[clients.population]
groups = {groups}
regions = [
  {{ continent = "EU", share = "25%" }},
  {{ continent = "NA", share = "25%" }},
  {{ continent = "AS", share = "30%" }},
  {{ continent = "SA", share = "10%" }},
  {{ continent = "AF", share = "5%" }},
  {{ continent = "OC", share = "5%" }},
]
[[workload.catalogs]]
name = "web"
objects = 1000000
zipf_alpha = 0.9
share = "100%"
size = {{ dist = "fixed", size = "10kB" }}
"#
    );
    let loaded = load_str("internet-memory.toml", text, false, &[]).expect("loads");
    let cfg = validate(&loaded).expect("validates");
    let est = cdnsim::scenario::memory::estimate(&cfg);
    println!(
        "estimate: {:.0} MiB ({})",
        est.total() as f64 / 1048576.0,
        est.terms
            .iter()
            .map(|t| format!("{} {:.0} MiB", t.name, t.bytes as f64 / 1048576.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (h0, _) = rss();
    println!("start: VmHWM {h0:.0} MiB");
    let t = Instant::now();
    let (routes, _) = sim::plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("plans");
    let (h1, r1) = rss();
    println!(
        "world + plan ({} groups, 300 PoPs): {:.1} s; VmHWM {h1:.0} MiB, VmRSS {r1:.0} MiB",
        routes.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let m = sim::run(&cfg, &routes, |_| Control::Continue)
        .expect("runs")
        .expect("not stopped");
    let s = t.elapsed().as_secs_f64();
    let (h2, r2) = rss();
    println!(
        "run ({duration} at {rate}): {} requests, {} events, {s:.1} s wall ({:.2} M requests/s); VmHWM {h2:.0} MiB, VmRSS {r2:.0} MiB",
        m.issued,
        m.events,
        m.issued as f64 / s / 1e6
    );
}
