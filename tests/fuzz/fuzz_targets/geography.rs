//! Geography file text against the shipped tiny topology: any input must
//! give a geography or a one-line InputError, never a panic.
#![no_main]
use cdnsim::geo::Cities;
use cdnsim::rng::Streams;
use cdnsim::topology::{AsGraph, Geography, caida};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static TINY: &str = include_str!("../../topologies/tiny.as-rel.txt");

fn graph() -> &'static AsGraph {
    static G: OnceLock<AsGraph> = OnceLock::new();
    G.get_or_init(|| caida::parse(TINY.as_bytes(), "tiny.as-rel.txt").unwrap().0)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cities = Cities::embedded();
    match Geography::parse(text, "fuzz.geo", graph(), &cities, &Streams::new(1)) {
        Ok((geo, _)) => {
            for a in graph().indices() {
                assert!(!geo.footprint(a).is_empty(), "empty footprint");
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
});
