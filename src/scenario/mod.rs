//! Scenario files: plain serde data, read once and validated into a typed
//! [`RunConfig`].
//!
//! A scenario is TOML (or JSON, by the `.json` extension). Unknown keys are
//! rejected. Quantities use human units (`250ms`, `2GB`, `200/s`, `5%`,
//! `500km`). Every key, its unit and its default is documented in
//! `docs/scenario.md`; the defaults are the `DEFAULT_*` constants below.
//!
//! Reading goes: text -> generic table -> `--set` overrides -> [`raw`]
//! structs (serde, with the field path of any error) -> [`validate`] ->
//! [`RunConfig`]. Every error is an [`crate::InputError`] naming the file,
//! the line:column when known, the field path and what would be valid.

pub mod events;
pub mod load;
pub mod memory;
pub mod raw;
pub mod study;
pub mod tiers;
pub mod transport;
pub mod validate;

pub use load::{Loaded, load_file, load_str};
pub use validate::{RunConfig, validate};

use crate::time::SimDuration;

/// Default time-series interval.
pub const DEFAULT_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// Default server-side processing time at an edge cache.
pub const DEFAULT_EDGE_PROCESSING: SimDuration = SimDuration::from_micros(500);
/// Default origin processing time (time to first byte at the origin).
pub const DEFAULT_ORIGIN_PROCESSING: SimDuration = SimDuration::from_millis(20);
/// The CDN's AS number when the scenario gives none (RFC 5398
/// documentation range).
pub const DEFAULT_CDN_ASN: u32 = 64500;
/// Transit providers per PoP when a PoP lists none.
pub const DEFAULT_TRANSIT_PER_POP: u32 = 2;
/// Largest catalog accepted (objects), to keep memory bounded: object sizes
/// are drawn once per object and kept (8 bytes each).
pub const MAX_CATALOG_OBJECTS: u64 = 200_000_000;

/// The effective configuration to write into a run folder, with every input
/// path (topology, geography, empirical size files) rewritten to be
/// relative to `out_dir`, so the written `config.toml` validates and runs
/// from where it is. `scenario_file` is the scenario's path as given.
pub fn effective_for_output(
    effective: &raw::Scenario,
    scenario_file: &std::path::Path,
    out_dir: &std::path::Path,
) -> raw::Scenario {
    let base = scenario_file.parent().unwrap_or(std::path::Path::new(""));
    let rebase = |p: &str| -> String {
        let abs = absolute(&base.join(p));
        relative_path(&absolute(out_dir), &abs)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut e = effective.clone();
    if let Some(w) = &mut e.world {
        w.topology = rebase(&w.topology);
        if let Some(g) = &mut w.geography {
            *g = rebase(g);
        }
    }
    if let Some(t) = &mut e.workload.trace {
        t.file = rebase(&t.file);
    }
    for c in &mut e.workload.catalogs {
        if let raw::SizeDist::Empirical { file } = &mut c.size {
            *file = rebase(file);
        }
    }
    e
}

/// `p` made absolute against the current directory, `.`/`..` removed
/// lexically (no symlinks resolved, so it works for paths not yet created).
fn absolute(p: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = std::path::PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path from folder `from` to `to` (both absolute and normalised).
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> std::path::PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(
            relative_path(Path::new("/a/b/c"), Path::new("/a/x/y.txt")),
            Path::new("../../x/y.txt")
        );
        assert_eq!(
            relative_path(Path::new("/a"), Path::new("/a/y.txt")),
            Path::new("y.txt")
        );
        assert_eq!(absolute(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
    }
}
