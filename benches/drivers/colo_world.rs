//! Shared by the Internet-scale benches (anycast, bgp_dynamic): where the
//! reference data is, and the PoP cities of the first N Cloudflare colos.
//! Included with `#[path]`; not a bench of its own.

use cdnsim::geo::{Cities, LatLon};
use cdnsim::topology::geography::city_token;
use std::path::PathBuf;

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
