//! Shared by the Internet-scale benches and drivers (anycast, bgp_dynamic,
//! bgp_withdraw): where the reference data is, the PoP cities of the first
//! N Cloudflare colos, and the run configuration of such a world.
//! Included with `#[path]`; not a bench of its own (and not every includer
//! uses every helper).
#![allow(dead_code)]

use cdnsim::geo::{Cities, LatLon};
use cdnsim::scenario::{RunConfig, load_str, validate};
use cdnsim::topology::geography::city_token;
use std::path::PathBuf;

/// The CAIDA 2025 relationships and the Cloudflare colo list, or `None`
/// (after printing which is absent) when the reference data is missing.
pub fn inputs() -> Option<(PathBuf, PathBuf)> {
    let (topo, colos) = (
        data("caida/20250901.as-rel2.txt.bz2"),
        data("geo/cloudflare_colos.csv"),
    );
    for f in [&topo, &colos] {
        if !f.exists() {
            eprintln!("skipped: {} absent", f.display());
            return None;
        }
    }
    Some((topo, colos))
}

/// An event-driven BGP driver over `world` with no route installed (a
/// cold start), the scenario runs' tie-break, default delays, stream 1.
pub fn cold_driver(world: &cdnsim::world::World) -> cdnsim::bgp::dynamic::Driver<'_> {
    use cdnsim::bgp::speaker::{Network, SpeakerConfig};
    cdnsim::bgp::dynamic::Driver::new(
        Network::new(
            &world.graph,
            SpeakerConfig {
                tiebreak: cdnsim::world::catchment::tiebreak(),
                ..SpeakerConfig::default()
            },
        ),
        cdnsim::bgp::dynamic::Delays::default(),
        &cdnsim::rng::Streams::new(1),
    )
}

/// A file of ../shared/data (or `CDNSIM_SHARED_DATA`).
pub fn data(rel: &str) -> PathBuf {
    cdnsim::reference_data::dir()
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
        .join(rel)
}

/// PoP cities: the first `n` colos of `colos` (cloudflare_colos.csv) that
/// resolve to distinct cities of the table (IATA code, else the nearest).
pub fn pop_cities(cities: &Cities, colos: &str, n: usize) -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(colos.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (colo, lat, lon) = (col("colo"), col("lat"), col("lon"));
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let id = cities.lookup(&r[colo]).or_else(|| {
            let p = LatLon {
                lat: r[lat].parse().ok()?,
                lon: r[lon].parse().ok()?,
            };
            Some(cities.nearest(p))
        });
        let Some(id) = id else { continue };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        out.push(city_token(cities, id));
        if out.len() == n {
            break;
        }
    }
    out
}

/// The configuration of an Internet-scale anycast world: a CDN with `pops`
/// PoPs at the first colos of `colos` (default transit and IXP peering),
/// clients in `groups` (city names), on `topology`.
pub fn colo_config(
    name: &str,
    topology: &std::path::Path,
    colos: &str,
    pops: usize,
    groups: &[&str],
) -> RunConfig {
    let cities = Cities::embedded();
    let pops: String = pop_cities(&cities, colos, pops)
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  {{ name = \"p{i}\", city = \"{c}\" }},\n"))
        .collect();
    let groups: Vec<String> = groups
        .iter()
        .map(|g| format!("{{ city = \"{g}\" }}"))
        .collect();
    let text = format!(
        r#"name = "{name}"
seed = 1
duration = "1m"

[world]
topology = "{}"

[cdn]
steering = "anycast"
pops = [
{pops}]

[cdn.edge]
capacity = "1GB"
policy = "lru"

[origin]
city = "Ashburn"

[clients]
rate = "10/s"
groups = [{}]

[[workload.catalogs]]
name = "web"
objects = 100
zipf_alpha = 0.9
share = "100%"
size = {{ dist = "fixed", size = "1kB" }}
"#,
        topology.display(),
        groups.join(", ")
    );
    validate(&load_str(&format!("{name}.toml"), text, false, &[]).unwrap()).unwrap()
}
