//! The city table and the latency fit are reproducible from ../shared/data.

use cdnsim::geo::build::{BuildOptions, build_cities_csv};
use std::path::PathBuf;

/// `../shared/data`, or `$CDNSIM_SHARED_DATA` when set (a worktree elsewhere).
fn data_dir() -> Option<PathBuf> {
    cdnsim::reference_data::dir().filter(|d| d.join("geo").is_dir())
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

#[test]
fn latency_fit_matches_defaults() {
    use cdnsim::geo::fit::{fit, load_wonderproxy, relative_errors};
    use cdnsim::geo::latency::*;
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is absent");
        return;
    };
    if !dir.join("latency").is_dir() {
        eprintln!("skipped: ../shared/data/latency is absent");
        return;
    }
    let pairs = load_wonderproxy(&dir).expect("load WonderProxy pairs");
    let f = fit(&pairs).expect("fit");
    eprintln!("{f:#?}");
    let m = LatencyModel::default();
    let (med, p90) = relative_errors(&pairs, |km| 2.0 * m.one_way_direct_ms(km));
    eprintln!(
        "defaults on {} pairs: median abs rel error {:.4}, p90 {:.4}",
        pairs.len(),
        med,
        p90
    );
    let close = |a: f64, b: f64, tol: f64, what: &str| {
        assert!((a - b).abs() <= tol, "{what}: constant {a} vs fit {b}")
    };
    close(DEFAULT_STRETCH, f.stretch, 0.0005, "stretch");
    close(DEFAULT_PER_HOP_MS, f.per_hop_ms, 0.0005, "per-hop [ms]");
    close(DEFAULT_HOPS_BASE, f.hops_base, 0.005, "hops base");
    close(DEFAULT_HOP_SCALE_KM, f.hop_scale_km, 0.0, "hop scale [km]");
    close(
        DEFAULT_JITTER_MEAN_MS,
        f.jitter_mean_ms,
        0.0005,
        "jitter mean [ms]",
    );
    close(
        DEFAULT_JITTER_SD_MS,
        f.jitter_sd_ms,
        0.0005,
        "jitter sd [ms]",
    );
    // The rounded constants reproduce the fit's error.
    close(med, f.median_abs_rel_err, 0.001, "median error");
    close(p90, f.p90_abs_rel_err, 0.001, "p90 error");
}
