//! The city table and the latency fit are reproducible from ../shared/data.

use cdnsim::geo::build::{BuildOptions, build_cities_csv};
use std::path::PathBuf;

/// `../shared/data`, or `$CDNSIM_DATA` when set (a worktree elsewhere).
fn data_dir() -> Option<PathBuf> {
    let d = std::env::var_os("CDNSIM_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")),
        PathBuf::from,
    );
    d.join("geo").is_dir().then_some(d)
}

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/cities.csv");

#[test]
fn city_table_rebuilds_byte_for_byte() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data/geo is absent");
        return;
    };
    let (text, report) = build_cities_csv(&dir, &BuildOptions::default()).expect("build");
    eprintln!("{report:?}");
    if std::env::var("CDNSIM_REGEN").as_deref() == Ok("1") {
        std::fs::write(SHIPPED, &text).expect("write topologies/cities.csv");
        eprintln!("wrote {SHIPPED}");
    }
    assert!(report.rows >= 1000, "{report:?}");
    assert!(
        report.unmapped.len() * 100 <= report.pops,
        "more than 1% of PoPs unmapped: {:?}",
        report.unmapped
    );
    let shipped = std::fs::read_to_string(SHIPPED).expect("read shipped table");
    assert!(
        shipped == text,
        "topologies/cities.csv differs from the rebuilt table; rerun with CDNSIM_REGEN=1"
    );
}
