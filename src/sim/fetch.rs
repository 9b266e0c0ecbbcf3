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

use super::tiers::Parent;
use super::{Event, Request, RequestModel};
use crate::engine::Scheduler;
use crate::time::{SimDuration, SimTime};
use rustc_hash::FxHashMap;

/// Who waits for a fetch.
#[derive(Clone, Copy, Debug)]
pub(super) enum Waiter {
    Client(Request),
    /// A child node's fetch (by id).
    Child(u32),
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
    waiters: Vec<Waiter>,
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
    fn get(&self, id: u32) -> &Fetch {
        self.slots[id as usize].as_ref().expect("live fetch")
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
}

impl RequestModel<'_> {
    fn measured(&self, arrived: SimTime) -> bool {
        arrived >= SimTime::ZERO + self.cfg.warmup
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

    /// A client request reaches its PoP's edge.
    pub(super) fn at_edge(&mut self, s: &mut Scheduler<Event>, r: Request) {
        let now = s.now();
        let node = r.pop;
        let w = Want {
            key: r.key,
            size: r.size,
            storable: r.storable,
            measured: self.measured(r.arrived),
            cause: r.arrived,
        };
        // Responses the headers forbid storing go to the parent.
        let hit = r.storable && self.caches[node as usize].lookup(r.key);
        self.count(node, w, hit);
        if hit {
            let done = now + self.hier.nodes[node as usize].processing;
            self.answer_client(&r, done);
            return;
        }
        if !r.storable {
            self.m.uncacheable += u64::from(w.measured);
        }
        self.miss(s, node, Waiter::Client(r), w);
    }

    /// A child's fetch reaches upper tier `node`.
    pub(super) fn at_tier(&mut self, s: &mut Scheduler<Event>, node: u32, child: u32) {
        let c = self.fetches.get(child);
        let w = Want {
            key: c.key,
            size: c.size,
            storable: c.storable,
            measured: c.measured,
            cause: c.cause,
        };
        let back = c.back;
        let hit = w.storable && self.caches[node as usize].lookup(w.key);
        self.count(node, w, hit);
        if hit {
            let d = self.hier.nodes[node as usize].processing + back;
            s.schedule_in(d, Event::Response { fetch: child });
            return;
        }
        self.miss(s, node, Waiter::Child(child), w);
    }

    /// A miss at `node`: join the fetch in flight or start one.
    fn miss(&mut self, s: &mut Scheduler<Event>, node: u32, waiter: Waiter, w: Want) {
        let coalescing = self.cfg.tiers.coalescing && w.storable;
        if coalescing && let Some(&f) = self.fetches.pending.get(&(node, w.key)) {
            self.fetches.get_mut(f).waiters.push(waiter);
            self.m.series.at(w.cause).coalesced += 1;
            if w.measured {
                self.m.coalesced += 1;
                self.m.tiers[node as usize].coalesced += 1;
            }
            return;
        }
        let id = self.fetches.alloc(Fetch {
            node,
            key: w.key,
            size: w.size,
            storable: w.storable,
            measured: w.measured,
            cause: w.cause,
            back: SimDuration::ZERO,
            coalescing,
            waiters: vec![waiter],
        });
        if coalescing {
            self.fetches.pending.insert((node, w.key), id);
        }
        self.send(s, id);
    }

    /// Sends fetch `id` from its node to the node's parent.
    fn send(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let f = self.fetches.get(id);
        let (node, key, size, measured, cause) = (f.node, f.key, f.size, f.measured, f.cause);
        let parent = self.hier.parent(node, key);
        let n = &self.hier.nodes[node as usize];
        let processing = n.processing;
        let jitter = SimDuration::from_millis_f64(self.noise.jitter_ms());
        let rtt = self.hier.rtt(node, parent) + jitter;
        let leg = SimDuration::from_nanos(rtt.as_nanos() / 2);
        self.fetches.get_mut(id).back = rtt - leg;
        if measured {
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
                let b = self.m.series.at(cause);
                b.origin_requests += 1;
                b.origin_bytes += size;
                if measured {
                    self.m.origin_requests += 1;
                    self.m.origin_bytes += size;
                    let om = &mut self.m.origins[o];
                    om.requests += 1;
                    om.bytes += size;
                }
                s.schedule_in(
                    processing + rtt + self.cfg.origin.processing,
                    Event::Response { fetch: id },
                );
            }
        }
    }

    /// The response to fetch `id` reaches its node: store, answer waiters.
    pub(super) fn response(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let now = s.now();
        let f = self.fetches.take(id);
        if f.coalescing {
            self.fetches.pending.remove(&(f.node, f.key));
        }
        if f.storable {
            self.caches[f.node as usize].insert(f.key, f.size);
        }
        for w in f.waiters {
            match w {
                Waiter::Client(r) => self.answer_client(&r, now),
                Waiter::Child(c) => {
                    let back = self.fetches.get(c).back;
                    s.schedule_in(back, Event::Response { fetch: c });
                }
            }
        }
    }

    /// The edge sends the response to client request `r` at `leaves`.
    fn answer_client(&mut self, r: &Request, leaves: SimTime) {
        if !self.measured(r.arrived) {
            return;
        }
        let back = r.rtt - SimDuration::from_nanos(r.rtt.as_nanos() / 2);
        let ttfb = (leaves - r.arrived) + back;
        let m = &mut self.m;
        m.ttfb.record(ttfb);
        m.per_pop[r.pop as usize].ttfb.record(ttfb);
        let gm = &mut m.per_group[r.group as usize];
        gm.requests += 1;
        gm.ttfb.record(ttfb);
    }
}
