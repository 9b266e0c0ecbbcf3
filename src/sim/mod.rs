//! The request model: clients, steering, edge caches and the origin, driven
//! by the engine.
//!
//! Per request (all times simulated):
//! 1. a client group issues a request at `t` (Poisson arrivals over all
//!    groups at the scenario's total rate; the group is drawn by weight);
//! 2. steering picks the PoP ([`crate::dns::Steerer`]: the static plan, or
//!    the group's resolver and the authoritative's policy, which may add a
//!    DNS resolution time before the request leaves, see docs/dns.md);
//! 3. the request reaches the edge at `t + rtt/2`, where the cache is
//!    looked up (event `AtEdge`);
//! 4. a hit answers after the edge processing time; a miss is fetched from
//!    the origin over an already-open connection (one edge-origin RTT plus
//!    origin processing) and inserted into the edge cache when the response
//!    arrives (event `Fill`). Misses for an object already being fetched are
//!    fetched again: request coalescing is not modelled yet.
//!
//! Time to first byte = DNS wait (if any) + client-PoP RTT + edge
//! processing, plus edge-origin RTT and origin processing on a miss. The
//! client-PoP RTT of a request is the path RTT plus twice a last-mile
//! access delay drawn per request (each request comes from a different user
//! of the group) plus per-request jitter;
//! the edge-origin RTT gets its own jitter draw. Distributions and fitted
//! parameters: docs/latency-model.md.
//!
//! Three hooks (sim/client.rs) add transport and capacity: at the PoP,
//! admission into its queues (queueing delay or a drop, `crate::capacity`)
//! and the edge function of a dynamic request; once the server time is
//! known, the client-side timing (`crate::transport`): with
//! `transport.model = "warm-connection"` (the default) TTFB = RTT + server
//! time and there is no transfer time; with `"per-request"` connection
//! setup, slow start and loss are added (docs/transport.md). Attack
//! traffic (sim/attack.rs) loads the same queues.

pub mod attack;
pub mod client;
pub mod events;
pub mod plan;
pub mod steering;

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
    /// Measured requests whose response headers forbid storing them
    /// (no-store, private, Set-Cookie by default): always fetched.
    pub uncacheable: u64,
    /// Transport timing by class, capacity use, drops, attacks.
    pub client: client::ClientMetrics,
    /// Per PoP: request and egress queue use over time.
    pub capacity: Vec<crate::capacity::PopCapacity>,
    /// Routing events and what the data plane felt (sim/events.rs).
    pub routing: Option<events::Routing>,
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
    /// DNS resolution time before the request could be sent.
    dns: SimDuration,
    group: u32,
    pop: u32,
    /// Cache key (object, after cache-key normalisation).
    key: u64,
    size: u64,
    /// Whether the response's headers allow a shared cache to store it.
    storable: bool,
    /// The request as issued and its retry number (routing events).
    src: crate::workload::Request,
    attempt: u8,
    /// On a long-lived connection (breaks when its catchment moves).
    long: bool,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival(crate::workload::Request),
    AtEdge(Request),
    Fill {
        pop: u32,
        key: u64,
        size: u64,
    },
    /// An attack request issued now, reaching `pop` after `delay`.
    Attack {
        attack: u16,
        pop: u32,
        delay: SimDuration,
    },
    AttackAtEdge {
        attack: u16,
        pop: u32,
        issued: SimTime,
    },
    /// A request sent again after a failure or a broken connection.
    Retry {
        w: crate::workload::Request,
        attempt: u8,
    },
    /// A PoP fails: its edge cache is emptied.
    PopFail(u32),
}

struct RequestModel<'a> {
    cfg: &'a RunConfig,
    source: Synthetic,
    /// Caching policy per (catalog, header profile), from its headers.
    policies: Vec<Vec<HttpPolicy>>,
    keys: KeyConfig,
    /// Picks the PoP of each request (`crate::dns::Steerer`).
    steer: crate::dns::Steerer,
    pop_origin_rtt: Vec<SimDuration>,
    edges: Vec<Cache<Box<dyn crate::cache::Policy>>>,
    noise: PathNoise,
    /// Transport and capacity hooks (sim/client.rs).
    client: client::ClientSide,
    attacks: Vec<attack::AttackStream>,
    /// Routing events (None: the static catchment all run long).
    routing: Option<events::Routing>,
    /// Draws which requests are long-lived (stream `events/long-lived`).
    long_rng: StreamRng,
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
    /// Sends request `w` (retry number `attempt`): steering, the routing
    /// events' data plane, then the trip to the edge.
    fn issue(
        &mut self,
        s: &mut Scheduler<Event>,
        now: SimTime,
        w: crate::workload::Request,
        attempt: u8,
    ) {
        // The cache key: the object, or a distinct key when a
        // cache-busting parameter survives key normalisation.
        let key = self.keys.object_key(w.object, w.bust, BUST_PARAM, 0).0;
        let edges = &self.edges;
        let mut route = self
            .steer
            .choose(now, w.group as usize, key, &|p, k| edges[p].contains(k));
        // Routing events: the group's anycast route at `now`, and failed PoPs.
        let mut long = false;
        if let Some(rt) = &self.routing {
            let g = w.group as usize;
            let fate = if self.cfg.steering == crate::scenario::raw::Steering::Anycast {
                rt.fate_at(g, now)
            } else {
                crate::world::dynamic::Fate::Pop(route.pop)
            };
            let lost = match fate {
                crate::world::dynamic::Fate::Pop(p) => {
                    if p != route.pop {
                        route.pop = p;
                        route.rtt = rt.rtt(g, p);
                    }
                    rt.is_down(p, now)
                }
                _ => true,
            };
            if lost {
                self.retry(s, now, w, attempt, false);
                return;
            }
            long = self
                .long_rng
                .random_bool(self.cfg.bgp.long_lived_share.clamp(0.0, 1.0));
        }
        let extra_ms = 2.0 * self.noise.access_ms() + self.noise.jitter_ms();
        let rtt = route.rtt + SimDuration::from_millis_f64(extra_ms);
        self.steer.observe(now, &route, rtt);
        let policy = &self.policies[w.catalog as usize][w.profile as usize];
        let req = Request {
            arrived: now,
            rtt,
            dns: route.dns,
            group: w.group,
            pop: route.pop as u32,
            key,
            size: w.size,
            storable: policy.store.is_ok(),
            src: w,
            attempt,
            long,
        };
        s.schedule_in(
            route.dns + SimDuration::from_nanos(rtt.as_nanos() / 2),
            Event::AtEdge(req),
        );
    }

    /// A request lost at `at` (blackhole, loop, failed PoP) or a broken
    /// long-lived connection: counted, and sent again after the retry
    /// timeout unless it has used its retries.
    fn retry(
        &mut self,
        s: &mut Scheduler<Event>,
        at: SimTime,
        w: crate::workload::Request,
        attempt: u8,
        broken: bool,
    ) {
        let max = self.cfg.bgp.max_retries;
        let again = u32::from(attempt) < max;
        if let Some(c) = self.routing.as_mut().and_then(|r| r.counts_at(at)) {
            if broken {
                c.broken += 1;
            } else {
                c.failed += 1;
            }
            if again {
                c.retried += 1;
            } else {
                c.given_up += 1;
            }
        }
        if again {
            let t = at.max(s.now()) + self.cfg.bgp.retry_timeout;
            s.schedule_at(
                t,
                Event::Retry {
                    w,
                    attempt: attempt + 1,
                },
            );
        }
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
                self.m.issued += 1;
                self.issue(s, now, w, 0);
            }
            Event::Retry { w, attempt } => self.issue(s, now, w, attempt),
            Event::PopFail(p) => self.edges[p as usize] = edge_cache(self.cfg),
            Event::AtEdge(r) => {
                let pop = r.pop as usize;
                if let Some(rt) = &mut self.routing {
                    // In flight to a PoP that failed meanwhile: lost.
                    if rt.is_down(pop, now) {
                        self.retry(s, now, r.src, r.attempt, false);
                        return;
                    }
                    rt.record_served(now, pop);
                }
                // Capacity hook: queueing at the PoP, or a drop.
                let Some(queued) = self.client.admit(pop, now, r.arrived, r.size) else {
                    return;
                };
                // Edge compute hook for dynamic requests.
                let compute = if r.storable {
                    None
                } else {
                    self.client.compute(r.arrived)
                };
                let at_edge_only = compute.is_some_and(|(_, fetch)| !fetch);
                let work = queued + compute.map_or(SimDuration::ZERO, |(c, _)| c.time);
                // Responses the headers forbid storing go to the origin.
                let hit = r.storable && self.edges[pop].lookup(r.key);
                let mut server = work + self.cfg.edge.processing;
                if !hit && !at_edge_only {
                    let jitter = SimDuration::from_millis_f64(self.noise.jitter_ms());
                    let origin_rtt = self.pop_origin_rtt[pop] + jitter;
                    let fetch =
                        work + self.cfg.edge.processing + origin_rtt + self.cfg.origin.processing;
                    server = fetch;
                    let survives = self
                        .routing
                        .as_ref()
                        .is_none_or(|rt| rt.fails_within(pop, now, now + fetch).is_none());
                    if r.storable && survives {
                        let fill = Event::Fill {
                            pop: r.pop,
                            key: r.key,
                            size: r.size,
                        };
                        s.schedule_in(fetch, fill);
                    }
                }
                if !r.storable {
                    self.m.uncacheable += u64::from(r.arrived >= SimTime::ZERO + self.cfg.warmup);
                }
                let measured = r.arrived >= SimTime::ZERO + self.cfg.warmup;
                let class = match (hit, r.storable) {
                    (true, _) => client::Class::Hit,
                    (false, true) => client::Class::MissOrigin,
                    (false, false) => client::Class::Dynamic,
                };
                // Transport hook: the client-side timing of this request.
                let timing = self.client.finish(client::Served {
                    class,
                    group: r.group as usize,
                    dns: r.dns,
                    rtt: r.rtt,
                    server,
                    queueing: queued,
                    size: r.size,
                    measured,
                });
                let ttfb = timing.ttfb();
                if let Some(rt) = &self.routing {
                    // The PoP fails before the response leaves: lost.
                    if let Some(t) = rt.fails_within(pop, now, now + server) {
                        self.retry(s, t, r.src, r.attempt, false);
                        return;
                    }
                    // A long-lived connection breaks when the group's
                    // packets stop reaching this PoP while it is open.
                    let open = r.arrived + self.cfg.bgp.long_lived_duration.max(ttfb);
                    let brk = r
                        .long
                        .then(|| rt.breaks_within(r.group as usize, pop, r.arrived, open))
                        .flatten();
                    if let Some(t) = brk {
                        self.retry(s, t, r.src, r.attempt, true);
                    }
                }
                // An edge function's own answer is no cache hit and no fetch.
                let to_origin = !hit && !at_edge_only;
                let bucket = self.m.series.at(r.arrived);
                bucket.requests += 1;
                bucket.bytes += r.size;
                if hit {
                    bucket.edge_hits += 1;
                } else if to_origin {
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
                if to_origin {
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
                if self
                    .routing
                    .as_ref()
                    .is_some_and(|rt| rt.is_down(pop as usize, now))
                {
                    return;
                }
                self.edges[pop as usize].insert(key, size);
            }
            Event::Attack { attack, pop, delay } => {
                let a = &mut self.attacks[attack as usize];
                if let Some((t, p, d)) = a.next_request() {
                    s.schedule_at(
                        t,
                        Event::Attack {
                            attack,
                            pop: p as u32,
                            delay: d,
                        },
                    );
                }
                s.schedule_in(
                    delay,
                    Event::AttackAtEdge {
                        attack,
                        pop,
                        issued: now,
                    },
                );
            }
            Event::AttackAtEdge {
                attack,
                pop,
                issued,
            } => {
                let a = &self.attacks[attack as usize];
                let (size, to_origin) = (a.size, a.to_origin);
                self.client
                    .admit_attack(pop as usize, now, issued, size, to_origin);
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
    let steer = steering::steerer(cfg, routes, None, None);
    Ok(run_steered(cfg, routes, steer, observe)?.map(|(m, _)| m))
}

/// Runs the request model with the given steering, and returns it with
/// its figures ([`crate::dns::Steerer::stats`]). `routes` is the static
/// plan; attack bots aimed at the service follow it (they do not resolve
/// through the DNS steering).
pub fn run_steered(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    steer: crate::dns::Steerer,
    observe: impl FnMut(SimTime) -> Control,
) -> crate::Result<Option<(RunMetrics, crate::dns::Steerer)>> {
    run_routed(cfg, routes, steer, None, observe)
}

/// [`run_steered`] with routing events ([`events::Routing`], computed up
/// front from the scenario's `[[events]]`); their counts come back in
/// [`RunMetrics::routing`].
pub fn run_routed(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    steer: crate::dns::Steerer,
    routing: Option<events::Routing>,
    observe: impl FnMut(SimTime) -> Control,
) -> crate::Result<Option<(RunMetrics, crate::dns::Steerer)>> {
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
    let attacks: Vec<attack::AttackStream> = cfg
        .attacks
        .iter()
        .map(|a| attack::AttackStream::new(a, cfg, routes, &streams))
        .collect();
    let mut model = RequestModel {
        client: client::ClientSide::new(cfg, &streams, cfg.duration),
        attacks,
        long_rng: streams.stream("events/long-lived"),
        routing,
        cfg,
        source,
        policies,
        keys: KeyConfig::default(),
        steer,
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
            client: client::ClientMetrics::default(),
            capacity: Vec::new(),
            routing: None,
        },
    };
    let mut sched = Scheduler::new();
    if let Some(first) = model.source.next_request() {
        sched.schedule_at(first.time, Event::Arrival(first));
    }
    for (t, p) in model.routing.iter().flat_map(|r| r.failures()) {
        sched.schedule_at(t, Event::PopFail(p as u32));
    }
    for (i, a) in model.attacks.iter_mut().enumerate() {
        if let Some((t, pop, delay)) = a.next_request() {
            let attack = i as u16;
            let pop = pop as u32;
            sched.schedule_at(t, Event::Attack { attack, pop, delay });
        }
    }
    let outcome = engine::run(
        &mut model,
        &mut sched,
        Budget::until(SimTime::ZERO + horizon),
        observe,
    )?;
    model.m.events = sched.executed();
    model.m.client = model.client.m;
    model.m.capacity = model.client.capacity;
    model.m.routing = model.routing.take();
    match outcome {
        Outcome::Stopped => Ok(None),
        Outcome::Drained => Ok(Some((model.m, model.steer))),
        Outcome::TimeLimit => Err(crate::Error::Runtime(format!(
            "requests were still in flight {DRAIN_LIMIT} after the last arrival; a request path is implausibly slow"
        ))),
    }
}
