//! AS-level topology: autonomous systems, their business relationships,
//! and (elsewhere in this module) their geography.

pub mod graph;

pub use graph::{AsGraph, AsGraphBuilder, AsIdx, Asn, LinkRel, Rel};
