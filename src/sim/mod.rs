//! The request model: clients, steering, edge caches and the origin, driven
//! by the engine.
//!
//! Per request (all times simulated):
//! 1. a client group issues a request at `t` (Poisson arrivals over all
//!    groups at the scenario's total rate; the group is drawn by weight);
//! 2. steering picks the PoP (`nearest`: the geographically nearest PoP);
//! 3. the request reaches the edge at `t + rtt/2`, where the cache is
//!    looked up (event `AtEdge`);
//! 4. a hit answers after the edge processing time; a miss is fetched from
//!    the origin over an already-open connection (one edge-origin RTT plus
//!    origin processing) and inserted into the edge cache when the response
//!    arrives (event `Fill`). Misses for an object already being fetched are
//!    fetched again: request coalescing is not modelled yet.
//!
//! Time to first byte = client-PoP RTT + edge processing, plus edge-origin
//! RTT and origin processing on a miss. The client-PoP RTT of a request is
//! the path RTT plus twice a last-mile access delay drawn per request (each
//! request comes from a different user of the group) plus per-request jitter;
//! the edge-origin RTT gets its own jitter draw. Distributions and fitted
//! parameters: docs/latency-model.md. Transport setup (TCP/TLS handshakes) and
//! transfer time are not modelled yet: this is the "warm connection" view
//! of a request, stated in the outputs as `transport = "warm-connection"`.

pub mod plan;

pub use plan::{GroupRoute, plan};

use crate::cache::{Cache, TinyLfu};
use crate::engine::{self, Budget, Control, Model, Outcome, Scheduler};
use crate::geo::CityId;
use crate::metrics::{CacheCounters, LatencyHistogram, TimeSeries};
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::scenario::raw::Admission;
use crate::time::{SimDuration, SimTime};
use crate::workload::Workload;
use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal};

/// Largest TinyLFU sketch, in expected objects.
pub const TINYLFU_MAX_OBJECTS: u64 = 1 << 24;

/// How long after the last arrival in-flight requests may still complete.
pub const DRAIN_LIMIT: SimDuration = SimDuration::from_secs(3600);

/// Results of one run, recorded by the model.
#[derive(Clone, Debug)]
pub struct RunMetrics {
    pub ttfb: LatencyHistogram,
    pub edge: CacheCounters,
    pub origin_requests: u64,
    pub origin_bytes: u64,
    pub per_pop: Vec<PopMetrics>,
    pub per_group: Vec<GroupMetrics>,
    pub series: TimeSeries,
    /// Events handed to the model.
    pub events: u64,
    /// Requests issued, warmup included.
    pub issued: u64,
}

#[derive(Clone, Debug, Default)]
pub struct PopMetrics {
    pub edge: CacheCounters,
    pub origin_requests: u64,
    pub origin_bytes: u64,
    pub ttfb: LatencyHistogram,
}

#[derive(Clone, Debug, Default)]
pub struct GroupMetrics {
    pub requests: u64,
    pub ttfb: LatencyHistogram,
}

#[derive(Clone, Copy, Debug)]
struct Request {
    arrived: SimTime,
    /// This request's client-PoP RTT (path + access + jitter).
    rtt: SimDuration,
    group: u32,
    pop: u32,
    object: u64,
    size: u64,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival,
    AtEdge(Request),
    Fill { pop: u32, object: u64, size: u64 },
}

struct RequestModel<'a> {
    cfg: &'a RunConfig,
    workload: Workload,
    arrivals: StreamRng,
    draws: StreamRng,
    group_cumulative: Vec<f64>,
    routes: &'a [GroupRoute],
    pop_origin_rtt: Vec<SimDuration>,
    edges: Vec<Cache<Box<dyn crate::cache::Policy>>>,
    noise: PathNoise,
    m: RunMetrics,
}

/// Per-request latency variation, drawn from its own stream.
struct PathNoise {
    rng: StreamRng,
    access: Option<LogNormal<f64>>,
    jitter: Option<Gamma<f64>>,
}

impl PathNoise {
    /// One-way access delay [ms].
    fn access_ms(&mut self) -> f64 {
        self.access.map_or(0.0, |d| d.sample(&mut self.rng))
    }
    /// RTT jitter [ms].
    fn jitter_ms(&mut self) -> f64 {
        self.jitter.map_or(0.0, |d| d.sample(&mut self.rng))
    }
}

impl RequestModel<'_> {
    fn next_gap(&mut self) -> SimDuration {
        // Exponential inter-arrival time; 1 - u lies in (0, 1].
        let u: f64 = self.arrivals.random();
        SimDuration::from_secs_f64(-(1.0 - u).ln() / self.cfg.rate)
    }
}

impl Model for RequestModel<'_> {
    type Event = Event;

    fn handle(&mut self, s: &mut Scheduler<Event>, ev: Event) {
        let now = s.now();
        match ev {
            Event::Arrival => {
                let u: f64 = self.draws.random();
                let g = self
                    .group_cumulative
                    .partition_point(|&c| c <= u)
                    .min(self.routes.len() - 1);
                let d = self.workload.draw_at(now, &mut self.draws);
                let (object, size) = (d.object, d.size);
                let route = &self.routes[g];
                self.m.issued += 1;
                let extra_ms = 2.0 * self.noise.access_ms() + self.noise.jitter_ms();
                let rtt = route.rtt + SimDuration::from_millis_f64(extra_ms);
                let req = Request {
                    arrived: now,
                    rtt,
                    group: g as u32,
                    pop: route.pop as u32,
                    object,
                    size,
                };
                s.schedule_in(
                    SimDuration::from_nanos(rtt.as_nanos() / 2),
                    Event::AtEdge(req),
                );
                let next = now + self.next_gap();
                if next < SimTime::ZERO + self.cfg.duration {
                    s.schedule_at(next, Event::Arrival);
                }
            }
            Event::AtEdge(r) => {
                let pop = r.pop as usize;
                let hit = self.edges[pop].lookup(r.object);
                let mut ttfb = r.rtt + self.cfg.edge.processing;
                if !hit {
                    let jitter = SimDuration::from_millis_f64(self.noise.jitter_ms());
                    let origin_rtt = self.pop_origin_rtt[pop] + jitter;
                    let fetch = self.cfg.edge.processing + origin_rtt + self.cfg.origin.processing;
                    ttfb = r.rtt + fetch;
                    s.schedule_in(
                        fetch,
                        Event::Fill {
                            pop: r.pop,
                            object: r.object,
                            size: r.size,
                        },
                    );
                }
                let bucket = self.m.series.at(r.arrived);
                bucket.requests += 1;
                bucket.bytes += r.size;
                if hit {
                    bucket.edge_hits += 1;
                } else {
                    bucket.origin_requests += 1;
                    bucket.origin_bytes += r.size;
                }
                if r.arrived < SimTime::ZERO + self.cfg.warmup {
                    return;
                }
                let m = &mut self.m;
                m.ttfb.record(ttfb);
                m.edge.record(hit, r.size);
                let p = &mut m.per_pop[pop];
                p.edge.record(hit, r.size);
                p.ttfb.record(ttfb);
                if !hit {
                    m.origin_requests += 1;
                    m.origin_bytes += r.size;
                    p.origin_requests += 1;
                    p.origin_bytes += r.size;
                }
                let gm = &mut m.per_group[r.group as usize];
                gm.requests += 1;
                gm.ttfb.record(ttfb);
            }
            Event::Fill { pop, object, size } => {
                self.edges[pop as usize].insert(object, size);
            }
        }
    }
}

/// One PoP's edge cache as the scenario configures it.
fn edge_cache(cfg: &RunConfig) -> Cache<Box<dyn crate::cache::Policy>> {
    let cap = cfg.edge.capacity_bytes;
    let c = Cache::new(cfg.edge.policy.kind().build(cap), cap);
    match cfg.edge.admission {
        Admission::None => c,
        // The sketch is sized to the catalog (an upper bound on the
        // objects the cache can hold), capped to bound memory.
        Admission::TinyLfu => {
            let objects: u64 = cfg.catalogs.iter().map(|k| k.objects).sum();
            c.with_admission(TinyLfu::new(objects.min(TINYLFU_MAX_OBJECTS) as usize))
        }
    }
}

/// Runs the request model. `observe` gets the simulated time now and then
/// and may stop the run (Ctrl-C); a stopped run returns `Ok(None)`.
pub fn run(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    observe: impl FnMut(SimTime) -> Control,
) -> crate::Result<Option<RunMetrics>> {
    let streams = Streams::new(cfg.seed);
    let loc = |c: CityId| cfg.cities.get(c).loc;
    let origin = loc(cfg.origin.city);
    let mut acc = 0.0;
    let group_cumulative = cfg.groups.iter().map(|g| {
        acc += g.share;
        acc
    });
    let horizon = cfg.duration + DRAIN_LIMIT;
    let mut model = RequestModel {
        cfg,
        workload: Workload::new(&cfg.catalogs, streams),
        arrivals: streams.stream("clients/arrivals"),
        draws: streams.stream("clients/draws"),
        group_cumulative: group_cumulative.collect(),
        routes,
        pop_origin_rtt: cfg
            .pops
            .iter()
            .map(|p| cfg.latency.rtt_direct(loc(p.city), origin))
            .collect(),
        edges: cfg.pops.iter().map(|_| edge_cache(cfg)).collect(),
        noise: PathNoise {
            rng: streams.stream("latency/noise"),
            access: cfg.latency.access_distribution(),
            jitter: cfg.latency.jitter_distribution(),
        },
        m: RunMetrics {
            ttfb: LatencyHistogram::default(),
            edge: CacheCounters::default(),
            origin_requests: 0,
            origin_bytes: 0,
            per_pop: vec![PopMetrics::default(); cfg.pops.len()],
            per_group: vec![GroupMetrics::default(); cfg.groups.len()],
            series: TimeSeries::new(cfg.interval, cfg.duration),
            events: 0,
            issued: 0,
        },
    };
    let mut sched = Scheduler::new();
    let first = SimTime::ZERO + model.next_gap();
    if first < SimTime::ZERO + cfg.duration {
        sched.schedule_at(first, Event::Arrival);
    }
    let outcome = engine::run(
        &mut model,
        &mut sched,
        Budget::until(SimTime::ZERO + horizon),
        observe,
    )?;
    model.m.events = sched.executed();
    match outcome {
        Outcome::Stopped => Ok(None),
        Outcome::Drained => Ok(Some(model.m)),
        Outcome::TimeLimit => Err(crate::Error::Runtime(format!(
            "requests were still in flight {DRAIN_LIMIT} after the last arrival; a request path is implausibly slow"
        ))),
    }
}
