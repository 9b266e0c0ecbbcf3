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

pub mod load;
pub mod raw;
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
