//! Event-driven BGP: the protocol state of every AS's speaker, clock-free.
//!
//! [`Network`] holds, for one prefix, the BGP state of every AS of an
//! [`AsGraph`] and reacts to one [`Input`] at a time, returning its
//! [`Effect`]s (updates to send, timers to arm, FIB changes): it never
//! reads a clock and schedules nothing itself. [`super::dynamic`] drives it
//! on the engine, adding propagation and processing delays.
//!
//! # What one AS holds (RFC 4271 §3.2)
//!
//! - **Adj-RIB-In per eBGP session.** A session is (neighbour,
//!   interconnection city). Sessions of an origin carry a city (the CDN's
//!   session at each PoP, each with its own prepend and NO_EXPORT); a
//!   transit AS has one AS-level route and no per-city policy, so the
//!   parallel sessions of one of its links always carry identical updates
//!   and are carried as one AS-level session ([`NO_CITY`]). The per-session
//!   routes of one neighbour are aggregated into the best of them (fewest
//!   prepends; NO_EXPORT only when every such session carries it), exactly
//!   as `world::prefix` does for the static solver.
//! - **Loc-RIB**: the best route, chosen by the same [`compare`] as the
//!   static solvers (local-pref by class or by the origin's session
//!   override, then AS-path length, then the tie-break key of the
//!   neighbour). Origins keep their own route while they originate.
//! - **Adj-RIB-Out per session**: what was last sent, so that only changes
//!   are sent. Export follows the static rules: valley-free
//!   ([`Learned::exports_to`]), NO_EXPORT routes are not exported, only
//!   origins prepend (per session), a route is not sent to an AS already on
//!   its path (sender-side loop prevention; the receiver also drops looped
//!   paths, RFC 4271 §9.1.2).
//! - **MRAI per session** (RFC 4271 §9.2.1.1): after an advertisement on a
//!   session, further advertisements on it wait until the timer expires;
//!   then the *current* route is sent if it differs from the last sent (so
//!   intermediate routes are never sent). The interval is `mrai` times a
//!   jitter factor fixed per session, uniform in \[0.75, 1.0\]. Withdrawals
//!   are not rate-limited unless `mrai_withdrawals` is set (RFC 4271 applies
//!   MRAI to advertisements; some implementations also delay withdrawals).
//!
//! # iBGP
//!
//! Full-mesh iBGP is abstracted as one AS-level RIB: every router of an AS
//! sees every eBGP route of the AS (after the driver's `ibgp_delay`), so
//! the AS-level class, path length and exported route are those of the
//! static model, and each router's forwarding entry (its egress) is the
//! hot-potato choice among the equal-best sessions ([`Network::egress`]),
//! exactly as [`super::egress`] picks it on the static routes.
//!
//! AS paths are interned ([`Paths`]): a path is (head AS, tail path), so a
//! route is one `u32` and two routes are equal iff their ids are.

use super::decision::{Candidate, Learned, Step, TieBreak, compare};
use super::egress::Interconnects;
use super::policy::Sessions;
use crate::geo::{Cities, CityId};
use crate::topology::{AsGraph, AsIdx, Rel};
use rustc_hash::FxHashMap;
use std::cmp::Ordering;

/// No path / no edge / no route.
pub const NONE: u32 = u32::MAX;
/// The AS-level session of a link (all its parallel sessions at once).
pub const NO_CITY: u32 = u32::MAX;
/// "Local-pref by relationship" in a session's override field.
pub const LP_BY_REL: u32 = u32::MAX;

/// Interned AS paths: node `i` is (head, tail, length).
#[derive(Clone, Debug, Default)]
pub struct Paths {
    nodes: Vec<(u32, u32, u32)>,
    index: FxHashMap<(u32, u32), u32>,
}

impl Paths {
    /// The path `head` followed by `tail` (`NONE`: just `head`).
    pub fn cons(&mut self, head: u32, tail: u32) -> u32 {
        // One hash and probe for both a hit and an insert.
        match self.index.entry((head, tail)) {
            std::collections::hash_map::Entry::Occupied(o) => *o.get(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let len = if tail == NONE {
                    1
                } else {
                    self.nodes[tail as usize].2 + 1
                };
                let id = self.nodes.len() as u32;
                self.nodes.push((head, tail, len));
                slot.insert(id);
                id
            }
        }
    }

    /// An empty arena with room for `n` paths before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let mut index = FxHashMap::default();
        index.reserve(n);
        Paths {
            nodes: Vec::with_capacity(n),
            index,
        }
    }
    /// Number of entries in the path (prepends included).
    #[inline]
    pub fn len(&self, id: u32) -> u32 {
        self.nodes[id as usize].2
    }
    #[inline]
    pub fn head(&self, id: u32) -> u32 {
        self.nodes[id as usize].0
    }
    /// True when `asn` is on the path.
    #[inline]
    pub fn contains(&self, mut id: u32, asn: u32) -> bool {
        while id != NONE {
            let (h, t, _) = self.nodes[id as usize];
            if h == asn {
                return true;
            }
            id = t;
        }
        false
    }
    /// The path as indices, first AS first.
    pub fn to_vec(&self, mut id: u32) -> Vec<AsIdx> {
        let mut v = Vec::new();
        while id != NONE {
            let (h, t, _) = self.nodes[id as usize];
            v.push(AsIdx(h));
            id = t;
        }
        v
    }
    /// The last AS of the path (the origin).
    pub fn last(&self, mut id: u32) -> u32 {
        let mut last = NONE;
        while id != NONE {
            let (h, t, _) = self.nodes[id as usize];
            last = h;
            id = t;
        }
        last
    }
    /// Interned nodes.
    pub fn interned(&self) -> usize {
        self.nodes.len()
    }
}

/// One origin's session toward one neighbour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OriginSession {
    pub neighbour: AsIdx,
    /// The interconnection city of the session (`None`: the AS-level
    /// session, handed over at every interconnection city of the link).
    pub city: Option<CityId>,
    /// Extra copies of the origin's ASN.
    pub prepend: u32,
    pub no_export: bool,
    /// Local-pref the neighbour assigns (None: by relationship).
    pub local_pref: Option<u32>,
}

impl OriginSession {
    fn city_key(&self) -> u32 {
        self.city.map_or(NO_CITY, |c| c.0)
    }
}

/// The AS-level sessions of a compiled announcement, per origin.
pub fn origin_sessions(sessions: &Sessions) -> Vec<(AsIdx, Vec<OriginSession>)> {
    sessions
        .origins
        .iter()
        .map(|o| {
            let v = o
                .sessions
                .iter()
                .map(|s| OriginSession {
                    neighbour: s.neighbour,
                    city: None,
                    prepend: s.prepend,
                    no_export: s.no_export,
                    local_pref: s.local_pref,
                })
                .collect();
            (o.idx, v)
        })
        .collect()
}

/// A route as carried on one session: the announced path (starting with
/// the sender, prepends included), the receiver's local-pref override and
/// NO_EXPORT. `path == NONE` is a withdrawal.
///
/// 12 bytes: the path's length and NO_EXPORT share one word, so that the
/// three Adj-RIB entries of a session fit its 64-byte record
/// (`EdgeState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advert {
    pub path: u32,
    pub local_pref: u32,
    /// Entries in `path` (bits 0-30; kept here so that the decision
    /// process never walks the path arena) and NO_EXPORT (bit 31).
    len_ne: u32,
}

/// NO_EXPORT's bit in `Advert::len_ne`.
const NO_EXPORT_BIT: u32 = 1 << 31;

impl Advert {
    pub const WITHDRAWN: Advert = Advert {
        path: NONE,
        local_pref: LP_BY_REL,
        len_ne: 0,
    };
    /// A route of `len` entries (< 2^31: a path is at least one interned
    /// node per entry, so it cannot come near that).
    #[inline]
    pub fn new(path: u32, len: u32, local_pref: u32, no_export: bool) -> Advert {
        debug_assert!(len < NO_EXPORT_BIT, "path of {len} entries");
        Advert {
            path,
            local_pref,
            len_ne: len | if no_export { NO_EXPORT_BIT } else { 0 },
        }
    }
    #[inline]
    pub fn is_withdrawal(&self) -> bool {
        self.path == NONE
    }
    /// Entries in `path` (prepends included).
    #[inline]
    pub fn path_len(&self) -> u32 {
        self.len_ne & !NO_EXPORT_BIT
    }
    #[inline]
    pub fn no_export(&self) -> bool {
        self.len_ne & NO_EXPORT_BIT != 0
    }
    /// NO_EXPORT cleared unless `other` carries it too.
    #[inline]
    fn and_no_export(&mut self, other: bool) {
        if !other {
            self.len_ne &= !NO_EXPORT_BIT;
        }
    }
}

/// One BGP UPDATE for the prefix on one session. 24 bytes, so that a
/// queued delivery (`dynamic::Event`) is 32: the receiving edge identifies
/// the session (the sending edge is its reverse), so the sender is not
/// carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Update {
    /// Receiving edge (index into the receiver's adjacency).
    pub to_edge: u32,
    /// The receiving AS (the owner of `to_edge`), carried so that its
    /// route record can be prefetched before the UPDATE is handled
    /// (`Network::prefetch_update`); it fits in the event's padding.
    pub to_as: u32,
    /// Session city ([`NO_CITY`]: the AS-level session).
    pub city: u32,
    /// The edge's epoch when sent: updates from before a session reset are dropped.
    pub epoch: u32,
    pub advert: Advert,
}

/// What the speakers react to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// An UPDATE arrives (after propagation and processing).
    Deliver(Update),
    /// The MRAI timer of an edge expired.
    MraiExpired { edge: u32, city: u32 },
    /// An AS starts or changes originating the prefix (`Some`), or stops (`None`).
    SetOrigin {
        origin: AsIdx,
        sessions: Option<Vec<OriginSession>>,
    },
    /// The link between two ASes goes down (all its sessions) or up.
    Link { a: AsIdx, b: AsIdx, up: bool },
    /// `asn` assigns `local_pref` to the routes it learns from `neighbour`
    /// (`None`: back to the default of the relationship class). A local-
    /// pref an origin's session carries ([`OriginSession::local_pref`])
    /// still takes precedence on that session.
    LocalPref {
        asn: AsIdx,
        neighbour: AsIdx,
        local_pref: Option<u32>,
    },
}

/// Timers, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The MRAI timer of a session: edge `edge`, per-city session `city`
    /// ([`NO_CITY`]: the AS-level session).
    Mrai { edge: u32, city: u32 },
}

/// What the speakers ask the driver to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send an UPDATE now (the driver adds the delays) from edge `from`
    /// (the sender's side of the session; `update.to_edge` is its reverse).
    Send { update: Update, from: u32 },
    /// Fire `timer` after `after` [ns] (from `now`).
    Arm { after: u64, timer: Timer },
    /// The forwarding state of `asn` may have changed (its best route or
    /// its set of equal-best sessions).
    Fib { asn: AsIdx },
    /// The best route (Loc-RIB) of `asn` changed.
    Best { asn: AsIdx },
}

/// Counters of one [`Network`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// UPDATEs carrying a route.
    pub advertisements: u64,
    /// UPDATEs withdrawing it.
    pub withdrawals: u64,
    /// UPDATEs received and processed.
    pub processed: u64,
    /// Loc-RIB changes (best route changed at some AS).
    pub best_changes: u64,
    /// Sessions read by full decision runs (work counter): the edges
    /// holding a route (`Network::live`), not every edge of the AS.
    pub scanned: u64,
    /// Sessions visited by exports (work counter).
    pub exported: u64,
}

/// Protocol parameters of the speakers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeakerConfig {
    /// MinRouteAdvertisementInterval for eBGP \[ns\] (0: off).
    pub mrai_ns: u64,
    /// Also rate-limit withdrawals.
    pub mrai_withdrawals: bool,
    /// Seed of the per-session MRAI jitter factors.
    pub jitter_seed: u64,
    pub tiebreak: TieBreak,
}

/// RFC 4271 §10 suggested MinRouteAdvertisementIntervalTimer for eBGP.
pub const DEFAULT_MRAI_SECS: u64 = 30;
/// RFC 4271 §9.2.1.1 jitter: the interval times a factor in [0.75, 1.0].
pub const MRAI_JITTER_MIN: f64 = 0.75;

impl Default for SpeakerConfig {
    fn default() -> Self {
        SpeakerConfig {
            mrai_ns: DEFAULT_MRAI_SECS * crate::time::NANOS_PER_SEC,
            mrai_withdrawals: false,
            jitter_seed: 0,
            tiebreak: TieBreak::LowestAsn,
        }
    }
}

/// One entry of an AS's adjacency (only while `Network::new` builds it).
#[derive(Clone, Copy, Debug)]
struct Adj {
    nb: u32,
    /// What `nb` is to this AS.
    rel: Rel,
    /// Index of this AS in `nb`'s adjacency.
    rev: u32,
}

/// `EdgeState::flags`: the session is up.
const UP: u8 = 1;
/// An advertisement waits for the MRAI timer.
const MRAI_PENDING: u8 = 2;
/// Entries exist in `city_rib` (saves hashing).
const CITY_RIB: u8 = 4;
/// Entries exist in `city_sent`.
const CITY_SENT: u8 = 8;

/// One directed edge's session state (see `Network::es`): exactly one
/// 64-byte cache line, aligned, because an UPDATE's delivery lands on a
/// random edge (one miss instead of two for a 96-byte record straddling
/// lines) and decision scans and exports stream through an AS's edges
/// (a third fewer lines). What only an MRAI start reads (the interval)
/// lives in `Network::mrai_iv`.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct EdgeState {
    /// The neighbour at the far end.
    nb: u32,
    /// Index of this edge's reverse (the owner, in `nb`'s adjacency).
    rev: u32,
    /// The AS owning the edge.
    me: u32,
    /// Bumped at each session reset: older UPDATEs are dropped.
    epoch: u32,
    /// Adj-RIB-In of the AS-level session.
    rib: Advert,
    /// Aggregate over the edge's sessions (what the decision sees).
    agg: Advert,
    /// Adj-RIB-Out of the AS-level session.
    sent: Advert,
    /// MRAI: the timer runs while `now < mrai_until` \[ns\].
    mrai_until: u64,
    /// What `nb` is to the owner.
    rel: Rel,
    /// `UP`, `MRAI_PENDING`, `CITY_RIB`, `CITY_SENT`.
    flags: u8,
}

impl EdgeState {
    #[inline]
    fn flag(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    #[inline]
    fn set_flag(&mut self, f: u8, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }
    #[inline]
    fn up(&self) -> bool {
        self.flag(UP)
    }
    #[inline]
    fn mrai_pending(&self) -> bool {
        self.flag(MRAI_PENDING)
    }
    #[inline]
    fn has_city_rib(&self) -> bool {
        self.flag(CITY_RIB)
    }
    #[inline]
    fn has_city_sent(&self) -> bool {
        self.flag(CITY_SENT)
    }
}

/// The set bits of a word, lowest first (as bit indices).
struct Ones(u64);

impl Iterator for Ones {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(i)
    }
}

/// An AS's best route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Best {
    /// Edge it was learned on (`NONE`: origin or no route).
    edge: u32,
    /// This AS's path (itself first); `NONE`: no route.
    path: u32,
    local_pref: u32,
    /// Entries in `path`.
    len: u32,
    /// Tie-break key of the neighbour it was learned from.
    key: u64,
    /// That neighbour (`NONE` at an origin or without a route).
    nb: u32,
    class: u8,
    no_export: bool,
}

impl Best {
    const NO_ROUTE: Best = Best {
        edge: NONE,
        path: NONE,
        local_pref: 0,
        len: 0,
        key: 0,
        nb: NONE,
        class: 0,
        no_export: false,
    };
}

/// A converged (or transient) route of one AS, for inspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynRoute {
    pub learned: Learned,
    /// This AS first, the origin last, prepends repeated.
    pub path: Vec<AsIdx>,
    pub origin: AsIdx,
    pub next_hop: Option<AsIdx>,
    pub no_export: bool,
}

/// The BGP state of every AS for one prefix.
pub struct Network<'g> {
    graph: &'g AsGraph,
    cfg: SpeakerConfig,
    keys: Vec<u64>,
    start: Vec<u32>,
    /// Per directed edge (v -> neighbour, in v's adjacency order): the
    /// session's state on v's side, in one record so that an UPDATE
    /// touches one or two cache lines.
    es: Vec<EdgeState>,
    /// Per directed edge: its MRAI interval, jitter applied \[ns\] (read
    /// only when a timer starts, so kept out of `es`).
    mrai_iv: Vec<u64>,
    pub paths: Paths,
    /// Adj-RIB-In of per-city sessions (sorted by city), per edge that has any.
    city_rib: FxHashMap<u32, Vec<(u32, Advert)>>,
    best: Vec<Best>,
    /// Adj-RIB-Out of per-city sessions, per edge that has any.
    city_sent: FxHashMap<u32, Vec<(u32, Advert)>>,
    /// The origin's sessions (sorted), per originating AS.
    origins: Vec<Option<Vec<OriginSession>>>,
    /// MRAI of per-city sessions: (edge, city) -> (timer runs until, pending).
    city_mrai: FxHashMap<(u32, u32), (u64, bool)>,
    pub counters: Counters,
    /// Scratch: the ASes of a path being exported.
    scratch: Vec<u32>,
    /// Customer edges of every AS, in adjacency order (`cust[cust_start[v]
    /// ..cust_start[v + 1]]`): a peer or provider route is exported to
    /// these only.
    cust: Vec<u32>,
    cust_start: Vec<u32>,
    /// Per AS: its non-customer edges whose Adj-RIB-Out holds something
    /// (an AS-level route or per-city entries). While 0, an export of a
    /// peer or provider route (or of no route) would only compare
    /// `WITHDRAWN` with `WITHDRAWN` on them, so it visits `cust` alone, in
    /// the same order: the same UPDATEs in the same order.
    nc_live: Vec<u32>,
    /// Bit `a & 63` set for every AS `a` in `scratch`: most loop checks
    /// (an export to a neighbour not on the path) end at one test.
    scratch_mask: u64,
    /// Per-neighbour import local-pref set by [`Input::LocalPref`], per
    /// receiving edge (empty in the common case: one `is_empty` test).
    import_lp: FxHashMap<u32, u32>,
    /// Bit `e` (word `e / 64`, bit `e % 64`) set while edge `e`'s aggregate
    /// holds a route (`agg.path != NONE`). A full decision run (`scan`)
    /// reads the records of these edges only: at a big transit AS most
    /// edges are to customers, which send it nothing while they use a
    /// provider route. One bit per edge (128 KiB per million edges): an
    /// aggregate change sets or clears one bit, and the scan still visits
    /// edges in adjacency order, so it picks what the scan over every edge
    /// picked.
    live: Vec<u64>,
}

impl<'g> Network<'g> {
    /// Every AS without a route, every session up, no timer running.
    pub fn new(graph: &'g AsGraph, cfg: SpeakerConfig) -> Self {
        let n = graph.len();
        let mut start = Vec::with_capacity(n + 1);
        let mut adj = Vec::new();
        start.push(0u32);
        for v in graph.indices() {
            let mut row: Vec<(AsIdx, Rel)> = graph.neighbours(v).collect();
            row.sort_unstable_by_key(|(u, _)| *u);
            adj.extend(row.into_iter().map(|(u, rel)| Adj {
                nb: u.0,
                rel,
                rev: NONE,
            }));
            start.push(adj.len() as u32);
        }
        for v in 0..n {
            for e in start[v]..start[v + 1] {
                let u = adj[e as usize].nb as usize;
                let row = &adj[start[u] as usize..start[u + 1] as usize];
                let k = row
                    .binary_search_by_key(&(v as u32), |a| a.nb)
                    .expect("links are symmetric");
                adj[e as usize].rev = start[u] + k as u32;
            }
        }
        let m = adj.len();
        let mut es = Vec::with_capacity(m);
        for v in 0..n {
            for e in start[v]..start[v + 1] {
                let a = adj[e as usize];
                es.push(EdgeState {
                    nb: a.nb,
                    rev: a.rev,
                    me: v as u32,
                    epoch: 0,
                    rib: Advert::WITHDRAWN,
                    agg: Advert::WITHDRAWN,
                    sent: Advert::WITHDRAWN,
                    mrai_until: 0,
                    rel: a.rel,
                    flags: UP,
                });
            }
        }
        drop(adj);
        let mut cust = Vec::new();
        let mut cust_start = Vec::with_capacity(n + 1);
        cust_start.push(0u32);
        for v in 0..n {
            cust.extend((start[v]..start[v + 1]).filter(|&e| es[e as usize].rel == Rel::Customer));
            cust_start.push(cust.len() as u32);
        }
        let mut net = Network {
            graph,
            cfg,
            keys: cfg.tiebreak.keys(graph),
            start,
            es,
            mrai_iv: Vec::new(),
            // One path per AS at least once the prefix is everywhere.
            paths: Paths::with_capacity(n),
            city_rib: FxHashMap::default(),
            best: vec![Best::NO_ROUTE; n],
            city_sent: FxHashMap::default(),
            origins: vec![None; n],
            city_mrai: FxHashMap::default(),
            counters: Counters::default(),
            scratch: Vec::new(),
            scratch_mask: 0,
            cust,
            cust_start,
            nc_live: vec![0; n],
            import_lp: FxHashMap::default(),
            live: vec![0; m.div_ceil(64)],
        };
        net.mrai_iv = (0..m as u32).map(|e| net.jitter_of(e)).collect();
        net
    }

    pub fn graph(&self) -> &'g AsGraph {
        self.graph
    }
    /// Asks the CPU to fetch edge `e`'s session record (an UPDATE or a
    /// timer about to be handled there); no effect on the state.
    #[inline]
    pub fn prefetch_edge(&self, e: u32) {
        if let Some(x) = self.es.get(e as usize) {
            crate::engine::prefetch(x);
        }
    }

    /// Asks the CPU to fetch what handling `u` reads first: the receiving
    /// session's record and the receiver's current best route (read by
    /// every delivery's aggregate and tie checks); no effect on the state.
    #[inline]
    pub fn prefetch_update(&self, u: &Update) {
        self.prefetch_edge(u.to_edge);
        if let Some(b) = self.best.get(u.to_as as usize) {
            crate::engine::prefetch(b);
        }
    }

    /// Directed edges (twice the links).
    pub fn edges(&self) -> usize {
        self.es.len()
    }
    /// Edge range of `v`.
    #[inline]
    fn edges_of(&self, v: u32) -> std::ops::Range<u32> {
        self.start[v as usize]..self.start[v as usize + 1]
    }
    /// The AS that owns edge `e` (binary search).
    pub fn owner(&self, e: u32) -> AsIdx {
        AsIdx((self.start.partition_point(|&s| s <= e) - 1) as u32)
    }
    /// The neighbour at the far end of edge `e`.
    pub fn far(&self, e: u32) -> AsIdx {
        AsIdx(self.es[e as usize].nb)
    }
    /// The edge from `a` to `b`, if linked.
    pub fn edge(&self, a: AsIdx, b: AsIdx) -> Option<u32> {
        let r = self.edges_of(a.0);
        let row = &self.es[r.start as usize..r.end as usize];
        row.binary_search_by_key(&b.0, |x| x.nb)
            .ok()
            .map(|k| r.start + k as u32)
    }

    /// MRAI interval of edge `e` [ns]: `mrai` times a per-session jitter
    /// factor uniform in [0.75, 1.0] (a stable hash of (seed, edge)).
    #[inline]
    pub fn mrai_of(&self, e: u32) -> u64 {
        if self.cfg.mrai_ns == 0 {
            0
        } else {
            self.mrai_iv[e as usize]
        }
    }

    /// MRAI interval of the per-city session (edge `e`, `city`) [ns].
    fn city_mrai_of(&self, e: u32, city: u32) -> u64 {
        if self.cfg.mrai_ns == 0 {
            return 0;
        }
        let h = crate::rng::Streams::new(self.cfg.jitter_seed)
            .hash("bgp/mrai-jitter/city", (e as u64) << 32 | city as u64);
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        (self.cfg.mrai_ns as f64 * (MRAI_JITTER_MIN + (1.0 - MRAI_JITTER_MIN) * u)) as u64
    }

    fn jitter_of(&self, e: u32) -> u64 {
        if self.cfg.mrai_ns == 0 {
            return 0;
        }
        let h = crate::rng::Streams::new(self.cfg.jitter_seed).hash("bgp/mrai-jitter", e as u64);
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        let f = MRAI_JITTER_MIN + (1.0 - MRAI_JITTER_MIN) * u;
        (self.cfg.mrai_ns as f64 * f) as u64
    }

    // ---- inspection -------------------------------------------------

    /// The current best route of `v`.
    pub fn route(&self, v: AsIdx) -> Option<DynRoute> {
        let b = self.best[v.ix()];
        if b.path == NONE {
            return None;
        }
        let learned = match b.class {
            1 => Learned::Provider,
            2 => Learned::Peer,
            3 => Learned::Customer,
            _ => Learned::Origin,
        };
        let path = self.paths.to_vec(b.path);
        Some(DynRoute {
            learned,
            origin: *path.last().expect("non-empty"),
            next_hop: (b.edge != NONE).then(|| AsIdx(self.es[b.edge as usize].nb)),
            no_export: b.no_export,
            path,
        })
    }

    /// The origin AS `v`'s traffic ends at, if it has a route.
    pub fn origin_of(&self, v: AsIdx) -> Option<AsIdx> {
        let b = self.best[v.ix()];
        (b.path != NONE).then(|| AsIdx(self.paths.last(b.path)))
    }

    /// True while some advertisement waits for an MRAI timer.
    pub fn pending_mrai(&self) -> bool {
        self.es.iter().any(|x| x.mrai_pending()) || self.city_mrai.values().any(|x| x.1)
    }

    fn candidate(&self, _v: u32, e: u32) -> Option<Candidate> {
        let a = self.es[e as usize].agg;
        if a.path == NONE {
            return None;
        }
        let ad = &self.es[e as usize];
        Some(Candidate {
            local_pref: if a.local_pref == LP_BY_REL {
                self.default_lp(e)
            } else {
                a.local_pref
            },
            path_len: a.path_len() + 1,
            key: self.keys[ad.nb as usize],
            neighbour: Some(AsIdx(ad.nb)),
        })
    }

    /// Local-pref of a route on edge `e` that carries no origin override:
    /// the edge's import override, else its relationship class's.
    #[inline]
    fn default_lp(&self, e: u32) -> u32 {
        if !self.import_lp.is_empty()
            && let Some(&lp) = self.import_lp.get(&e)
        {
            return lp;
        }
        Learned::from_rel(self.es[e as usize].rel).local_pref()
    }

    #[inline]
    fn best_candidate(&self, v: u32) -> Option<Candidate> {
        let b = self.best[v as usize];
        if b.path == NONE || b.edge == NONE {
            return None;
        }
        Some(Candidate {
            local_pref: b.local_pref,
            path_len: b.len,
            key: b.key,
            neighbour: Some(AsIdx(b.nb)),
        })
    }

    /// The equal-best edges of `v` (tied with its best on local-pref and
    /// AS-path length), with their tie-break keys. Empty at an origin or
    /// without a route.
    pub fn equal_best(&self, v: AsIdx) -> Vec<(u32, u64)> {
        let Some(b) = self.best_candidate(v.0) else {
            return Vec::new();
        };
        self.edges_of(v.0)
            .filter_map(|e| {
                let c = self.candidate(v.0, e)?;
                matches!(compare(&b, &c), (_, None) | (_, Some(Step::TieBreak)))
                    .then_some((e, c.key))
            })
            .collect()
    }

    /// Cities where the equal-best session(s) of edge `e` hand traffic over:
    /// the per-city sessions tied with the edge's aggregate, or every
    /// interconnection city of the link for the AS-level session.
    pub fn handover_cities(&self, e: u32, geo: &(impl Interconnects + ?Sized)) -> Vec<CityId> {
        let a = self.es[e as usize].agg;
        let mut out = Vec::new();
        if self.es[e as usize].rib == a && a.path != NONE {
            let v = self.es[e as usize].me;
            out.extend_from_slice(geo.cities(AsIdx(v), AsIdx(self.es[e as usize].nb)));
        }
        if let Some(list) = self
            .city_rib
            .get(&e)
            .filter(|_| self.es[e as usize].has_city_rib())
        {
            for &(c, ad) in list {
                if ad.path == a.path && ad.local_pref == a.local_pref {
                    out.push(CityId(c));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The egress of the router of `v` in `city`: among the equal-best
    /// sessions, the nearest handover city, then the tie-break key, then the
    /// lower city id (as [`super::egress::egress`]). Returns (neighbour,
    /// city, km).
    pub fn egress(
        &self,
        geo: &(impl Interconnects + ?Sized),
        cities: &Cities,
        v: AsIdx,
        city: CityId,
    ) -> Option<(AsIdx, CityId, f64)> {
        let here = cities.get(city).loc;
        let mut best: Option<(f64, u64, CityId, AsIdx)> = None;
        for (e, key) in self.equal_best(v) {
            let nb = AsIdx(self.es[e as usize].nb);
            for ic in self.handover_cities(e, geo) {
                let km = here.distance_km(cities.get(ic).loc);
                let cand = (km, key, ic, nb);
                let better = match &best {
                    None => true,
                    Some(b) => match cand.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal) {
                        Ordering::Less => true,
                        Ordering::Greater => false,
                        Ordering::Equal => (cand.1, cand.2) < (b.1, b.2),
                    },
                };
                if better {
                    best = Some(cand);
                }
            }
        }
        best.map(|(km, _, c, nb)| (nb, c, km))
    }

    // ---- protocol ---------------------------------------------------

    /// Handles one input at `now` [ns], appending effects to `out`.
    pub fn handle(&mut self, now: u64, input: Input, out: &mut Vec<Effect>) {
        match input {
            Input::Deliver(u) => self.deliver(now, u, out),
            Input::MraiExpired { edge, city } => self.mrai_expired(now, edge, city, out),
            Input::SetOrigin { origin, sessions } => self.set_origin(now, origin, sessions, out),
            Input::Link { a, b, up } => self.link(now, a, b, up, out),
            Input::LocalPref {
                asn,
                neighbour,
                local_pref,
            } => self.set_local_pref(now, asn, neighbour, local_pref, out),
        }
    }

    /// The import local-pref of `asn` toward `nb` changed: the edge's
    /// aggregate is recomputed and the whole decision rerun (the best may
    /// move to or away from that edge, or the equal-best set change).
    fn set_local_pref(
        &mut self,
        now: u64,
        asn: AsIdx,
        nb: AsIdx,
        lp: Option<u32>,
        out: &mut Vec<Effect>,
    ) {
        let Some(e) = self.edge(asn, nb) else {
            return;
        };
        let old = match lp {
            Some(x) => self.import_lp.insert(e, x),
            None => self.import_lp.remove(&e),
        };
        if old == lp {
            return;
        }
        self.set_agg(e, self.compute_agg(e));
        self.decide(asn.0, None, now, out);
        out.push(Effect::Fib { asn });
    }

    fn deliver(&mut self, now: u64, u: Update, out: &mut Vec<Effect>) {
        let e = u.to_edge;
        if !self.es[e as usize].up() || self.es[e as usize].epoch != u.epoch {
            return;
        }
        self.counters.processed += 1;
        let v = self.es[e as usize].me;
        let ad = u.advert;
        // RFC 4271 §9.1.2: a path holding our own AS is unfeasible. Senders
        // never send one (sender-side check in `desired`), so the walk is
        // only a debug check.
        debug_assert!(ad.path == NONE || !self.paths.contains(ad.path, v));
        if u.city == NO_CITY {
            self.es[e as usize].rib = ad;
        } else {
            let list = self.city_rib.entry(e).or_default();
            match list.binary_search_by_key(&u.city, |x| x.0) {
                Ok(k) if ad.is_withdrawal() => {
                    list.remove(k);
                }
                Ok(k) => list[k].1 = ad,
                Err(_) if ad.is_withdrawal() => {}
                Err(k) => list.insert(k, (u.city, ad)),
            }
            self.es[e as usize].set_flag(CITY_RIB, true);
        }
        self.reaggregate(v, e, now, out);
    }

    /// The aggregate of edge `e`'s sessions: the best by (local-pref
    /// override, fewest prepends); NO_EXPORT only if every such session has it.
    fn compute_agg(&self, e: u32) -> Advert {
        let mut agg = self.es[e as usize].rib;
        if !self.es[e as usize].has_city_rib() {
            return agg;
        }
        let Some(list) = self.city_rib.get(&e) else {
            return agg;
        };
        let class_lp = self.default_lp(e);
        let lp = |a: &Advert| {
            if a.local_pref == LP_BY_REL {
                class_lp
            } else {
                a.local_pref
            }
        };
        for (_, a) in list {
            if agg.path == NONE {
                agg = *a;
                continue;
            }
            // `Greater`: `a` is better (higher local-pref, then shorter).
            let ord = lp(a).cmp(&lp(&agg)).then(agg.path_len().cmp(&a.path_len()));
            match ord {
                Ordering::Greater => agg = *a,
                Ordering::Equal if a.path == agg.path => agg.and_no_export(a.no_export()),
                _ => {}
            }
        }
        agg
    }

    /// Recomputes edge `e`'s aggregate and, if it changed, `v`'s decision.
    fn reaggregate(&mut self, v: u32, e: u32, now: u64, out: &mut Vec<Effect>) {
        if self.es[e as usize].has_city_rib() && self.city_rib.get(&e).is_none_or(|l| l.is_empty())
        {
            self.city_rib.remove(&e);
            self.es[e as usize].set_flag(CITY_RIB, false);
        }
        let agg = self.compute_agg(e);
        let old = self.es[e as usize].agg;
        if old == agg {
            // Per-city change only (a handover city appeared or left).
            if self.best[v as usize].path != NONE && self.is_tied(v, e) {
                out.push(Effect::Fib { asn: AsIdx(v) });
            }
            return;
        }
        let was_tied = self.is_tied(v, e);
        self.set_agg(e, agg);
        self.decide(v, Some(e), now, out);
        if was_tied || self.is_tied(v, e) {
            out.push(Effect::Fib { asn: AsIdx(v) });
        }
    }

    /// Sets edge `e`'s aggregate, keeping `live`: every write of
    /// `EdgeState::agg` goes through here.
    #[inline(always)]
    fn set_agg(&mut self, e: u32, agg: Advert) {
        self.es[e as usize].agg = agg;
        let (w, bit) = ((e / 64) as usize, 1u64 << (e % 64));
        if agg.path != NONE {
            self.live[w] |= bit;
        } else {
            self.live[w] &= !bit;
        }
    }

    /// AS `v`'s edges holding a route (see `live`), in adjacency order.
    #[inline]
    fn live_of(&self, v: u32) -> impl Iterator<Item = u32> + '_ {
        let r = self.edges_of(v);
        let words = if r.is_empty() {
            0..0
        } else {
            r.start / 64..(r.end - 1) / 64 + 1
        };
        words.flat_map(move |w| {
            let mut bits = self.live[w as usize];
            if w == r.start / 64 {
                bits &= !0u64 << (r.start % 64);
            }
            if w == (r.end - 1) / 64 {
                bits &= !0u64 >> (63 - (r.end - 1) % 64);
            }
            Ones(bits).map(move |i| w * 64 + i)
        })
    }

    fn is_tied(&self, v: u32, e: u32) -> bool {
        let (Some(b), Some(c)) = (self.best_candidate(v), self.candidate(v, e)) else {
            return false;
        };
        matches!(compare(&b, &c), (_, None) | (_, Some(Step::TieBreak)))
    }

    /// Runs the decision process at `v` after edge `changed` changed (None:
    /// anything may have changed); exports on change.
    fn decide(&mut self, v: u32, changed: Option<u32>, now: u64, out: &mut Vec<Effect>) {
        if self.origins[v as usize].is_some() {
            return; // an origin keeps its own route
        }
        let old = self.best[v as usize];
        let cur = self.best_candidate(v);
        let pick = match (changed, cur) {
            // The changed edge is not the best one: it wins or nothing moves.
            (Some(e), Some(c)) if e != old.edge => match self.candidate(v, e) {
                Some(n) if compare(&n, &c).0 == Ordering::Less => Some(e),
                _ => return,
            },
            // The best edge changed but is no worse than before: it still
            // beats every other edge (which lost to the old best; keys are
            // unique per neighbour, so there are no exact ties).
            (Some(e), Some(c)) if matches!(self.candidate(v, e), Some(n) if compare(&n, &c).0 != Ordering::Greater) => {
                Some(e)
            }
            _ => self.scan(v),
        };
        let new = match pick {
            None => Best::NO_ROUTE,
            Some(e) => {
                let a = self.es[e as usize].agg;
                let c = self.candidate(v, e).expect("picked");
                Best {
                    edge: e,
                    path: self.paths.cons(v, a.path),
                    local_pref: c.local_pref,
                    len: c.path_len,
                    key: c.key,
                    nb: self.es[e as usize].nb,
                    class: Learned::from_rel(self.es[e as usize].rel) as u8,
                    no_export: a.no_export(),
                }
            }
        };
        if new == old {
            return;
        }
        self.best[v as usize] = new;
        self.counters.best_changes += 1;
        out.push(Effect::Best { asn: AsIdx(v) });
        if new.edge != old.edge {
            out.push(Effect::Fib { asn: AsIdx(v) });
        }
        self.export_all(v, now, out);
    }

    /// The full decision process of `v` over its edges holding a route
    /// (`live`, in adjacency order): the edge of the best candidate (as
    /// `compare` ranks them), if any. Same result as folding `compare` over
    /// `candidate` on every edge (the others have no candidate), but the
    /// tie-break keys (a load from another array) are only read on a tie in
    /// local-pref and length.
    fn scan(&mut self, v: u32) -> Option<u32> {
        let by_rel = self.import_lp.is_empty();
        let (mut pick, mut plp, mut plen) = (NONE, 0u32, 0u32);
        let mut pkey: Option<u64> = None;
        let mut read = 0u64;
        for e in self.live_of(v) {
            read += 1;
            let x = &self.es[e as usize];
            let a = x.agg;
            debug_assert!(a.path != NONE, "edge {e} is marked live");
            let lp = if a.local_pref != LP_BY_REL {
                a.local_pref
            } else if by_rel {
                Learned::from_rel(x.rel).local_pref()
            } else {
                self.default_lp(e)
            };
            let len = a.path_len() + 1;
            let better = if pick == NONE || lp != plp {
                pick == NONE || lp > plp
            } else if len != plen {
                len < plen
            } else {
                let pk = match pkey {
                    Some(k) => k,
                    None => self.keys[self.es[pick as usize].nb as usize],
                };
                let k = self.keys[x.nb as usize];
                pkey = Some(pk);
                if k < pk {
                    pick = e;
                    pkey = Some(k);
                }
                continue;
            };
            if better {
                (pick, plp, plen, pkey) = (e, lp, len, None);
            }
        }
        self.counters.scanned += read;
        (pick != NONE).then_some(pick)
    }

    /// What `v` should have sent on edge `f` now (AS-level session).
    fn desired(&self, v: u32, f: u32) -> Advert {
        let b = self.best[v as usize];
        if b.path == NONE || b.no_export || self.origins[v as usize].is_some() {
            return Advert::WITHDRAWN;
        }
        let ad = &self.es[f as usize];
        let class = match b.class {
            1 => Learned::Provider,
            2 => Learned::Peer,
            _ => Learned::Customer,
        };
        // What v is to the neighbour is the converse of `ad.rel`; export
        // is decided by what the neighbour is to v.
        if !class.exports_to(ad.rel) || self.on_path(ad.nb) {
            return Advert::WITHDRAWN;
        }
        Advert::new(b.path, b.len, LP_BY_REL, false)
    }

    fn export_all(&mut self, v: u32, now: u64, out: &mut Vec<Effect>) {
        self.load_scratch(v);
        let r = self.edges_of(v);
        if self.origins[v as usize].is_some() {
            self.counters.exported += r.len() as u64;
            for f in r {
                self.export_edge(v, f, now, out);
            }
            return;
        }
        // `export_edge` with what `desired` needs hoisted out of the loop:
        // the route every exporting edge gets, and its class.
        let b = self.best[v as usize];
        let route = (b.path != NONE && !b.no_export).then(|| {
            let class = match b.class {
                1 => Learned::Provider,
                2 => Learned::Peer,
                _ => Learned::Customer,
            };
            let ad = Advert::new(b.path, b.len, LP_BY_REL, false);
            (class, ad)
        });
        // A customer route goes to every edge; anything else only to
        // customers, so the other edges need a visit only while one of
        // them still holds something to withdraw.
        if matches!(route, Some((Learned::Customer, _))) || self.nc_live[v as usize] > 0 {
            self.counters.exported += r.len() as u64;
            for f in r {
                self.export_fast(v, f, route, now, out);
            }
        } else {
            let (a, z) = (
                self.cust_start[v as usize] as usize,
                self.cust_start[v as usize + 1] as usize,
            );
            self.counters.exported += (z - a) as u64;
            for k in a..z {
                let f = self.cust[k];
                self.export_fast(v, f, route, now, out);
            }
        }
    }

    /// `export_edge` of a non-origin `v` with `route` = its exported route
    /// and class (None: nothing to export). Needs `load_scratch(v)`.
    #[inline(always)]
    fn export_fast(
        &mut self,
        v: u32,
        f: u32,
        route: Option<(Learned, Advert)>,
        now: u64,
        out: &mut Vec<Effect>,
    ) {
        let x = &self.es[f as usize];
        if !x.up() {
            return;
        }
        if x.has_city_sent() {
            // Leftovers of per-city sessions: the general path.
            self.export_edge(v, f, now, out);
            return;
        }
        let want = match route {
            Some((class, ad)) if class.exports_to(x.rel) && !self.on_path(x.nb) => ad,
            _ => Advert::WITHDRAWN,
        };
        if want == x.sent {
            return;
        }
        // What `transmit` would decide for an advertisement while the
        // session's MRAI timer runs and an export already waits for it:
        // nothing (saves the call on ~1.3 M of 2.4 M visits).
        if x.mrai_pending() && now < x.mrai_until && !want.is_withdrawal() {
            return;
        }
        self.transmit(f, NO_CITY, want, now, out);
    }

    /// Whether edge `f`'s Adj-RIB-Out holds anything (see `nc_live`).
    #[inline]
    fn out_live(&self, f: u32) -> bool {
        let x = &self.es[f as usize];
        !x.sent.is_withdrawal() || x.has_city_sent()
    }

    /// Keeps `nc_live` after edge `f`'s Adj-RIB-Out changed; `was`: its
    /// `out_live` before.
    #[inline]
    fn track_out(&mut self, f: u32, was: bool) {
        let live = self.out_live(f);
        let x = &self.es[f as usize];
        if live != was && x.rel != Rel::Customer {
            let c = &mut self.nc_live[x.me as usize];
            if live {
                *c += 1;
            } else {
                *c -= 1;
            }
        }
    }

    /// Tests: recounts `nc_live` and `live` from the edges, and at
    /// quiescence (no MRAI timer pending) checks that every AS-level
    /// Adj-RIB-Out of a non-origin holds what the export rules want (a
    /// skipped export would leave a stale route or a missing withdrawal
    /// there).
    #[cfg(test)]
    pub(crate) fn check_out_state(&mut self) {
        let quiet = !self.pending_mrai();
        let routes = self.es.iter().filter(|x| x.agg.path != NONE).count();
        let marked: u32 = self.live.iter().map(|w| w.count_ones()).sum();
        assert_eq!(marked as usize, routes, "live bits");
        for v in 0..self.best.len() as u32 {
            let n = self
                .edges_of(v)
                .filter(|&e| self.es[e as usize].rel != Rel::Customer && self.out_live(e))
                .count() as u32;
            assert_eq!(self.nc_live[v as usize], n, "AS {v}");
            let want: Vec<u32> = self
                .edges_of(v)
                .filter(|&e| self.es[e as usize].agg.path != NONE)
                .collect();
            assert_eq!(
                self.live_of(v).collect::<Vec<_>>(),
                want,
                "live edges of AS {v}"
            );
            if !quiet || self.origins[v as usize].is_some() {
                continue;
            }
            self.load_scratch(v);
            for f in self.edges_of(v) {
                let x = self.es[f as usize];
                if x.up() && !x.has_city_sent() {
                    assert_eq!(x.sent, self.desired(v, f), "AS {v} edge {f}");
                }
            }
        }
    }

    /// Tests: the edges of `v` holding a route (see `live`).
    #[cfg(test)]
    pub(crate) fn live_edges(&self, v: AsIdx) -> Vec<u32> {
        self.live_of(v.0).collect()
    }

    fn load_scratch(&mut self, v: u32) {
        self.scratch.clear();
        self.scratch_mask = 0;
        let mut id = self.best[v as usize].path;
        while id != NONE {
            let (h, t, _) = self.paths.nodes[id as usize];
            self.scratch.push(h);
            self.scratch_mask |= 1 << (h & 63);
            id = t;
        }
    }

    /// True when `asn` is on the path loaded by `load_scratch`.
    #[inline]
    fn on_path(&self, asn: u32) -> bool {
        self.scratch_mask & (1 << (asn & 63)) != 0 && self.scratch.contains(&asn)
    }

    /// Brings edge `f`'s Adj-RIB-Out up to date, under MRAI. Needs
    /// `load_scratch(v)`.
    fn export_edge(&mut self, v: u32, f: u32, now: u64, out: &mut Vec<Effect>) {
        if !self.es[f as usize].up() {
            return;
        }
        // Per-city sessions of an origin, or leftovers of one.
        if self.origins[v as usize].is_some() || self.es[f as usize].has_city_sent() {
            self.export_origin_edge(v, f, now, out);
            if self.origins[v as usize].is_some() {
                return;
            }
        }
        let want = self.desired(v, f);
        if want == self.es[f as usize].sent {
            return;
        }
        self.transmit(f, NO_CITY, want, now, out);
    }

    /// Sends `want` on (edge `f`, `city`) unless MRAI holds it back.
    /// Returns false when held back.
    fn transmit(
        &mut self,
        f: u32,
        city: u32,
        want: Advert,
        now: u64,
        out: &mut Vec<Effect>,
    ) -> bool {
        let limited = !want.is_withdrawal() || self.cfg.mrai_withdrawals;
        if limited && city != NO_CITY {
            // A per-city session has its own MRAI timer.
            let iv = self.city_mrai_of(f, city);
            let st = self.city_mrai.entry((f, city)).or_insert((0, false));
            if now < st.0 {
                if !st.1 {
                    st.1 = true;
                    out.push(Effect::Arm {
                        after: st.0 - now,
                        timer: Timer::Mrai { edge: f, city },
                    });
                }
                return false;
            }
            if iv > 0 {
                st.0 = now + iv;
            }
        } else if limited && now < self.es[f as usize].mrai_until {
            if !self.es[f as usize].mrai_pending() {
                self.es[f as usize].set_flag(MRAI_PENDING, true);
                out.push(Effect::Arm {
                    after: self.es[f as usize].mrai_until - now,
                    timer: Timer::Mrai { edge: f, city },
                });
            }
            return false;
        } else if limited {
            let iv = self.mrai_of(f);
            if iv > 0 {
                self.es[f as usize].mrai_until = now + iv;
            }
        }
        let was = self.out_live(f);
        if city == NO_CITY {
            self.es[f as usize].sent = want;
        } else {
            let list = self.city_sent.entry(f).or_default();
            match list.binary_search_by_key(&city, |x| x.0) {
                Ok(k) if want.is_withdrawal() => {
                    list.remove(k);
                }
                Ok(k) => list[k].1 = want,
                Err(_) if want.is_withdrawal() => {}
                Err(k) => list.insert(k, (city, want)),
            }
            self.es[f as usize].set_flag(CITY_SENT, !list.is_empty());
            if list.is_empty() {
                self.city_sent.remove(&f);
            }
        }
        self.track_out(f, was);
        if want.is_withdrawal() {
            self.counters.withdrawals += 1;
        } else {
            self.counters.advertisements += 1;
        }
        let ad = &self.es[f as usize];
        out.push(Effect::Send {
            from: f,
            update: Update {
                to_edge: ad.rev,
                to_as: ad.nb,
                city,
                // Both directions of a link are reset together (`link`), so
                // the sending side's epoch is the receiving side's.
                epoch: ad.epoch,
                advert: want,
            },
        });
        true
    }

    /// The origin's announcements on edge `f`: one per session (city).
    fn origin_wants(&mut self, v: u32, f: u32) -> Vec<(u32, Advert)> {
        let nb = AsIdx(self.es[f as usize].nb);
        let Some(list) = &self.origins[v as usize] else {
            return Vec::new();
        };
        let k0 = list.partition_point(|s| s.neighbour < nb);
        let ses: Vec<OriginSession> = list[k0..]
            .iter()
            .take_while(|s| s.neighbour == nb)
            .copied()
            .collect();
        let mut wants: Vec<(u32, Advert)> = Vec::with_capacity(ses.len());
        for s in ses {
            let city = s.city_key();
            if wants.last().is_some_and(|w| w.0 == city) {
                continue; // first session of a (neighbour, city) wins
            }
            let mut p = self.paths.cons(v, NONE);
            for _ in 0..s.prepend {
                p = self.paths.cons(v, p);
            }
            wants.push((
                city,
                Advert::new(
                    p,
                    s.prepend + 1,
                    s.local_pref.unwrap_or(LP_BY_REL),
                    s.no_export,
                ),
            ));
        }
        wants
    }

    fn export_origin_edge(&mut self, v: u32, f: u32, now: u64, out: &mut Vec<Effect>) {
        let wants = self.origin_wants(v, f);
        // Per-city sessions: withdraw those no longer wanted, send changes.
        let had: Vec<(u32, Advert)> = self.city_sent.get(&f).cloned().unwrap_or_default();
        for &(c, _) in &had {
            if !wants.iter().any(|w| w.0 == c) {
                self.transmit(f, c, Advert::WITHDRAWN, now, out);
            }
        }
        for &(c, w) in &wants {
            if c == NO_CITY {
                if self.es[f as usize].sent != w {
                    self.transmit(f, NO_CITY, w, now, out);
                }
            } else {
                let cur = had
                    .iter()
                    .find(|h| h.0 == c)
                    .map_or(Advert::WITHDRAWN, |h| h.1);
                if cur != w {
                    self.transmit(f, c, w, now, out);
                }
            }
        }
        if self.origins[v as usize].is_some()
            && !wants.iter().any(|w| w.0 == NO_CITY)
            && !self.es[f as usize].sent.is_withdrawal()
        {
            self.transmit(f, NO_CITY, Advert::WITHDRAWN, now, out);
        }
    }

    fn mrai_expired(&mut self, now: u64, f: u32, city: u32, out: &mut Vec<Effect>) {
        if city == NO_CITY {
            if !self.es[f as usize].mrai_pending() {
                return;
            }
            self.es[f as usize].set_flag(MRAI_PENDING, false);
            self.es[f as usize].mrai_until = 0;
        } else {
            match self.city_mrai.remove(&(f, city)) {
                Some((_, true)) => {}
                _ => return,
            }
        }
        let v = self.es[f as usize].me;
        self.load_scratch(v);
        self.export_edge(v, f, now, out);
    }

    fn set_origin(
        &mut self,
        now: u64,
        o: AsIdx,
        sessions: Option<Vec<OriginSession>>,
        out: &mut Vec<Effect>,
    ) {
        let v = o.0;
        let was = self.origins[v as usize].is_some();
        self.origins[v as usize] = sessions.map(|mut s| {
            s.sort_by_key(|x| (x.neighbour, x.city_key()));
            s
        });
        if self.origins[v as usize].is_some() {
            let path = self.paths.cons(v, NONE);
            let new = Best {
                edge: NONE,
                path,
                local_pref: Learned::Origin.local_pref(),
                len: 1,
                key: 0,
                nb: NONE,
                class: Learned::Origin as u8,
                no_export: false,
            };
            if self.best[v as usize] != new {
                self.best[v as usize] = new;
                self.counters.best_changes += 1;
                out.push(Effect::Best { asn: o });
                out.push(Effect::Fib { asn: o });
            }
            // Origin state replaces whatever the AS-level session carried.
            self.load_scratch(v);
            for f in self.edges_of(v) {
                self.export_edge(v, f, now, out);
            }
        } else {
            if was {
                self.best[v as usize] = Best::NO_ROUTE;
                self.counters.best_changes += 1;
                out.push(Effect::Best { asn: o });
                out.push(Effect::Fib { asn: o });
            }
            // Back to an ordinary AS: withdraw origin sessions, decide, export.
            self.decide(v, None, now, out);
            self.export_all(v, now, out);
        }
    }

    fn link(&mut self, now: u64, a: AsIdx, b: AsIdx, up: bool, out: &mut Vec<Effect>) {
        let (Some(ab), Some(ba)) = (self.edge(a, b), self.edge(b, a)) else {
            return;
        };
        if self.es[ab as usize].up() == up {
            return;
        }
        for (v, e) in [(a.0, ab), (b.0, ba)] {
            let was = self.out_live(e);
            self.es[e as usize].set_flag(UP, up);
            self.es[e as usize].epoch = self.es[e as usize].epoch.wrapping_add(1);
            self.es[e as usize].mrai_until = 0;
            self.es[e as usize].set_flag(MRAI_PENDING, false);
            // The session's state is gone on both sides.
            self.es[e as usize].sent = Advert::WITHDRAWN;
            self.city_sent.remove(&e);
            self.es[e as usize].set_flag(CITY_SENT, false);
            self.track_out(e, was);
            self.city_mrai.retain(|k, _| k.0 != e);
            if !up {
                self.es[e as usize].rib = Advert::WITHDRAWN;
                self.city_rib.remove(&e);
                self.reaggregate(v, e, now, out);
            }
        }
        if up {
            // Session establishment: each side sends its current routes.
            for (v, e) in [(a.0, ab), (b.0, ba)] {
                self.load_scratch(v);
                self.export_edge(v, e, now, out);
            }
        }
    }

    /// Warm start: installs a converged state as if the protocol had run to
    /// quiescence long ago (no timer running). `next_hop(v)` gives each AS's
    /// best as (next-hop neighbour, None at an origin; class), e.g. from the
    /// static solver; `origins` are the originating ASes' sessions. Every
    /// Adj-RIB-In and Adj-RIB-Out is then filled with what is exported.
    pub fn install(
        &mut self,
        origins: &[(AsIdx, Vec<OriginSession>)],
        next_hop: impl Fn(AsIdx) -> Option<(Option<AsIdx>, Learned)>,
    ) {
        for (o, s) in origins {
            let mut s = s.clone();
            s.sort_by_key(|x| (x.neighbour, x.city_key()));
            self.origins[o.ix()] = Some(s);
        }
        // Paths in order of dependence: resolve by memoised recursion.
        let n = self.graph.len();
        let mut state = vec![0u8; n]; // 0 todo, 1 in progress, 2 done
        for v in 0..n as u32 {
            self.install_one(v, &next_hop, &mut state);
        }
        // Adj-RIB-Out and Adj-RIB-In from the installed bests (no MRAI).
        let mrai = std::mem::replace(&mut self.cfg.mrai_ns, 0);
        let mut sink = Vec::new();
        for v in 0..n as u32 {
            self.load_scratch(v);
            for f in self.edges_of(v) {
                self.export_edge(v, f, 0, &mut sink);
            }
        }
        for eff in sink {
            if let Effect::Send { update: u, .. } = eff {
                let e = u.to_edge;
                let v = self.es[e as usize].me;
                let mut ad = u.advert;
                if ad.path != NONE && self.paths.contains(ad.path, v) {
                    ad = Advert::WITHDRAWN;
                }
                if u.city == NO_CITY {
                    self.es[e as usize].rib = ad;
                } else {
                    let list = self.city_rib.entry(e).or_default();
                    if let Err(k) = list.binary_search_by_key(&u.city, |x| x.0) {
                        list.insert(k, (u.city, ad));
                    }
                    self.es[e as usize].set_flag(CITY_RIB, true);
                }
            }
        }
        for e in 0..self.es.len() as u32 {
            self.set_agg(e, self.compute_agg(e));
        }
        self.cfg.mrai_ns = mrai;
        for x in &mut self.es {
            x.mrai_until = 0;
            x.set_flag(MRAI_PENDING, false);
        }
        self.city_mrai.clear();
        self.counters = Counters::default();
        // The installed best's local-pref / no-export follow the aggregates.
        for v in 0..n as u32 {
            let b = self.best[v as usize];
            if b.edge != NONE {
                let a = self.es[b.edge as usize].agg;
                let c = self.candidate(v, b.edge);
                if let Some(c) = c {
                    self.best[v as usize].local_pref = c.local_pref;
                    self.best[v as usize].no_export = a.no_export();
                }
            }
        }
    }

    fn install_one(
        &mut self,
        v: u32,
        next_hop: &impl Fn(AsIdx) -> Option<(Option<AsIdx>, Learned)>,
        state: &mut [u8],
    ) {
        // Iterative: walk down the next-hop chain, then build back up.
        let mut stack = vec![v];
        while let Some(&x) = stack.last() {
            if state[x as usize] == 2 {
                stack.pop();
                continue;
            }
            let Some((nh, learned)) = next_hop(AsIdx(x)) else {
                state[x as usize] = 2;
                stack.pop();
                continue;
            };
            match nh {
                None => {
                    let path = self.paths.cons(x, NONE);
                    self.best[x as usize] = Best {
                        edge: NONE,
                        path,
                        local_pref: Learned::Origin.local_pref(),
                        len: 1,
                        key: 0,
                        nb: NONE,
                        class: Learned::Origin as u8,
                        no_export: false,
                    };
                    state[x as usize] = 2;
                    stack.pop();
                }
                Some(u) => {
                    if state[u.ix()] != 2 {
                        if state[u.ix()] == 1 {
                            // A next-hop cycle cannot come from a solver; drop it.
                            state[x as usize] = 2;
                            stack.pop();
                            continue;
                        }
                        state[x as usize] = 1;
                        stack.push(u.0);
                        continue;
                    }
                    let e = self.edge(AsIdx(x), u).expect("next hop is a neighbour");
                    let bu = self.best[u.ix()];
                    let tail = if bu.class == Learned::Origin as u8 {
                        // The origin's announcement toward x, prepends included.
                        let f = self.es[e as usize].rev;
                        let w = self.origin_wants(u.0, f);
                        let len = |p: u32, s: &Self| s.paths.len(p);
                        w.iter()
                            .map(|w| w.1.path)
                            .min_by_key(|&p| len(p, self))
                            .unwrap_or(bu.path)
                    } else {
                        bu.path
                    };
                    let path = if bu.path == NONE {
                        NONE
                    } else {
                        self.paths.cons(x, tail)
                    };
                    self.best[x as usize] = Best {
                        edge: e,
                        path,
                        local_pref: learned.local_pref(),
                        len: if path == NONE {
                            0
                        } else {
                            self.paths.len(path)
                        },
                        key: self.keys[u.ix()],
                        nb: u.0,
                        class: learned as u8,
                        no_export: false,
                    };
                    state[x as usize] = 2;
                    stack.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    /// A delivery touches its edge's record: it must stay one cache line.
    #[test]
    fn edge_state_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<EdgeState>(), 64);
        assert_eq!(std::mem::align_of::<EdgeState>(), 64);
        assert_eq!(std::mem::size_of::<Advert>(), 12);
    }

    #[test]
    fn advert_packs_length_and_no_export() {
        let a = Advert::new(7, (1 << 31) - 1, 50, true);
        assert_eq!((a.path_len(), a.no_export()), ((1 << 31) - 1, true));
        let mut b = Advert::new(7, 3, LP_BY_REL, true);
        b.and_no_export(true);
        assert!(b.no_export());
        b.and_no_export(false);
        assert_eq!((b.path_len(), b.no_export()), (3, false));
        assert!(Advert::WITHDRAWN.is_withdrawal() && !Advert::WITHDRAWN.no_export());
    }
}
