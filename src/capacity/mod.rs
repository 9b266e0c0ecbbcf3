//! Capacity: explicit FIFO queues with `c` servers and a finite waiting
//! room, evaluated exactly without events of their own.
//!
//! When arrivals are offered in time order (the engine's order), a FIFO
//! queue needs no departure events: each request starts at
//! `max(arrival, earliest server-free time)` and holds that server until
//! `start + service`. Because service is first come, first served, start
//! times never decrease, so the requests still waiting at time `t` are the
//! admitted ones whose start is after `t`: a deque popped from the front.
//! An arrival that finds `room` requests waiting is dropped (the waiting
//! room does not count requests in service), as in an M/G/c/(c+room)
//! system. Clock-free: the caller passes each arrival's time.
//!
//! A PoP has two such resources ([`PopCapacity`]): request processing
//! (`servers` workers, each taking `servers / requests_per_s` per request,
//! so the PoP's throughput is `requests_per_s`) and its egress link (one
//! server taking `bytes x 8 / egress_bps` per response: whole responses in
//! FIFO order, a store-and-forward link without interleaving).
//! [`Usage`] keeps utilisation, waits and drops per time bucket.
//! The queueing model, defaults and their checks: docs/transport.md.

use crate::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Default worker count of a PoP's request processing.
pub const DEFAULT_SERVERS: u32 = 8;
/// Default waiting room (requests) of a queue.
pub const DEFAULT_QUEUE_ROOM: u32 = 1000;

/// The outcome of offering one request to a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Served: waited `wait`, service ends at `done`.
    Served { wait: SimDuration, done: SimTime },
    /// The waiting room was full.
    Dropped,
}

impl Admit {
    pub fn wait(&self) -> Option<SimDuration> {
        match self {
            Admit::Served { wait, .. } => Some(*wait),
            Admit::Dropped => None,
        }
    }
}

/// A FIFO queue with `c` identical servers and `room` waiting places.
#[derive(Clone, Debug)]
pub struct FifoQueue {
    /// Time each server becomes free [ns] (min-heap).
    free: BinaryHeap<Reverse<u64>>,
    /// Start times of admitted requests that have not started [ns].
    waiting: VecDeque<u64>,
    room: usize,
    last_arrival: u64,
}

impl FifoQueue {
    pub fn new(servers: u32, room: u32) -> Self {
        FifoQueue {
            free: (0..servers.max(1)).map(|_| Reverse(0)).collect(),
            waiting: VecDeque::new(),
            room: room as usize,
            last_arrival: 0,
        }
    }

    pub fn servers(&self) -> usize {
        self.free.len()
    }

    /// Requests waiting (not in service) at `now`, after `now`'s starts.
    pub fn waiting_at(&mut self, now: SimTime) -> usize {
        let t = now.as_nanos();
        while self.waiting.front().is_some_and(|&s| s <= t) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }

    /// Offers a request arriving at `arrival` (not before the previous
    /// arrival) that needs `service` of one server.
    pub fn offer(&mut self, arrival: SimTime, service: SimDuration) -> Admit {
        let a = arrival.as_nanos();
        debug_assert!(a >= self.last_arrival, "arrivals out of time order");
        self.last_arrival = a;
        let Reverse(earliest) = *self.free.peek().expect("at least one server");
        if earliest > a && self.waiting_at(arrival) >= self.room {
            return Admit::Dropped;
        }
        self.free.pop();
        let start = earliest.max(a);
        let done = start.saturating_add(service.as_nanos());
        self.free.push(Reverse(done));
        if start > a {
            self.waiting.push_back(start);
        }
        Admit::Served {
            wait: SimDuration::from_nanos(start - a),
            done: SimTime::from_nanos(done),
        }
    }
}

/// One time bucket of a resource's use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsageBucket {
    /// Requests offered.
    pub offered: u64,
    pub dropped: u64,
    /// Service time of the admitted requests [ns], by arrival bucket.
    pub busy_ns: u64,
    /// Sum of the admitted requests' waits [ns].
    pub wait_ns: u64,
    /// Largest wait [ns].
    pub max_wait_ns: u64,
}

/// Use of one resource over time, in fixed buckets by arrival time.
#[derive(Clone, Debug)]
pub struct Usage {
    pub interval: SimDuration,
    pub buckets: Vec<UsageBucket>,
}

impl Usage {
    pub fn new(interval: SimDuration, horizon: SimDuration) -> Self {
        let n = horizon.as_nanos().div_ceil(interval.as_nanos().max(1)) as usize;
        Usage {
            interval,
            buckets: vec![UsageBucket::default(); n.max(1)],
        }
    }
    fn at(&mut self, t: SimTime) -> &mut UsageBucket {
        let i = (t.as_nanos() / self.interval.as_nanos().max(1)) as usize;
        let last = self.buckets.len() - 1;
        &mut self.buckets[i.min(last)]
    }
    pub fn record(&mut self, t: SimTime, service: SimDuration, outcome: Admit) {
        let b = self.at(t);
        b.offered += 1;
        match outcome {
            Admit::Dropped => b.dropped += 1,
            Admit::Served { wait, .. } => {
                b.busy_ns += service.as_nanos();
                b.wait_ns += wait.as_nanos();
                b.max_wait_ns = b.max_wait_ns.max(wait.as_nanos());
            }
        }
    }
}

/// Capacities of one site (PoP, tier or origin).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiteCapacity {
    /// Requests per second the site can process (None: unlimited).
    pub requests_per_s: Option<f64>,
    /// Parallel workers sharing that rate.
    pub servers: u32,
    /// Egress bandwidth [bit/s] (None: unlimited).
    pub egress_bps: Option<f64>,
    /// Waiting room of each queue [requests].
    pub room: u32,
}

/// Why a request was refused at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    Requests,
    Egress,
}

/// The queues of one site and their use over time.
#[derive(Clone, Debug)]
pub struct PopCapacity {
    pub cap: SiteCapacity,
    requests: Option<FifoQueue>,
    egress: Option<FifoQueue>,
    pub request_usage: Usage,
    pub egress_usage: Usage,
}

impl PopCapacity {
    pub fn new(cap: SiteCapacity, interval: SimDuration, horizon: SimDuration) -> Self {
        PopCapacity {
            cap,
            requests: cap
                .requests_per_s
                .map(|_| FifoQueue::new(cap.servers, cap.room)),
            egress: cap.egress_bps.map(|_| FifoQueue::new(1, cap.room)),
            request_usage: Usage::new(interval, horizon),
            egress_usage: Usage::new(interval, horizon),
        }
    }

    /// Whether the site has any finite capacity.
    pub fn limited(&self) -> bool {
        self.requests.is_some() || self.egress.is_some()
    }

    /// Admits a request of `bytes` arriving at `now`: the queueing delay
    /// before its first byte can leave, or why it was refused. The egress
    /// link is offered the response when processing ends; since those
    /// times are not in arrival order, the link is evaluated at the
    /// request's arrival with its wait added (an approximation that is
    /// exact when processing does not queue).
    pub fn admit(&mut self, now: SimTime, bytes: u64) -> Result<SimDuration, Refused> {
        let mut delay = SimDuration::ZERO;
        if let (Some(q), Some(rate)) = (&mut self.requests, self.cap.requests_per_s) {
            let service = SimDuration::from_secs_f64(f64::from(self.cap.servers) / rate);
            let a = q.offer(now, service);
            self.request_usage.record(now, service, a);
            match a {
                Admit::Dropped => return Err(Refused::Requests),
                Admit::Served { wait, .. } => delay += wait,
            }
        }
        if let (Some(q), Some(bps)) = (&mut self.egress, self.cap.egress_bps) {
            let service = SimDuration::from_secs_f64(bytes as f64 * 8.0 / bps);
            let a = q.offer(now, service);
            self.egress_usage.record(now, service, a);
            match a {
                Admit::Dropped => return Err(Refused::Egress),
                Admit::Served { wait, .. } => delay += wait,
            }
        }
        Ok(delay)
    }
}

#[cfg(test)]
mod tests;
