//! The general solver: a fixed point of the per-AS decision process.
//!
//! Every AS keeps its whole best AS path. Sweeps go over the ASes in index
//! order; each AS rebuilds its Adj-RIB-In from its neighbours' current best
//! routes (valley-free export, no-export, the origins' sessions, loop
//! prevention on import), runs [`compare`] over it and keeps the winner.
//! Sweeps repeat until nothing changes, within a budget.
//!
//! It is slow (a sweep is O(E x path length)) but makes no assumption on
//! the order preferences impose, so it handles local-pref overrides that the
//! three-phase solver cannot, and it is the oracle the fast solver is
//! property-tested against. Policies with a dispute wheel may never settle:
//! the budget turns that into [`BgpError::NoConvergence`].

use super::BgpError;
use super::decision::{Candidate, Learned, compare};
use super::policy::Sessions;
use super::routes::{NONE, Routes, Slot};
use crate::topology::{AsGraph, AsIdx};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Best {
    learned: Learned,
    /// This AS first, the origin last, prepends repeated.
    path: Vec<AsIdx>,
    no_export: bool,
}

/// Solves by sweeping to a fixed point; at most `max_sweeps` sweeps.
pub(crate) fn solve_reference(
    graph: &AsGraph,
    sessions: &Sessions,
    keys: &[u64],
    max_sweeps: usize,
) -> Result<Vec<Slot>, BgpError> {
    let n = graph.len();
    let mut best: Vec<Option<Best>> = vec![None; n];
    for o in &sessions.origins {
        best[o.idx.ix()] = Some(Best {
            learned: Learned::Origin,
            path: vec![o.idx],
            no_export: false,
        });
    }
    let mut sweeps = 0;
    loop {
        if sweeps >= max_sweeps {
            return Err(BgpError::NoConvergence { sweeps });
        }
        sweeps += 1;
        let mut changed = false;
        for v in graph.indices() {
            if sessions.origin(v).is_some() {
                continue;
            }
            let mut chosen: Option<(Candidate, Best)> = None;
            for (u, rel_of_u) in graph.neighbours(v) {
                let Some(bu) = &best[u.ix()] else { continue };
                if bu.no_export {
                    continue;
                }
                let Some(v_to_u) = graph.rel(u, v) else {
                    continue;
                };
                if !bu.learned.exports_to(v_to_u) {
                    continue;
                }
                let learned = Learned::from_rel(rel_of_u);
                // v's import policy toward u, else the class default; an
                // origin session's own local-pref wins over both.
                let default_lp = sessions.import_lp(v, u).unwrap_or(learned.local_pref());
                let (prepend, local_pref, no_export) = if bu.learned == Learned::Origin {
                    let Some(s) = sessions.session(u, v) else {
                        continue;
                    };
                    (s.prepend, s.local_pref.unwrap_or(default_lp), s.no_export)
                } else {
                    (0, default_lp, false)
                };
                if bu.path.contains(&v) {
                    continue;
                }
                let cand = Candidate {
                    local_pref,
                    path_len: bu.path.len() as u32 + 1 + prepend,
                    key: keys[u.ix()],
                    neighbour: Some(u),
                };
                if chosen
                    .as_ref()
                    .is_some_and(|(c, _)| compare(c, &cand).0 != Ordering::Greater)
                {
                    continue;
                }
                let mut path = Vec::with_capacity(cand.path_len as usize);
                path.push(v);
                path.extend(std::iter::repeat_n(u, prepend as usize));
                path.extend_from_slice(&bu.path);
                chosen = Some((
                    cand,
                    Best {
                        learned,
                        path,
                        no_export,
                    },
                ));
            }
            let new = chosen.map(|(_, b)| b);
            if best[v.ix()] != new {
                best[v.ix()] = new;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(best
        .into_iter()
        .map(|b| match b {
            None => Slot::EMPTY,
            Some(b) => Slot {
                len: b.path.len() as u32,
                next: if b.learned == Learned::Origin {
                    NONE
                } else {
                    b.path[1].0
                },
                origin: b.path[b.path.len() - 1].0,
                class: b.learned as u8,
                no_export: b.no_export,
            },
        })
        .collect())
}

/// Convenience for the public API.
pub(crate) fn routes_reference(
    graph: &AsGraph,
    sessions: Sessions,
    tiebreak: super::TieBreak,
    max_sweeps: usize,
) -> Result<Routes, BgpError> {
    let keys = tiebreak.keys(graph);
    let slots = solve_reference(graph, &sessions, &keys, max_sweeps)?;
    Ok(Routes {
        slots,
        sessions,
        tiebreak,
    })
}
