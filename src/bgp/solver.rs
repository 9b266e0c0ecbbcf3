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
//! class, which breaks the phase order). Overrides that stay within their
//! relationship class ([`overrides_within_class`]) go to [`solve_ordered`],
//! the same phases walked in topological order instead of by length;
//! [`super::solve`] sends any other override to the general fixed-point
//! solver in [`super::reference`].

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

impl<'a> State<'a> {
    /// No routes yet but the origins' own (length 1).
    fn seeded(graph: &'a AsGraph, sessions: &'a Sessions, keys: &'a [u64]) -> State<'a> {
        let mut slots = vec![Slot::EMPTY; graph.len()];
        for o in &sessions.origins {
            slots[o.idx.ix()] = Slot {
                len: 1,
                next: NONE,
                origin: o.idx.0,
                class: ORIGIN,
                no_export: false,
            };
        }
        State {
            graph,
            sessions,
            keys,
            slots,
        }
    }

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
    let mut st = State::seeded(graph, sessions, keys);
    let mut buckets = Buckets::new();
    for o in &sessions.origins {
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

/// Largest distance of a local-pref from its class's default that keeps
/// it inside the class (classes are 100 apart), as churn and `local-pref`
/// events produce.
pub(crate) const MAX_WITHIN_CLASS_OFFSET: u32 = 49;

/// True when every local-pref override (import policies and origin
/// sessions' own) stays within the relationship class of the neighbour it
/// applies to: such overrides re-rank neighbours only inside their class,
/// so the class order of Gao-Rexford still holds and [`solve_ordered`]
/// applies.
pub(crate) fn overrides_within_class(graph: &AsGraph, sessions: &Sessions) -> bool {
    let within = |at: AsIdx, from: AsIdx, lp: u32| {
        graph.rel(at, from).is_some_and(|rel| {
            Learned::from_rel(rel).local_pref().abs_diff(lp) <= MAX_WITHIN_CLASS_OFFSET
        })
    };
    sessions.imports.iter().all(|&(a, n, lp)| within(a, n, lp))
        && sessions.origins.iter().all(|o| {
            o.sessions
                .iter()
                .all(|s| s.local_pref.is_none_or(|lp| within(s.neighbour, o.idx, lp)))
        })
}

/// ASes ordered customers before providers (Kahn's algorithm on the
/// customer->provider relation, lowest index first among the ready), or
/// None when that relation has a cycle.
fn customers_first(graph: &AsGraph) -> Option<Vec<u32>> {
    let n = graph.len();
    let mut pending: Vec<u32> = graph
        .indices()
        .map(|a| graph.customers(a).len() as u32)
        .collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&a| pending[a as usize] == 0)
        .collect();
    let mut k = 0;
    while k < order.len() {
        let a = order[k];
        for &p in graph.providers(AsIdx(a)) {
            pending[p.ix()] -= 1;
            if pending[p.ix()] == 0 {
                order.push(p.0);
            }
        }
        k += 1;
    }
    (order.len() == n).then_some(order)
}

/// Solves one prefix whose local-pref overrides stay within their classes
/// ([`overrides_within_class`]). The three phases hold (a customer route
/// beats any peer route, which beats any provider route), but inside a
/// class a higher local-pref can prefer a longer path, so the phases are
/// not walked by path length: the customer phase visits ASes in
/// topological order of the customer->provider DAG (customers first), so
/// that every customer's route is final when its providers choose; the
/// peer phase is one hop from those routes; the provider phase visits
/// providers first. Each AS picks the best offer by the whole decision
/// process (local-pref, AS-path length, tie-break key), with loop
/// prevention on import. None when the customer->provider relation has a
/// cycle (no such order): the caller falls back to the fixed point.
pub(crate) fn solve_ordered(
    graph: &AsGraph,
    sessions: &Sessions,
    keys: &[u64],
) -> Option<Vec<Slot>> {
    let order = customers_first(graph)?;
    let n = graph.len();
    let mut st = State::seeded(graph, sessions, keys);
    // Phase 1: customer routes, customers first.
    for &v in &order {
        if st.slots[v as usize].class == ORIGIN {
            continue;
        }
        let best = st.best_offer(v, st.graph.customers(AsIdx(v)), CUSTOMER, |c| c >= CUSTOMER);
        if let Some(s) = best {
            st.slots[v as usize] = s;
        }
    }
    // Phase 2: one peer hop from origin and customer routes (all final).
    let mut peer = Vec::new();
    for v in 0..n as u32 {
        if st.slots[v as usize].class >= CUSTOMER {
            continue;
        }
        let g = st.graph;
        let mut best: Option<Slot> = None;
        for nbs in [g.peers(AsIdx(v)), g.siblings(AsIdx(v))] {
            if let Some(s) = st.best_offer(v, nbs, PEER, |c| c >= CUSTOMER)
                && best.is_none_or(|b| st.better(v, &s, &b))
            {
                best = Some(s);
            }
        }
        if let Some(s) = best {
            peer.push((v, s));
        }
    }
    for (v, s) in peer {
        st.slots[v as usize] = s;
    }
    // Phase 3: provider routes, providers first.
    for &v in order.iter().rev() {
        if st.slots[v as usize].class != 0 {
            continue;
        }
        let best = st.best_offer(v, st.graph.providers(AsIdx(v)), PROVIDER, |c| c != 0);
        if let Some(s) = best {
            st.slots[v as usize] = s;
        }
    }
    Some(st.slots)
}

impl State<'_> {
    /// The local-pref `v` gives a route from `u` of class `class`: an
    /// origin session's own, else `v`'s import policy, else the class's.
    fn local_pref(&self, v: u32, u: u32, class: u8, session_lp: Option<u32>) -> u32 {
        session_lp
            .or_else(|| self.sessions.import_lp(AsIdx(v), AsIdx(u)))
            .unwrap_or(u32::from(class) * 100)
    }

    /// True when candidate `a` beats `b` at `v` (both of one class).
    fn better(&self, v: u32, a: &Slot, b: &Slot) -> bool {
        let (la, lb) = (self.lp_of(v, a), self.lp_of(v, b));
        if la != lb {
            return la > lb;
        }
        if a.len != b.len {
            return a.len < b.len;
        }
        self.keys[a.next as usize] < self.keys[b.next as usize]
    }

    fn lp_of(&self, v: u32, s: &Slot) -> u32 {
        let u = s.next;
        let session_lp = if self.slots[u as usize].class == ORIGIN {
            self.sessions
                .session(AsIdx(u), AsIdx(v))
                .and_then(|se| se.local_pref)
        } else {
            None
        };
        self.local_pref(v, u, s.class, session_lp)
    }

    /// The best route `v` can learn, as class `class`, from the neighbours
    /// `nbs` whose (final) routes have a class accepted by `exports`.
    fn best_offer(
        &self,
        v: u32,
        nbs: &[AsIdx],
        class: u8,
        exports: impl Fn(u8) -> bool,
    ) -> Option<Slot> {
        let mut best: Option<(u32, Slot)> = None;
        for &u in nbs {
            let su = self.slots[u.ix()];
            if su.class == 0 || su.no_export || !exports(su.class) {
                continue;
            }
            let (len, no_export, session_lp) = if su.class == ORIGIN {
                let Some(se) = self.sessions.session(u, AsIdx(v)) else {
                    continue;
                };
                (su.len + 1 + se.prepend, se.no_export, se.local_pref)
            } else {
                (su.len + 1, false, None)
            };
            let lp = self.local_pref(v, u.0, class, session_lp);
            let wins = match &best {
                None => true,
                Some((blp, b)) => {
                    lp > *blp
                        || (lp == *blp
                            && (len < b.len
                                || (len == b.len
                                    && self.keys[u.ix()] < self.keys[b.next as usize])))
                }
            };
            if !wins || self.on_path(u.0, v) {
                continue;
            }
            best = Some((
                lp,
                Slot {
                    len,
                    next: u.0,
                    origin: su.origin,
                    class,
                    no_export,
                },
            ));
        }
        best.map(|b| b.1)
    }
}
