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

pub mod invariants;
pub mod plan;

pub use plan::{GroupRoute, plan};

use crate::cache::{Cache, TinyLfu};
use crate::engine::{self, Budget, Control, Model, Outcome, Scheduler};
use crate::geo::CityId;
use crate::http::CacheConfig as HttpCacheConfig;
use crate::http::freshness::Policy as HttpPolicy;
use crate::http::key::KeyConfig;
use crate::metrics::{CacheCounters, LatencyHistogram, TimeSeries};
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::scenario::raw::Admission;
use crate::time::{SimDuration, SimTime};
use crate::workload::{BUST_PARAM, RequestSource, Synthetic};
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
    /// Measured requests whose response headers forbid storing them
    /// (no-store, private, Set-Cookie by default): always fetched.
    pub uncacheable: u64,
    /// Measured requests that arrived (counted when issued).
    pub arrived: u64,
    /// Measured requests that got no response (none today: nothing fails
    /// yet; transport and capacity models count theirs here).
    pub failed: u64,
    /// Measured misses answered by an origin fetch already in flight (none
    /// today: request coalescing is not modelled), and their bytes.
    pub coalesced: u64,
    pub coalesced_bytes: u64,
    /// The invariant checks of this run (filled by `cdnsim run`).
    pub invariants: invariants::Report,
}

#[derive(Clone, Debug, Default)]
pub struct PopMetrics {
    pub edge: CacheCounters,
    pub origin_requests: u64,
    pub origin_bytes: u64,
    pub ttfb: LatencyHistogram,
    /// Measured edge-cache lookups (storable requests).
    pub lookups: u64,
    /// Measured requests that bypassed the edge cache (not storable).
    pub bypassed: u64,
    /// High-water mark of the edge cache's resident bytes (whole run).
    pub peak_bytes: u64,
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
    /// Cache key (object, after cache-key normalisation).
    key: u64,
    size: u64,
    /// Whether the response's headers allow a shared cache to store it.
    storable: bool,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival(crate::workload::Request),
    AtEdge(Request),
    Fill { pop: u32, key: u64, size: u64 },
}

struct RequestModel<'a> {
    cfg: &'a RunConfig,
    source: Synthetic,
    /// Caching policy per (catalog, header profile), from its headers.
    policies: Vec<Vec<HttpPolicy>>,
    keys: KeyConfig,
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

impl Model for RequestModel<'_> {
    type Event = Event;

    fn handle(&mut self, s: &mut Scheduler<Event>, ev: Event) {
        let now = s.now();
        match ev {
            Event::Arrival(w) => {
                if let Some(next) = self.source.next_request() {
                    s.schedule_at(next.time, Event::Arrival(next));
                }
                let route = &self.routes[w.group as usize];
                self.m.issued += 1;
                self.m.arrived += u64::from(now >= SimTime::ZERO + self.cfg.warmup);
                let extra_ms = 2.0 * self.noise.access_ms() + self.noise.jitter_ms();
                let rtt = route.rtt + SimDuration::from_millis_f64(extra_ms);
                let policy = &self.policies[w.catalog as usize][w.profile as usize];
                let req = Request {
                    arrived: now,
                    rtt,
                    group: w.group,
                    pop: route.pop as u32,
                    // The cache key: the object, or a distinct key when a
                    // cache-busting parameter survives key normalisation.
                    key: self.keys.object_key(w.object, w.bust, BUST_PARAM, 0).0,
                    size: w.size,
                    storable: policy.store.is_ok(),
                };
                s.schedule_in(
                    SimDuration::from_nanos(rtt.as_nanos() / 2),
                    Event::AtEdge(req),
                );
            }
            Event::AtEdge(r) => {
                let pop = r.pop as usize;
                // Responses the headers forbid storing go to the origin.
                let measured = r.arrived >= SimTime::ZERO + self.cfg.warmup;
                let hit = if r.storable {
                    self.m.per_pop[pop].lookups += u64::from(measured);
                    self.edges[pop].lookup(r.key)
                } else {
                    self.m.per_pop[pop].bypassed += u64::from(measured);
                    false
                };
                let mut ttfb = r.rtt + self.cfg.edge.processing;
                if !hit {
                    let jitter = SimDuration::from_millis_f64(self.noise.jitter_ms());
                    let origin_rtt = self.pop_origin_rtt[pop] + jitter;
                    let fetch = self.cfg.edge.processing + origin_rtt + self.cfg.origin.processing;
                    ttfb = r.rtt + fetch;
                    if r.storable {
                        let fill = Event::Fill {
                            pop: r.pop,
                            key: r.key,
                            size: r.size,
                        };
                        s.schedule_in(fetch, fill);
                    } else {
                        self.m.uncacheable +=
                            u64::from(r.arrived >= SimTime::ZERO + self.cfg.warmup);
                    }
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
            Event::Fill { pop, key, size } => {
                let edge = &mut self.edges[pop as usize];
                edge.insert(key, size);
                let peak = &mut self.m.per_pop[pop as usize].peak_bytes;
                *peak = (*peak).max(edge.used_bytes());
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
    let source = Synthetic::from_config(cfg);
    let http = HttpCacheConfig::default();
    let policies = source
        .workload
        .catalogs
        .iter()
        .map(|c| {
            c.profiles
                .iter()
                .map(|h| HttpPolicy::evaluate(h, &http))
                .collect()
        })
        .collect();
    let horizon = cfg.duration + DRAIN_LIMIT;
    let mut model = RequestModel {
        cfg,
        source,
        policies,
        keys: KeyConfig::default(),
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
            uncacheable: 0,
            arrived: 0,
            failed: 0,
            coalesced: 0,
            coalesced_bytes: 0,
            invariants: invariants::Report::default(),
        },
    };
    let mut sched = Scheduler::new();
    if let Some(first) = model.source.next_request() {
        sched.schedule_at(first.time, Event::Arrival(first));
    }
    let outcome = engine::run(
        &mut model,
        &mut sched,
        Budget::until(SimTime::ZERO + horizon),
        observe,
    )?;
    model.m.events = sched.executed();
    model.m.invariants = invariants::of_metrics(cfg, &model.m);
    match outcome {
        Outcome::Stopped => Ok(None),
        Outcome::Drained => Ok(Some(model.m)),
        Outcome::TimeLimit => Err(crate::Error::Runtime(format!(
            "requests were still in flight {DRAIN_LIMIT} after the last arrival; a request path is implausibly slow"
        ))),
    }
}
