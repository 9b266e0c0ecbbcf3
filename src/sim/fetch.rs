//! The cache half of the request path: from a request at its PoP's edge to
//! the response, through the hierarchy of [`super::tiers`].
//!
//! At a node (edge or upper tier), a request for key `k`:
//! - **hit**: answered after the node's processing time;
//! - **miss**, with coalescing on and a fetch for `k` already in flight at
//!   this node: the request waits for that fetch (counted `coalesced`);
//! - **miss** otherwise: a fetch leaves for the parent after the node's
//!   processing time. Its RTT is the hierarchy's RTT plus one jitter draw,
//!   split into a request leg (`rtt / 2`, integer ns) and a response leg
//!   (the rest). At an upper tier the same three cases apply; an origin
//!   site answers after `origin.processing`.
//!
//! When a fetch's response arrives, the object is stored in the node's
//! cache (if its headers allow) and every waiter is answered: a client
//! request gets its time to first byte, a child fetch gets its response
//! after its own response leg. Responses the headers forbid storing
//! (`no-store`, `private`, `Set-Cookie`) pass through every tier and are
//! never coalesced (a cache cannot share them).
//!
//! Metrics count only requests whose client request arrived after warmup
//! (a fetch is measured when the request that started it is); the time
//! series counts all, each in the bucket of the arrival time of the client
//! request that caused it (so a bucket's origin requests are those its
//! arrivals caused, a few RTTs later at most).

use super::client::{Class, Served};
use super::tiers::Parent;
use super::{Event, Request, RequestModel};
use crate::cache::Insert;
use crate::engine::Scheduler;
use crate::http::freshness::{Decision, OnError, Stored, decide, on_origin_error};
use crate::scenario::tiers::Freshness;
use crate::time::{SimDuration, SimTime};
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

/// Who waits for a fetch.
#[derive(Clone, Copy, Debug)]
pub(super) enum Waiter {
    Client(Request),
    /// A child node's fetch (by id).
    Child(u32),
}

/// Who waits for a fetch, in the order they came: the first inline and
/// the coalesced ones after it in a `Vec` that allocates only when one
/// joins. Every fetch but a background revalidation starts with a waiter
/// and most get no second one, so this saves a heap allocation and a free
/// per fetch (300,743 of them in 20 s of the IMC-sized run) over a `Vec`
/// of all.
#[derive(Debug, Default)]
pub(super) struct Waiters {
    first: Option<Waiter>,
    rest: Vec<Waiter>,
}

impl Waiters {
    fn one(w: Waiter) -> Waiters {
        Waiters {
            first: Some(w),
            rest: Vec::new(),
        }
    }

    fn push(&mut self, w: Waiter) {
        if self.first.is_none() {
            debug_assert!(self.rest.is_empty());
            self.first = Some(w);
        } else {
            self.rest.push(w);
        }
    }
}

impl IntoIterator for Waiters {
    type Item = Waiter;
    type IntoIter = std::iter::Chain<std::option::IntoIter<Waiter>, std::vec::IntoIter<Waiter>>;
    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

/// One fetch in flight from `node` to its parent.
#[derive(Debug)]
pub(super) struct Fetch {
    node: u32,
    key: u64,
    size: u64,
    storable: bool,
    measured: bool,
    /// Arrival time of the client request that started it.
    cause: SimTime,
    /// Response leg of this fetch's RTT.
    back: SimDuration,
    /// Registered for coalescing at `node`.
    coalescing: bool,
    waiters: Waiters,
    catalog: u32,
    profile: u16,
    object: u64,
    /// Conditional request: the version `node` holds (its validator).
    held: Option<u64>,
    /// When it left `node` (the request time of RFC 9111 §4.2.3).
    sent: SimTime,
    /// A stale-while-revalidate background revalidation.
    background: bool,
    /// The response, set before its `Response` event is scheduled.
    status: Status,
    version: u64,
    /// `Age` of the response.
    age: SimDuration,
    /// The response comes from an origin site (through this fetch or the
    /// parent's), not from an upper tier's store.
    from_origin: bool,
}

/// What a fetch's response is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// 200 with the body.
    Full,
    /// 304: the held version is current.
    NotModified,
    /// The origin failed (outage); passed down unless a cache may serve
    /// stale (stale-if-error).
    Error,
}

/// Freshness facts of one stored object at one node.
#[derive(Clone, Copy, Debug)]
pub(super) struct Meta {
    pub(super) stored: Stored,
    version: u64,
    pub(super) object: u64,
    pub(super) catalog: u32,
    pub(super) profile: u16,
}

impl Meta {
    pub(super) fn new(
        stored: Stored,
        version: u64,
        object: u64,
        catalog: u32,
        profile: u16,
    ) -> Meta {
        Meta {
            stored,
            version,
            object,
            catalog,
            profile,
        }
    }
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    /// Not storable: pass to the parent.
    Pass,
    Miss {
        held: Option<u64>,
    },
    Fresh,
    /// Served stale (stale-while-revalidate); `start`: this request starts
    /// the one background revalidation.
    Stale {
        start: bool,
    },
}

/// The fetches in flight: a slab by id, and per (node, key) the fetch that
/// later misses may join.
#[derive(Debug, Default)]
pub(super) struct Fetches {
    slots: Vec<Option<Fetch>>,
    free: Vec<u32>,
    pending: FxHashMap<(u32, u64), u32>,
}

impl Fetches {
    fn alloc(&mut self, f: Fetch) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(f);
                i
            }
            None => {
                self.slots.push(Some(f));
                (self.slots.len() - 1) as u32
            }
        }
    }
    /// The id the next [`Fetches::alloc`] returns (so that a miss can
    /// register it for coalescing with the same hash probe that looked for
    /// a fetch to join).
    fn next_id(&self) -> u32 {
        self.free.last().copied().unwrap_or(self.slots.len() as u32)
    }
    fn get(&self, id: u32) -> &Fetch {
        self.slots[id as usize].as_ref().expect("live fetch")
    }
    /// The node and cache key of fetch `id`, if live (for hints).
    pub(super) fn node_key(&self, id: u32) -> Option<(u32, u64)> {
        self.slots
            .get(id as usize)?
            .as_ref()
            .map(|f| (f.node, f.key))
    }
    fn get_mut(&mut self, id: u32) -> &mut Fetch {
        self.slots[id as usize].as_mut().expect("live fetch")
    }
    fn take(&mut self, id: u32) -> Fetch {
        let f = self.slots[id as usize].take().expect("live fetch");
        self.free.push(id);
        f
    }
}

/// What a miss needs to know about the object.
#[derive(Clone, Copy, Debug)]
struct Want {
    key: u64,
    size: u64,
    storable: bool,
    measured: bool,
    cause: SimTime,
    catalog: u32,
    profile: u16,
    object: u64,
}

/// The version of `object` at `t` when its catalog changes every `every`:
/// `floor((t + phase) / every)`, the phase drawn from the object id (so
/// objects do not all change at once). Version 0 forever without changes.
pub fn version_at(object: u64, every: Option<SimDuration>, t: SimTime) -> u64 {
    match every {
        None => 0,
        Some(p) => {
            let p = p.as_nanos().max(1);
            let phase = crate::rng::splitmix64(&mut (object ^ 0x5eed_c4a9_e000_0001)) % p;
            (t.as_nanos() + phase) / p
        }
    }
}

impl RequestModel<'_> {
    /// Size, measured flag and cause (client arrival) of fetch `id`, for
    /// the capacity hooks of sim/upstream.rs.
    pub(super) fn fetch_load(&self, id: u32) -> (u64, bool, SimTime) {
        let f = self.fetches.get(id);
        (f.size, f.measured, f.cause)
    }

    /// The response leg of fetch `id`.
    pub(super) fn fetch_back(&self, id: u32) -> SimDuration {
        self.fetches.get(id).back
    }

    /// An upper tier refused fetch `id` (its queue was full): the sender
    /// gets an error after the response leg, as from a failed origin
    /// (stale-if-error may still answer from a stored copy).
    pub(super) fn refuse(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let f = self.fetches.get_mut(id);
        f.status = Status::Error;
        let back = f.back;
        s.schedule_in(back, Event::Response { fetch: id });
    }
}

impl RequestModel<'_> {
    fn measured(&self, arrived: SimTime) -> bool {
        arrived >= SimTime::ZERO + self.cfg.warmup
    }

    /// What a client request asks of its edge.
    fn want(&self, r: &Request) -> Want {
        Want {
            key: r.key,
            size: r.size,
            storable: r.storable,
            measured: self.measured(r.arrived),
            cause: r.arrived,
            catalog: r.catalog,
            profile: r.profile,
            object: r.object,
        }
    }

    /// Stores `key` (`size` bytes) in `node`'s cache, dropping the
    /// freshness facts of every object the store evicts (a cache forgets
    /// an evicted response's headers with its body, so `metas` holds one
    /// entry per resident object, not per key ever stored).
    pub(super) fn store(&mut self, node: usize, key: u64, size: u64) -> Insert {
        let metas = &mut self.metas[node];
        let r = self.caches[node].insert_evicting(key, size, |gone| {
            metas.remove(&gone);
        });
        if r == Insert::Stored {
            self.note_peak(node);
        }
        r
    }

    /// Raises `node`'s high-water mark of resident bytes after an insert
    /// (checked against its capacity by `invariants`).
    pub(super) fn note_peak(&mut self, node: usize) {
        let used = self.caches[node].used_bytes();
        let peak = &mut self.m.tiers[node].peak_bytes;
        *peak = (*peak).max(used);
    }

    pub(super) fn enforced(&self) -> bool {
        self.cfg.tiers.freshness == Freshness::Enforced
    }

    /// Counts one request reaching `node` (metrics and time series).
    fn count(&mut self, node: u32, w: Want, hit: bool) {
        let upper = node as usize >= self.hier.edges;
        let b = self.m.series.at(w.cause);
        if upper {
            b.upper_requests += 1;
            b.upper_hits += u64::from(hit);
        } else {
            b.requests += 1;
            b.bytes += w.size;
            b.edge_hits += u64::from(hit);
        }
        if !w.measured {
            return;
        }
        self.m.tiers[node as usize].cache.record(hit, w.size);
        if upper {
            self.m.upper.record(hit, w.size);
        } else {
            self.m.edge.record(hit, w.size);
            self.m.per_pop[node as usize].edge.record(hit, w.size);
        }
    }

    /// Looks `w` up at `node` at `now`, applying freshness (RFC 9111 §4,
    /// RFC 5861) when enforced.
    fn look(&mut self, node: u32, w: &Want, now: SimTime) -> Look {
        let look = self.look_up(node, w, now);
        if w.measured
            && matches!(look, Look::Miss { .. } | Look::Stale { .. })
            && !self.purged.is_empty()
            && self.purged.contains(&(node, w.key))
        {
            self.m.purge_misses += 1;
        }
        look
    }

    fn look_up(&mut self, node: u32, w: &Want, now: SimTime) -> Look {
        let t = &mut self.m.tiers[node as usize];
        if !w.storable {
            t.bypassed += u64::from(w.measured);
            return Look::Pass;
        }
        t.lookups += u64::from(w.measured);
        if !self.caches[node as usize].lookup(w.key) {
            return Look::Miss { held: None };
        }
        if !self.enforced() {
            return Look::Fresh;
        }
        let p = self.policies[w.catalog as usize][w.profile as usize];
        let Some(meta) = self.metas[node as usize].get_mut(&w.key) else {
            return Look::Fresh;
        };
        match decide(&p, &meta.stored, now) {
            Decision::Fresh => Look::Fresh,
            Decision::StaleWhileRevalidate { start_revalidation } => {
                // A fetch in flight for this key at this node: only then
                // looked up (a hash probe per stale hit, not per hit).
                let start =
                    start_revalidation && !self.fetches.pending.contains_key(&(node, w.key));
                if start {
                    meta.stored.revalidating = true;
                }
                Look::Stale { start }
            }
            Decision::Validate { conditional } => Look::Miss {
                held: conditional.then_some(meta.version),
            },
        }
    }

    /// Counts a lookup's freshness outcome and starts a background
    /// revalidation when the lookup says so.
    fn after_hit(&mut self, s: &mut Scheduler<Event>, node: u32, w: Want, look: Look) {
        if let Look::Stale { start } = look {
            self.m.stale_served += u64::from(w.measured);
            if start {
                let held = self.policies[w.catalog as usize][w.profile as usize]
                    .validators
                    .then(|| self.metas[node as usize].get(&w.key).map(|m| m.version))
                    .flatten();
                let id = self.new_fetch(node, w, held, Waiters::default(), true);
                self.m.background_revalidations += u64::from(w.measured);
                if w.measured {
                    let t = &mut self.m.tiers[node as usize];
                    t.background += 1;
                    t.background_bytes += w.size;
                }
                self.send(s, id);
            }
        }
    }

    /// A client request reaches its PoP's edge.
    pub(super) fn at_edge(&mut self, s: &mut Scheduler<Event>, r: Request) {
        let now = s.now();
        let node = r.pop;
        let w = self.want(&r);
        let look = self.look(node, &w, now);
        let hit = matches!(look, Look::Fresh | Look::Stale { .. });
        self.count(node, w, hit);
        if hit {
            let done = now + self.hier.nodes[node as usize].processing;
            self.answer_client(s, &r, done, Class::Hit);
            self.after_hit(s, node, w, look);
            return;
        }
        let held = match look {
            Look::Miss { held } => held,
            _ => None,
        };
        if look == Look::Pass {
            self.m.uncacheable += u64::from(w.measured);
        }
        self.miss(s, node, Waiter::Client(r), w, held);
    }

    /// A child's fetch reaches upper tier `node`.
    pub(super) fn at_tier(&mut self, s: &mut Scheduler<Event>, node: u32, child: u32) {
        let now = s.now();
        let c = self.fetches.get(child);
        let w = Want {
            key: c.key,
            size: c.size,
            storable: c.storable,
            measured: c.measured,
            cause: c.cause,
            catalog: c.catalog,
            profile: c.profile,
            object: c.object,
        };
        let back = c.back;
        let look = self.look(node, &w, now);
        let hit = matches!(look, Look::Fresh | Look::Stale { .. });
        self.count(node, w, hit);
        if hit {
            self.respond_from_store(node, child, now);
            let d = self.hier.nodes[node as usize].processing + back;
            s.schedule_in(d, Event::Response { fetch: child });
            self.after_hit(s, node, w, look);
            return;
        }
        let held = match look {
            Look::Miss { held } => held,
            _ => None,
        };
        self.miss(s, node, Waiter::Child(child), w, held);
    }

    /// Sets child fetch `child`'s response from `node`'s stored copy at
    /// `now`: 304 when the child holds the same version, else 200.
    fn respond_from_store(&mut self, node: u32, child: u32, now: SimTime) {
        let (version, age) = match self.metas[node as usize].get(&self.fetches.get(child).key) {
            Some(m) if self.enforced() => (m.version, m.stored.current_age(now)),
            Some(m) => (m.version, SimDuration::ZERO),
            None => (0, SimDuration::ZERO),
        };
        self.set_result(child, version, age);
    }

    fn set_result(&mut self, id: u32, version: u64, age: SimDuration) {
        let f = self.fetches.get_mut(id);
        f.version = version;
        f.age = age;
        f.status = if f.held == Some(version) {
            Status::NotModified
        } else {
            Status::Full
        };
    }

    /// A new fetch, registered for coalescing at `node` when it may be.
    fn new_fetch(
        &mut self,
        node: u32,
        w: Want,
        held: Option<u64>,
        waiters: Waiters,
        background: bool,
    ) -> u32 {
        let id = self.alloc_fetch(node, w, held, waiters, background);
        if self.cfg.tiers.coalescing && w.storable {
            self.fetches.pending.insert((node, w.key), id);
        }
        id
    }

    /// A new fetch, not registered for coalescing.
    fn alloc_fetch(
        &mut self,
        node: u32,
        w: Want,
        held: Option<u64>,
        waiters: Waiters,
        background: bool,
    ) -> u32 {
        let coalescing = self.cfg.tiers.coalescing && w.storable;
        self.fetches.alloc(Fetch {
            node,
            key: w.key,
            size: w.size,
            storable: w.storable,
            measured: w.measured,
            cause: w.cause,
            back: SimDuration::ZERO,
            coalescing,
            waiters,
            catalog: w.catalog,
            profile: w.profile,
            object: w.object,
            held,
            sent: SimTime::ZERO,
            background,
            status: Status::Full,
            version: 0,
            age: SimDuration::ZERO,
            from_origin: false,
        })
    }

    /// A miss at `node`: join the fetch in flight or start one.
    fn miss(
        &mut self,
        s: &mut Scheduler<Event>,
        node: u32,
        waiter: Waiter,
        w: Want,
        held: Option<u64>,
    ) {
        let coalescing = self.cfg.tiers.coalescing && w.storable;
        if coalescing {
            // One hash probe: join the fetch in flight, or register the
            // one about to be allocated.
            let next = self.fetches.next_id();
            match self.fetches.pending.entry((node, w.key)) {
                Entry::Occupied(e) => {
                    let f = *e.get();
                    self.fetches.get_mut(f).waiters.push(waiter);
                    self.m.series.at(w.cause).coalesced += 1;
                    if w.measured {
                        self.m.coalesced += 1;
                        self.m.tiers[node as usize].coalesced += 1;
                        self.m.tiers[node as usize].coalesced_bytes += w.size;
                    }
                    return;
                }
                Entry::Vacant(e) => {
                    e.insert(next);
                }
            }
        }
        let id = self.alloc_fetch(node, w, held, Waiters::one(waiter), false);
        debug_assert!(!coalescing || id == self.fetches.pending[&(node, w.key)]);
        self.send(s, id);
    }

    /// Sends fetch `id` from its node to the node's parent.
    fn send(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let now = s.now();
        let f = self.fetches.get(id);
        let (node, key, size, measured) = (f.node, f.key, f.size, f.measured);
        let held = f.held;
        let parent = self.hier.parent(node, key);
        let n = &self.hier.nodes[node as usize];
        let processing = n.processing;
        let jitter = SimDuration::from_millis_f64(self.noise.jitter_ms());
        let rtt = self.hier.rtt(node, parent) + jitter;
        let leg = SimDuration::from_nanos(rtt.as_nanos() / 2);
        {
            let f = self.fetches.get_mut(id);
            f.back = rtt - leg;
            f.sent = now;
        }
        if measured {
            self.m.revalidations += u64::from(held.is_some());
            let t = &mut self.m.tiers[node as usize];
            t.fetches += 1;
            t.fetch_bytes += size;
            if (node as usize) < self.hier.edges {
                let p = &mut self.m.per_pop[node as usize];
                p.origin_requests += 1;
                p.origin_bytes += size;
            }
        }
        match parent {
            Parent::Node(p) => {
                s.schedule_in(processing + leg, Event::AtTier { node: p, fetch: id });
            }
            Parent::Origin(o) => {
                self.fetches.get_mut(id).from_origin = true;
                if self.upstream.limited(self.upstream.origin_site(o)) {
                    // The origin's queues take it when it arrives
                    // (`Event::AtOrigin`, sim/upstream.rs).
                    let fetch = id;
                    let origin = o as u32;
                    s.schedule_in(processing + leg, Event::AtOrigin { origin, fetch });
                    return;
                }
                let reaches = now + processing + leg;
                // Unlimited: counted in its load (tier_load.csv), no queue.
                if !self.cfg.tiers.origin_down(o, reaches) {
                    let site = self.upstream.origin_site(o);
                    let _ = self.upstream.admit(site, reaches, size, measured, false);
                }
                let after = processing + rtt + self.cfg.origin.processing;
                self.origin_answer(s, id, o, reaches, after, false);
            }
        }
    }

    /// Fetch `id` reaches origin site `o` at `reaches`: an error during an
    /// outage or when `refused` (its queue was full), else the current
    /// version; its `Response` is due `after` from now.
    pub(super) fn origin_answer(
        &mut self,
        s: &mut Scheduler<Event>,
        id: u32,
        o: usize,
        reaches: SimTime,
        after: SimDuration,
        refused: bool,
    ) {
        let f = self.fetches.get(id);
        let (size, measured, cause) = (f.size, f.measured, f.cause);
        let (object, catalog) = (f.object, f.catalog);
        let body = if refused || self.cfg.tiers.origin_down(o, reaches) {
            self.fetches.get_mut(id).status = Status::Error;
            self.m.origin_errors += u64::from(measured);
            0
        } else {
            let every = self.cfg.tiers.change_every[catalog as usize];
            let v = if self.enforced() {
                version_at(object, every, reaches)
            } else {
                0
            };
            self.set_result(id, v, SimDuration::ZERO);
            let nm = self.fetches.get(id).status == Status::NotModified;
            self.m.not_modified += u64::from(nm && measured);
            if nm { 0 } else { size }
        };
        let b = self.m.series.at(cause);
        b.origin_requests += 1;
        b.origin_bytes += body;
        if measured {
            self.m.origin_requests += 1;
            self.m.origin_bytes += body;
            let om = &mut self.m.origins[o];
            om.requests += 1;
            om.bytes += body;
        }
        s.schedule_in(after, Event::Response { fetch: id });
    }

    /// The response to fetch `id` reaches its node: store, answer waiters.
    pub(super) fn response(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let now = s.now();
        let f = self.fetches.take(id);
        let node = f.node as usize;
        if f.coalescing
            && let Entry::Occupied(e) = self.fetches.pending.entry((f.node, f.key))
            && *e.get() == id
        {
            e.remove();
        }
        if f.background
            && let Some(m) = self.metas[node].get_mut(&f.key)
        {
            m.stored.revalidating = false;
        }
        let mut failed = false;
        // A fill reaching an edge whose PoP failed meanwhile is dropped
        // (its client waiters are lost in `answer_client`).
        let down = node < self.hier.edges
            && self
                .routing
                .as_ref()
                .is_some_and(|rt| rt.is_down(node, now));
        if f.storable && f.status != Status::Error && !self.purged.is_empty() {
            self.purged.remove(&(f.node, f.key));
        }
        match f.status {
            Status::Error => {
                // stale-if-error (RFC 5861 §4): a stored copy may answer.
                let p = self.policies[f.catalog as usize][f.profile as usize];
                let stale_ok = f.storable
                    && self.caches[node].contains(f.key)
                    && self.metas[node].get(&f.key).is_some_and(|m| {
                        !self.enforced()
                            || on_origin_error(&p, &m.stored, now) == OnError::ServeStale
                    });
                failed = !stale_ok;
            }
            _ if down => {}
            Status::NotModified if f.storable => self.refresh_stored(node, &f, now),
            Status::Full if f.storable => self.fill(node, &f, now),
            _ => {}
        }
        for w in f.waiters {
            match w {
                Waiter::Client(r) if failed => {
                    self.m.errors += u64::from(self.measured(r.arrived));
                }
                Waiter::Client(r) => {
                    let class = if f.status == Status::Error {
                        self.m.stale_if_error_served += u64::from(self.measured(r.arrived));
                        Class::Hit
                    } else if !f.storable {
                        Class::Dynamic
                    } else if f.from_origin {
                        Class::MissOrigin
                    } else {
                        Class::MissUpper
                    };
                    self.answer_client(s, &r, now, class);
                }
                Waiter::Child(c) => {
                    if failed {
                        self.fetches.get_mut(c).status = Status::Error;
                    } else if f.storable {
                        self.respond_from_store(f.node, c, now);
                    } else {
                        self.set_result(c, f.version, f.age);
                    }
                    self.fetches.get_mut(c).from_origin = f.from_origin;
                    let back = self.fetches.get(c).back;
                    s.schedule_in(back, Event::Response { fetch: c });
                }
            }
        }
    }

    /// A 304 for fetch `f` reached `node`: the stored copy's freshness is
    /// renewed (RFC 9111 §4.3.4). A copy evicted meanwhile is stored
    /// again; facts are kept for resident objects only, so one that is not
    /// admitted any more stores nothing.
    fn refresh_stored(&mut self, node: usize, f: &Fetch, now: SimTime) {
        if !self.caches[node].contains(f.key) && self.store(node, f.key, f.size) != Insert::Stored {
            return;
        }
        let m = self.metas[node].entry(f.key).or_insert(Meta {
            stored: Stored::new(f.sent, now, f.age, None),
            version: f.version,
            object: f.object,
            catalog: f.catalog,
            profile: f.profile,
        });
        m.stored.refreshed(f.sent, now, f.age, None);
        m.version = f.version;
    }

    /// A full response for fetch `f` reached `node`: stored (unless not
    /// admitted) with its freshness facts.
    fn fill(&mut self, node: usize, f: &Fetch, now: SimTime) {
        if self.store(node, f.key, f.size) == Insert::Rejected {
            return;
        }
        self.metas[node].insert(
            f.key,
            Meta {
                stored: Stored::new(f.sent, now, f.age, None),
                version: f.version,
                object: f.object,
                catalog: f.catalog,
                profile: f.profile,
            },
        );
    }

    /// A client request reaches its PoP: the capacity hook (the PoP's
    /// queues: a wait or a drop) and, for a dynamic request, the edge
    /// function; then the cache lookup (`Served`) once both are done.
    pub(super) fn admit_at_pop(&mut self, s: &mut Scheduler<Event>, mut r: Request) {
        let now = s.now();
        let pop = r.pop as usize;
        if let Some(rt) = &mut self.routing {
            // In flight to a PoP that failed meanwhile: lost.
            if rt.is_down(pop, now) {
                self.lost_before_pop(self.measured(r.arrived));
                self.retry(s, now, r.src(), r.attempt, false);
                return;
            }
            rt.record_served(now, pop);
        }
        let Some(queued) = self.client.admit(pop, now, r.arrived, r.size) else {
            return;
        };
        let compute = if r.storable {
            None
        } else {
            self.client.compute(r.arrived)
        };
        r.queued = queued;
        let work = queued + compute.map_or(SimDuration::ZERO, |(c, _)| c.time);
        if compute.is_some_and(|(_, fetch)| !fetch) {
            // The edge function answers by itself: no cache, no fetch.
            let w = self.want(&r);
            self.count(r.pop, w, false);
            self.m.uncacheable += u64::from(w.measured);
            if w.measured {
                let t = &mut self.m.tiers[pop];
                t.local += 1;
                t.local_bytes += w.size;
            }
            let done = now + work + self.hier.nodes[pop].processing;
            self.answer_client(s, &r, done, Class::Dynamic);
            return;
        }
        if work == SimDuration::ZERO {
            self.at_edge(s, r);
        } else {
            s.schedule_in(work, Event::Served(r));
        }
    }

    /// The edge sends the response to client request `r` at `leaves`:
    /// the transport hook turns the server time into the client's timing.
    /// With routing events, a response from a PoP that fails before it
    /// leaves is lost and the request retried; a long-lived connection
    /// whose group's packets stop reaching this PoP while it is open
    /// breaks (its first response is measured) and is retried.
    fn answer_client(
        &mut self,
        s: &mut Scheduler<Event>,
        r: &Request,
        leaves: SimTime,
        class: Class,
    ) {
        let measured = self.measured(r.arrived);
        // The request reached the PoP after the DNS wait and half its RTT.
        let half = SimDuration::from_nanos(r.rtt.as_nanos() / 2);
        let reached = r.arrived + r.dns + half;
        if let Some(t) = self
            .routing
            .as_ref()
            .and_then(|rt| rt.fails_within(r.pop as usize, reached, leaves))
        {
            self.m.lost += u64::from(measured);
            self.retry(s, t, r.src(), r.attempt, false);
            return;
        }
        let server = leaves - reached;
        let timing = self.client.finish(Served {
            class,
            group: r.group as usize,
            dns: r.dns,
            rtt: r.rtt,
            server,
            queueing: r.queued,
            size: r.size,
            measured,
        });
        let ttfb = timing.ttfb();
        if let Some(rt) = &self.routing {
            let open = r.arrived + self.cfg.bgp.long_lived_duration.max(ttfb);
            let brk = r
                .long
                .then(|| rt.breaks_within(r.group as usize, r.pop as usize, r.arrived, open))
                .flatten();
            if let Some(t) = brk {
                self.retry(s, t, r.src(), r.attempt, true);
            }
        }
        if !measured {
            return;
        }
        let m = &mut self.m;
        // The run's overall histogram is the merge of the PoPs' (at the
        // end of the run, `RunMetrics::finish_histograms`): one HDR record
        // fewer per response, the same counts.
        m.per_pop[r.pop as usize].ttfb.record(ttfb);
        let gm = &mut m.per_group[r.group as usize];
        gm.requests += 1;
        gm.ttfb.record(ttfb);
        // With full HDR histograms per group, each continent's is the
        // merge of its groups' (`RequestModel::finish_continents`).
        if !self.continents_from_groups {
            m.per_continent[self.group_continent[r.group as usize] as usize]
                .1
                .record(ttfb);
        }
    }

    /// PoP `pop` fails: its edge cache is emptied (with its freshness
    /// facts); fetches in flight there are answered into the void.
    pub(super) fn pop_fail(&mut self, pop: usize) {
        self.caches[pop] = self.hier.cache(pop, self.cfg);
        self.metas[pop].clear();
    }
}
