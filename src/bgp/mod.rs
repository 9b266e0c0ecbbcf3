//! BGP path selection: the static (converged-state) solvers and the
//! event-driven protocol.
//!
//! One prefix, announced by one or more origin ASes ([`Announcement`], with
//! per-origin and per-neighbour policy), is propagated over an [`AsGraph`]
//! and every AS ends with one best route ([`Routes`]): its class (the kind
//! of neighbour it was learned from), its AS path, its origin and next hop.
//!
//! - [`decision`] is the decision process as ordered steps that say why a
//!   route lost (local-pref by Gao-Rexford class, shortest AS path, tie-break).
//! - [`solver`] is the O(V + E) three-phase solver (up the customer cone,
//!   one peer hop, down to customers) with buckets by path length, and
//!   its variant for within-class local-pref overrides (phases walked in
//!   topological order of the customer->provider DAG).
//! - [`reference`](mod@reference) is a slow fixed-point solver of the same decision process,
//!   used for local-pref overrides that leave their class and as the fast
//!   solvers' oracle.
//! - [`egress`] picks each (AS, city) router's egress by hot-potato and
//!   follows a client's data-plane path to the answering origin.
//! - [`speaker`] is event-driven BGP, clock-free: every AS's speaker with
//!   an Adj-RIB-In per session, the same [`compare`], the same export
//!   rules, MRAI timers as data; `handle(now, input) -> effects`.
//! - [`dynamic`] drives the speakers on the engine (propagation, iBGP and
//!   processing delays), under an event / time budget, with counters.
//!   After quiescence its state equals the static solvers' (property
//!   tests in `dyn_tests.rs`).
//!
//! Modelling choices (see docs/bgp.md): routes are computed per AS and
//! hot-potato only moves traffic between equal-best neighbours; siblings
//! are treated as peers; only origins prepend. With the lowest-ASN
//! tie-break and no policy knobs the routes agree exactly with BGPy's `BGP`
//! policy (0 mismatches on the CAIDA 2025 graph).

pub mod decision;
#[cfg(test)]
mod dyn_tests;
pub mod dynamic;
pub mod egress;
pub mod policy;
#[cfg(test)]
mod proptests;
pub mod reference;
pub mod routes;
pub mod solver;
pub mod speaker;

pub use decision::{Candidate, Learned, Step, TieBreak, compare};
pub use policy::{
    AnnounceTo, Announcement, ImportLocalPref, NeighbourOverride, OriginPolicy, Sessions,
};
pub use routes::{Alternative, Explanation, Lost, Route, Routes};

use crate::topology::{AsGraph, Asn};

/// Errors of the BGP solver, naming the ASes involved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BgpError {
    #[error("origin {0} is not in the AS graph")]
    UnknownOrigin(Asn),
    #[error("origin {0} is listed twice")]
    DuplicateOrigin(Asn),
    #[error("{neighbour} is not a neighbour of origin {origin}")]
    NotANeighbour { origin: Asn, neighbour: Asn },
    #[error("{0} (an import local-pref) is not in the AS graph")]
    UnknownAs(Asn),
    #[error("{neighbour} is not a neighbour of {asn} (an import local-pref)")]
    NotLinked { asn: Asn, neighbour: Asn },
    #[error(
        "routes did not converge within {sweeps} sweeps (a dispute wheel in the local-pref overrides?)"
    )]
    NoConvergence { sweeps: usize },
}

impl From<BgpError> for crate::Error {
    fn from(e: BgpError) -> Self {
        match e {
            BgpError::NoConvergence { .. } => crate::Error::Runtime(e.to_string()),
            _ => crate::Error::Input(crate::InputError::new(
                "announcement",
                "origins",
                e.to_string(),
            )),
        }
    }
}

/// Which solver to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// The three-phase solver; with local-pref overrides that stay within
    /// their relationship classes, the three phases in topological order
    /// (`solver::solve_ordered`); the fixed-point solver for any other
    /// override (or a customer->provider cycle with overrides).
    #[default]
    Auto,
    /// Always the fixed-point solver.
    Reference,
}

/// Solver options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveOptions {
    pub tiebreak: TieBreak,
    pub method: Method,
    /// Budget of the fixed-point solver \[sweeps over all ASes\].
    pub max_sweeps: usize,
}

/// Default budget of the fixed-point solver \[sweeps\].
pub const DEFAULT_MAX_SWEEPS: usize = 1000;

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            tiebreak: TieBreak::LowestAsn,
            method: Method::Auto,
            max_sweeps: DEFAULT_MAX_SWEEPS,
        }
    }
}

/// Solves one prefix: the best route of every AS.
pub fn solve(graph: &AsGraph, ann: &Announcement, opts: &SolveOptions) -> Result<Routes, BgpError> {
    let sessions = ann.compile(graph)?;
    if opts.method == Method::Reference {
        return reference::routes_reference(graph, sessions, opts.tiebreak, opts.max_sweeps);
    }
    if !sessions.has_local_pref_overrides() {
        return Ok(solver::routes_fast(graph, sessions, opts.tiebreak));
    }
    if solver::overrides_within_class(graph, &sessions) {
        let keys = opts.tiebreak.keys(graph);
        if let Some(slots) = solver::solve_ordered(graph, &sessions, &keys) {
            return Ok(Routes {
                slots,
                sessions,
                tiebreak: opts.tiebreak,
            });
        }
    }
    reference::routes_reference(graph, sessions, opts.tiebreak, opts.max_sweeps)
}
