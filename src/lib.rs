//! # cdnsim: a discrete-event simulator of anycast CDNs
//!
//! cdnsim answers questions such as "which PoP answers a Denver client, by
//! which AS path, and how slow is the tail?", "how much origin load does a
//! second shield tier save?" and "does DNS steering beat anycast here?" by
//! simulating the pieces that decide them, from the wire up.
//!
//! ## The layers, top down
//!
//! - **`cli`** parses the command line and calls one command per verb
//!   (`run`, `validate`, ...). Only `main` turns [`error::Error`] into a
//!   message and an exit code.
//! - **`scenario`** reads a TOML (or JSON) scenario into plain serde data,
//!   applies `--set` overrides, and validates it once into a typed run
//!   configuration. Errors name the file, line:column and field path.
//! - **`sim`** builds the world a scenario describes and runs its request
//!   model on the engine (steering, then the cache hierarchy: edges, upper
//!   tiers, coalescing, freshness, purge, push), feeding **`metrics`**,
//!   which **`output`** writes atomically into the run folder.
//! - **`sweep`** runs many points of one scenario (axes of `--set` values ×
//!   seeds) in parallel, each an ordinary run, and tabulates and plots
//!   their headline metrics; shards of a sweep run as a Slurm job array.
//! - The models below are clock-free: they take `now` and return effects.
//!   **`geo`** holds cities, great-circle distance and the latency model;
//!   **`workload`** the object catalogs and arrival processes; **`cache`**
//!   the eviction policies; **`dns`** resolvers, their caches and the
//!   authoritative's steering policies; **`transport`** a request's
//!   client-side time (handshakes, slow start, loss); **`capacity`** the
//!   PoPs' queues.
//! - **`engine`** owns the clock and the event queue and knows no protocol;
//!   **`rng`** derives every random stream from (seed, component label);
//!   **`time`** is integer nanoseconds; **`units`** parses human units.
//!
//! ## Invariants that are absences
//!
//! - No module reads the wall clock to decide anything simulated.
//! - No module draws randomness except through [`rng::Streams`].
//! - Iteration whose order could change a result never runs over a hash map.
//! - Reports are built from recorded metrics only.

// `unsafe` only where allowed by name: the signal handler
// (`cli::interrupt`) and the prefetch hint (`engine::prefetch`).
#![deny(unsafe_code)]

pub mod bgp;
pub mod cache;
pub mod capacity;
pub mod cli;
pub mod dns;
pub mod engine;
pub mod error;
pub mod geo;
pub mod http;
pub mod metrics;
pub mod output;
pub mod reference_data;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod study;
pub mod sweep;
pub mod time;
pub mod topology;
pub mod trace;
pub mod transport;
pub mod units;
pub mod workload;
pub mod world;

pub use error::{Error, InputError, Result};
