//! Where tests and benchmarks find the shared reference data (CAIDA
//! relationships, city lists, measured RTTs, cache traces). cdnsim never
//! needs it to run; tests that use it skip with a printed reason when it is
//! absent.
//!
//! The folder is `$CDNSIM_SHARED_DATA` when set, else `../shared/data`
//! beside the repository.

use std::path::PathBuf;

/// Environment variable that points at the reference data folder.
pub const ENV: &str = "CDNSIM_SHARED_DATA";

/// The reference data folder, if it exists.
pub fn dir() -> Option<PathBuf> {
    let d = std::env::var_os(ENV).map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")),
        PathBuf::from,
    );
    d.is_dir().then_some(d)
}

/// A file or folder inside it, if present.
pub fn file(rel: &str) -> Option<PathBuf> {
    dir().map(|d| d.join(rel)).filter(|p| p.exists())
}

/// The `shared/` folder holding `data/` and `peers/` (the peer scripts).
pub fn shared_dir() -> Option<PathBuf> {
    dir()
        .and_then(|d| d.parent().map(PathBuf::from))
        .filter(|p| p.join("peers").is_dir())
}
