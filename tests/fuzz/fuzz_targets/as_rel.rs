//! CAIDA as-rel bytes (plain, or bzip2 when they start with `BZh`): any
//! input must give a graph or a one-line InputError, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match cdnsim::topology::caida::parse_any(data, "fuzz.as-rel.txt") {
        Ok((g, report)) => {
            let _ = report.warnings();
            // The graph answers what it was built from.
            for a in g.indices() {
                assert_eq!(g.idx(g.asn(a)), Some(a));
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
});
