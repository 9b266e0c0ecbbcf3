//! Trace bytes through both readers (oracleGeneral binary and CSV): any
//! input must give a trace or a one-line InputError, never a panic.
#![no_main]
use cdnsim::trace::{OracleGeneral, csv::parse_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match OracleGeneral::from_bytes(data.to_vec(), "fuzz.oracleGeneral.bin") {
        Ok(t) => {
            assert_eq!(t.requests().count(), t.len());
            assert_eq!(t.id_sizes().count(), t.len());
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
    match parse_csv(data, "fuzz.csv") {
        Ok(t) => {
            assert!(t.client_of.is_empty() || t.client_of.len() == t.requests.len());
            assert!(t.region_of.is_empty() || t.region_of.len() == t.requests.len());
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
});
