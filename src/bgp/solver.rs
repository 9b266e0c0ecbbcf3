//! The fast AS-level solver: the classic three phases in O(V + E + L).
//!
//! With Gao-Rexford preferences (class first, then path length, then the
//! tie-break) the converged state is reached by:
//!
//! 1. **Up**: origins announce to providers; customer routes climb the
//!    customer->provider cone. Within a class the shortest path wins and
//!    prepending makes some first hops longer than one, so the walk is a
//!    Dijkstra with integer weights done with buckets by path length
//!    (Dial's algorithm): an AS is settled when its bucket is reached, after
//!    every shorter candidate has been offered, and equal-length offers are
//!    ranked by the tie-break as they arrive.
//! 2. **Across**: every AS with an origin or customer route offers it to its
//!    peers (one hop; siblings are treated as peers). An AS with a customer
//!    route ignores peer offers (lower class).
//! 3. **Down**: every AS with a route offers it to its customers; a provider
//!    route only lands on an AS with no better class, again by buckets so
//!    that the shortest provider route wins.
//!
//! Loop prevention: an offer that would win is rejected if the receiving AS
//! is already on the offered path (the offering AS is settled, so its path
//! is final and walked through next-hop pointers). With class-ordered
//! preference and an acyclic customer->provider relation a loop never wins
//! anyway, but the check keeps the result right on graphs with p2c cycles.
//!
//! Preconditions: no local-pref overrides (they can rank a route above its
//! class, which breaks the phase order); [`super::solve`] sends those to the
//! general fixed-point solver in [`super::reference`].

use super::decision::Learned;
use super::policy::{Session, Sessions};
use super::routes::{NONE, Routes, Slot};
use crate::topology::{AsGraph, AsIdx};

const ORIGIN: u8 = Learned::Origin as u8;
const CUSTOMER: u8 = Learned::Customer as u8;
const PEER: u8 = Learned::Peer as u8;
const PROVIDER: u8 = Learned::Provider as u8;

/// Buckets of AS indices by path length.
struct Buckets {
    b: Vec<Vec<u32>>,
}

impl Buckets {
    fn new() -> Self {
        Buckets { b: Vec::new() }
    }
    #[inline]
    fn push(&mut self, len: u32, i: u32) {
        let l = len as usize;
        if self.b.len() <= l {
            self.b.resize_with(l + 1, Vec::new);
        }
        self.b[l].push(i);
    }
}

struct State<'a> {
    graph: &'a AsGraph,
    sessions: &'a Sessions,
    keys: &'a [u64],
    slots: Vec<Slot>,
}

impl State<'_> {
    /// True when `v` is on the (settled) path from `from` to its origin.
    fn on_path(&self, from: u32, v: u32) -> bool {
        let mut cur = from;
        let mut steps = 0u32;
        while cur != NONE && steps <= self.slots[from as usize].len {
            if cur == v {
                return true;
            }
            cur = self.slots[cur as usize].next;
            steps += 1;
        }
        false
    }

    /// Offers `from`'s route to `v` as a route of class `class` and length
    /// `len`. Returns true if `v`'s length or class changed (re-bucket).
    #[inline]
    fn offer(&mut self, v: u32, class: u8, len: u32, from: u32, no_export: bool) -> bool {
        let s = self.slots[v as usize];
        if s.class > class {
            return false;
        }
        if s.class == class {
            if len > s.len {
                return false;
            }
            if len == s.len && self.keys[from as usize] >= self.keys[s.next as usize] {
                return false;
            }
        }
        if self.on_path(from, v) {
            return false;
        }
        let rebucket = s.class != class || s.len != len;
        self.slots[v as usize] = Slot {
            len,
            next: from,
            origin: self.slots[from as usize].origin,
            class,
            no_export,
        };
        rebucket
    }

    fn origin_sessions(&self, u: u32) -> &[Session] {
        self.sessions
            .origin(AsIdx(u))
            .map_or(&[][..], |o| &o.sessions[..])
    }
}

/// Solves one prefix. `keys` are the tie-break keys per AS (lower wins).
pub(crate) fn solve_fast(graph: &AsGraph, sessions: &Sessions, keys: &[u64]) -> Vec<Slot> {
    let n = graph.len();
    let mut st = State {
        graph,
        sessions,
        keys,
        slots: vec![Slot::EMPTY; n],
    };
    let mut buckets = Buckets::new();
    for o in &sessions.origins {
        st.slots[o.idx.ix()] = Slot {
            len: 1,
            next: NONE,
            origin: o.idx.0,
            class: ORIGIN,
            no_export: false,
        };
        buckets.push(1, o.idx.0);
    }

    // Phase 1: up the customer->provider cone.
    let mut l = 0;
    while l < buckets.b.len() {
        let bucket = std::mem::take(&mut buckets.b[l]);
        for &u in &bucket {
            let s = st.slots[u as usize];
            if s.len as usize != l || s.no_export {
                continue;
            }
            if s.class == ORIGIN {
                for k in 0..st.origin_sessions(u).len() {
                    let se = st.origin_sessions(u)[k];
                    if se.rel != crate::topology::Rel::Provider {
                        continue;
                    }
                    let len = s.len + 1 + se.prepend;
                    if st.offer(se.neighbour.0, CUSTOMER, len, u, se.no_export) {
                        buckets.push(len, se.neighbour.0);
                    }
                }
            } else {
                for &p in st.graph.providers(AsIdx(u)) {
                    if st.offer(p.0, CUSTOMER, s.len + 1, u, false) {
                        buckets.push(s.len + 1, p.0);
                    }
                }
            }
        }
        l += 1;
    }

    // Phase 2: one peer hop from every origin or customer route.
    for u in 0..n as u32 {
        let s = st.slots[u as usize];
        if s.class < CUSTOMER || s.no_export {
            continue;
        }
        if s.class == ORIGIN {
            for k in 0..st.origin_sessions(u).len() {
                let se = st.origin_sessions(u)[k];
                if !matches!(
                    se.rel,
                    crate::topology::Rel::Peer | crate::topology::Rel::Sibling
                ) {
                    continue;
                }
                st.offer(
                    se.neighbour.0,
                    PEER,
                    s.len + 1 + se.prepend,
                    u,
                    se.no_export,
                );
            }
        } else {
            let g = st.graph;
            for &q in g.peers(AsIdx(u)).iter().chain(g.siblings(AsIdx(u))) {
                st.offer(q.0, PEER, s.len + 1, u, false);
            }
        }
    }

    // Phase 3: down to customers, shortest provider route first.
    for (i, s) in st.slots.iter().enumerate() {
        if s.class != 0 {
            buckets.push(s.len, i as u32);
        }
    }
    let mut l = 0;
    while l < buckets.b.len() {
        let bucket = std::mem::take(&mut buckets.b[l]);
        for &u in &bucket {
            let s = st.slots[u as usize];
            if s.len as usize != l || s.no_export {
                continue;
            }
            if s.class == ORIGIN {
                for k in 0..st.origin_sessions(u).len() {
                    let se = st.origin_sessions(u)[k];
                    if se.rel != crate::topology::Rel::Customer {
                        continue;
                    }
                    let len = s.len + 1 + se.prepend;
                    if st.offer(se.neighbour.0, PROVIDER, len, u, se.no_export) {
                        buckets.push(len, se.neighbour.0);
                    }
                }
            } else {
                for &c in st.graph.customers(AsIdx(u)) {
                    if st.offer(c.0, PROVIDER, s.len + 1, u, false) {
                        buckets.push(s.len + 1, c.0);
                    }
                }
            }
        }
        l += 1;
    }
    st.slots
}

/// Convenience for the public API.
pub(crate) fn routes_fast(
    graph: &AsGraph,
    sessions: Sessions,
    tiebreak: super::TieBreak,
) -> Routes {
    let keys = tiebreak.keys(graph);
    let slots = solve_fast(graph, &sessions, &keys);
    Routes {
        slots,
        sessions,
        tiebreak,
    }
}
