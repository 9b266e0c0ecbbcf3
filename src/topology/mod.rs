//! AS-level topology: autonomous systems, their business relationships,
//! and their geography.
//!
//! - [`graph`]: the compact AS graph ([`AsGraph`]) and its builder;
//! - [`caida`]: CAIDA as-rel loader (serial-1/2, plain or bz2) and writer;
//! - [`geography`]: AS footprints and link interconnection cities
//!   ([`Geography`]), from a file, the generator, or a placement heuristic;
//! - [`generate`]: the seeded synthetic Internet generator;
//! - [`stats`]: degree, customer-cone and path-length statistics.

pub mod caida;
pub mod generate;
pub mod geography;
pub mod graph;
pub mod stats;

pub use geography::Geography;
pub use graph::{AsGraph, AsGraphBuilder, AsIdx, Asn, BuildReport, LinkRel, Rel};
