//! The converged routes of one prefix: one best route per AS, stored as a
//! parent pointer (the next-hop neighbour) plus the path length, so a whole
//! solution for the 78k-AS Internet takes 16 bytes per AS. AS paths are
//! rebuilt on demand by following next hops to the origin.

use super::decision::{Candidate, Learned, Step, TieBreak, compare, reason};
use super::policy::Sessions;
use crate::topology::{AsGraph, AsIdx, Asn, Rel};
use std::cmp::Ordering;

pub(crate) const NONE: u32 = u32::MAX;

/// One AS's best route, packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// AS-path length including this AS and prepends (0: no route).
    pub len: u32,
    /// Next-hop neighbour ([`NONE`] for an origin or no route).
    pub next: u32,
    /// The origin the path ends at ([`NONE`]: no route).
    pub origin: u32,
    /// `Learned as u8`, 0 for no route.
    pub class: u8,
    /// Learned with NO_EXPORT: used, not announced further.
    pub no_export: bool,
}

impl Slot {
    pub const EMPTY: Slot = Slot {
        len: 0,
        next: NONE,
        origin: NONE,
        class: 0,
        no_export: false,
    };
}

/// A view of one AS's best route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub learned: Learned,
    /// AS-path length, counting this AS and prepends.
    pub path_len: u32,
    /// The neighbour traffic is handed to (None for an origin).
    pub next_hop: Option<AsIdx>,
    /// The announcing AS the path ends at.
    pub origin: AsIdx,
    pub no_export: bool,
}

/// Best routes of one prefix at every AS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routes {
    pub(crate) slots: Vec<Slot>,
    pub(crate) sessions: Sessions,
    pub(crate) tiebreak: TieBreak,
}

impl Routes {
    pub fn len(&self) -> usize {
        self.slots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    pub fn tiebreak(&self) -> TieBreak {
        self.tiebreak
    }
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The best route at `i`, if it has one.
    pub fn route(&self, i: AsIdx) -> Option<Route> {
        let s = self.slots[i.ix()];
        let learned = match s.class {
            1 => Learned::Provider,
            2 => Learned::Peer,
            3 => Learned::Customer,
            4 => Learned::Origin,
            _ => return None,
        };
        Some(Route {
            learned,
            path_len: s.len,
            next_hop: (s.next != NONE).then_some(AsIdx(s.next)),
            origin: AsIdx(s.origin),
            no_export: s.no_export,
        })
    }

    /// Number of ASes with a route.
    pub fn reached(&self) -> usize {
        self.slots.iter().filter(|s| s.class != 0).count()
    }

    /// The AS path at `i` as indices: `i` first, the origin last, prepended
    /// copies of the origin included. Empty when `i` has no route.
    pub fn path(&self, i: AsIdx) -> Vec<AsIdx> {
        let mut out = Vec::new();
        if self.slots[i.ix()].class == 0 {
            return out;
        }
        out.push(i);
        let mut cur = i;
        // Bounded by the stored length, so a corrupt state cannot spin.
        while out.len() < self.slots[i.ix()].len as usize {
            let nx = self.slots[cur.ix()].next;
            if nx == NONE {
                break;
            }
            let nx = AsIdx(nx);
            out.push(nx);
            if self.slots[nx.ix()].class == Learned::Origin as u8 {
                let k = self.sessions.session(nx, cur).map_or(0, |s| s.prepend);
                out.extend(std::iter::repeat_n(nx, k as usize));
                break;
            }
            cur = nx;
        }
        out
    }

    /// The AS path at `i` as ASNs (see [`Routes::path`]).
    pub fn as_path(&self, graph: &AsGraph, i: AsIdx) -> Vec<Asn> {
        self.path(i).into_iter().map(|x| graph.asn(x)).collect()
    }

    /// Heap memory held \[bytes\].
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// Every route `i` receives from its neighbours (its Adj-RIB-In after
    /// import), each with the step at which it lost to the best route, best
    /// first. Routes rejected by loop prevention are listed with `lost` =
    /// `Rejected::Loop`.
    pub fn explain(&self, graph: &AsGraph, i: AsIdx) -> Explanation {
        let best = self.route(i).map(|r| self.candidate_of(graph, i, &r));
        let mut alternatives = Vec::new();
        for (nb, rel) in graph.neighbours(i) {
            let Some(offer) = self.offer(graph, nb, i, rel) else {
                continue;
            };
            let looped = self.path(nb).contains(&i);
            if best.is_some_and(|b| b.neighbour == Some(nb)) && !looped {
                continue;
            }
            let lost = if looped {
                Lost::Loop
            } else {
                match best {
                    Some(b) => match compare(&b, &offer) {
                        (Ordering::Less, Some(step)) => Lost::At {
                            step,
                            reason: reason(step, &b, &offer, graph),
                        },
                        // Cannot happen in a converged state; say so plainly.
                        _ => Lost::NotLost,
                    },
                    None => Lost::NotLost,
                }
            };
            alternatives.push(Alternative {
                neighbour: nb,
                learned: Learned::from_rel(rel),
                path_len: offer.path_len,
                lost,
            });
        }
        alternatives.sort_by(|a, b| {
            a.lost
                .step()
                .cmp(&b.lost.step())
                .reverse()
                .then(a.neighbour.cmp(&b.neighbour))
        });
        Explanation {
            at: i,
            best: self.route(i),
            alternatives,
        }
    }

    fn candidate_of(&self, graph: &AsGraph, i: AsIdx, r: &Route) -> Candidate {
        let local_pref = match (r.learned, r.next_hop) {
            (Learned::Origin, _) | (_, None) => r.learned.local_pref(),
            (l, Some(nb)) => self
                .sessions
                .session(nb, i)
                .filter(|_| self.slots[nb.ix()].class == Learned::Origin as u8)
                .and_then(|s| s.local_pref)
                .or_else(|| self.sessions.import_lp(i, nb))
                .unwrap_or(l.local_pref()),
        };
        Candidate {
            local_pref,
            path_len: r.path_len,
            key: r.next_hop.map_or(0, |n| self.tiebreak.key(graph, n)),
            neighbour: r.next_hop,
        }
    }

    /// What `from` announces to `to` (who is `rel_of_from` to `to`), as seen by `to`.
    pub(crate) fn offer(
        &self,
        graph: &AsGraph,
        from: AsIdx,
        to: AsIdx,
        rel_of_from: Rel,
    ) -> Option<Candidate> {
        let r = self.route(from)?;
        if r.no_export {
            return None;
        }
        // What `to` is to `from`.
        let to_rel = match rel_of_from {
            Rel::Customer => Rel::Provider,
            Rel::Provider => Rel::Customer,
            r => r,
        };
        if !r.learned.exports_to(to_rel) {
            return None;
        }
        let learned = Learned::from_rel(rel_of_from);
        let default_lp = self
            .sessions
            .import_lp(to, from)
            .unwrap_or(learned.local_pref());
        let (extra, local_pref) = if r.learned == Learned::Origin {
            let s = self.sessions.session(from, to)?;
            (s.prepend, s.local_pref.unwrap_or(default_lp))
        } else {
            (0, default_lp)
        };
        Some(Candidate {
            local_pref,
            path_len: r.path_len + 1 + extra,
            key: self.tiebreak.key(graph, from),
            neighbour: Some(from),
        })
    }
}

/// Why an alternative route was not chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lost {
    /// Lost to the best route at this step.
    At { step: Step, reason: String },
    /// Rejected on import: the path already contains this AS.
    Loop,
    /// Not worse than the best (only when the AS has no best route).
    NotLost,
}

impl Lost {
    fn step(&self) -> Option<Step> {
        match self {
            Lost::At { step, .. } => Some(*step),
            _ => None,
        }
    }
}

/// One route an AS received but did not choose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    pub neighbour: AsIdx,
    pub learned: Learned,
    pub path_len: u32,
    pub lost: Lost,
}

/// The best route at an AS and every alternative it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub at: AsIdx,
    pub best: Option<Route>,
    pub alternatives: Vec<Alternative>,
}

impl Explanation {
    /// Human-readable lines.
    pub fn render(&self, graph: &AsGraph, routes: &Routes) -> String {
        let mut s = String::new();
        let path = |i: AsIdx| {
            routes
                .as_path(graph, i)
                .iter()
                .map(|a| a.0.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self.best {
            Some(b) => s.push_str(&format!(
                "{}: best {} route [{}]\n",
                graph.asn(self.at),
                b.learned,
                path(self.at)
            )),
            None => s.push_str(&format!("{}: no route\n", graph.asn(self.at))),
        }
        for a in &self.alternatives {
            let why = match &a.lost {
                Lost::At { reason, .. } => reason.clone(),
                Lost::Loop => "rejected: AS path loop".into(),
                Lost::NotLost => "not worse".into(),
            };
            s.push_str(&format!(
                "  via {} ({} route, {} hops): {}\n",
                graph.asn(a.neighbour),
                a.learned,
                a.path_len - 1,
                why
            ));
        }
        s
    }
}
