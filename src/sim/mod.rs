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
//! 4. a hit answers after the edge processing time; a miss goes up the
//!    cache hierarchy ([`tiers`]: none, shield, regional, consistent-hash)
//!    over already-open connections, each hop one RTT of the latency model
//!    plus jitter, until a cache hits or an origin site answers; the
//!    response fills every cache on the way back ([`fetch`]). With request
//!    coalescing (default), a miss for an object already being fetched by
//!    that cache waits for that fetch instead of sending another.
//!
//! Time to first byte = DNS wait (if any) + client-PoP RTT + edge
//! processing, plus on a miss each hop's processing and RTT up to where the
//! object was found (origin processing when that is the origin), or the
//! wait for the fetch a coalesced request joined. The client-PoP RTT of a
//! request is the path RTT plus twice a last-mile access delay drawn per
//! request (each request comes from a different user of the group) plus
//! per-request jitter; each fetch between tiers gets its own jitter draw.
//! Distributions and fitted parameters: docs/latency-model.md.
//!
//! Three hooks (sim/client.rs) add transport and capacity: at the PoP,
//! admission into its queues (queueing delay or a drop, `crate::capacity`)
//! and the edge function of a dynamic request, both before the cache is
//! looked up (event `AtEdge`, then `Served` once the request leaves the
//! queue); once the response leaves the edge, the client-side timing
//! (`crate::transport`): with `transport.model = "warm-connection"` (the
//! default) TTFB = RTT + server time and there is no transfer time; with
//! `"per-request"` connection setup, slow start and loss are added
//! (docs/transport.md). Attack traffic (sim/attack.rs) loads the same
//! queues. Upper tiers and origin sites with limits queue the fetches
//! reaching them, or refuse them (sim/upstream.rs: events `AtTier` ->
//! `TierServed`, `AtOrigin`); dynamic attack requests go on up to them
//! (`AttackUp`).

pub mod attack;
pub mod client;
pub mod events;
pub mod fetch;
pub mod invariants;
pub mod noise;
pub mod plan;
pub mod purge;
pub mod push;
pub mod shard;
pub mod steering;
pub mod tiers;
pub mod upstream;

pub use plan::{GroupRoute, plan};

use crate::cache::Cache;
use crate::engine::{self, Budget, Control, Model, Outcome, Scheduler};
use crate::http::CacheConfig as HttpCacheConfig;
use crate::http::freshness::Policy as HttpPolicy;
use crate::http::key::KeyConfig;
use crate::metrics::{CacheCounters, GroupLatency, LatencyHistogram, TimeSeries};
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::time::{SimDuration, SimTime};
use crate::workload::source::Prefetched;
use crate::workload::{BUST_PARAM, RequestSource, Synthetic, Workload};
use rand::RngExt;
use rand_distr::{Distribution, LogNormal};

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
    /// TTFB per continent of the client groups (continent codes sorted),
    /// recorded per request (what merging the groups' histograms gave).
    pub per_continent: Vec<(String, LatencyHistogram)>,
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
    /// Upper tiers' and origin sites' queues, load and drops.
    pub upstream: upstream::Upstream,
    /// Per cache node (edges in PoP order, then upper tiers).
    pub tiers: Vec<TierMetrics>,
    /// All upper tiers together.
    pub upper: CacheCounters,
    /// Measured requests (at any tier) that joined another's fetch.
    pub coalesced: u64,
    /// Per origin site.
    pub origins: Vec<OriginMetrics>,
    /// Freshness (measured requests; see `fetch`): requests served stale
    /// under stale-while-revalidate, background revalidations started,
    /// conditional requests sent (any tier), 304s from the origin,
    /// requests served stale because the origin failed (stale-if-error),
    /// client requests answered with an error, origin requests that failed.
    pub stale_served: u64,
    pub background_revalidations: u64,
    pub revalidations: u64,
    pub not_modified: u64,
    pub stale_if_error_served: u64,
    pub errors: u64,
    pub origin_errors: u64,
    /// Objects purged (hard or soft) summed over caches, and measured
    /// requests that missed or revalidated because of a purge.
    pub purged_objects: u64,
    pub purge_misses: u64,
    /// Pre-positioning: copies written into caches, and the origin
    /// requests and bytes the pushes cost (apart from pull's).
    pub pushed_objects: u64,
    pub push_origin_requests: u64,
    pub push_origin_bytes: u64,
    /// Routing events and what the data plane felt (sim/events.rs).
    pub routing: Option<events::Routing>,
    /// Measured request attempts (counted when issued; a retry after a
    /// routing loss or a broken connection is another attempt).
    pub arrived: u64,
    /// Measured attempts lost to routing events (blackhole, loop, failed
    /// PoP), and of them those lost before reaching a PoP; attempts lost
    /// before a PoP, warmup included (for the time-series check).
    pub lost: u64,
    pub lost_before_pop: u64,
    pub lost_unreached: u64,
    /// Measured requests that got no response: dropped at a full PoP
    /// queue (`client.dropped`) or answered with an error (`errors`).
    pub failed: u64,
    /// The invariant checks of this run (BGP paths added by `run_into`).
    pub invariants: invariants::Report,
}

impl RunMetrics {
    /// The run's TTFB histogram as the merge of the PoPs' (each measured
    /// response is recorded in its PoP's only; see `answer_client`): the
    /// same counts, minimum, maximum and mean as recording every response
    /// into it.
    fn finish_histograms(&mut self) {
        let mut all = LatencyHistogram::default();
        for p in &self.per_pop {
            all.merge(&p.ttfb);
        }
        self.ttfb = all;
    }
}

/// One cache node's counters (measured requests only).
#[derive(Clone, Debug, Default)]
pub struct TierMetrics {
    /// Requests reaching the node; coalesced ones count as misses.
    pub cache: CacheCounters,
    /// Misses that joined a fetch already in flight at this node.
    pub coalesced: u64,
    /// Fetches sent to the parent, and their bytes.
    pub fetches: u64,
    pub fetch_bytes: u64,
    /// Bytes of the coalesced misses.
    pub coalesced_bytes: u64,
    /// Cache lookups (storable requests) and requests that passed the
    /// cache without a lookup (not storable).
    pub lookups: u64,
    pub bypassed: u64,
    /// Background revalidations this node started (fetches sent on a hit),
    /// and their bytes.
    pub background: u64,
    pub background_bytes: u64,
    /// Requests answered here without a lookup or a fetch (the edge
    /// function answering by itself), and their bytes.
    pub local: u64,
    pub local_bytes: u64,
    /// High-water mark of the cache's resident bytes (whole run, warmup
    /// included, pushes included).
    pub peak_bytes: u64,
}

#[derive(Clone, Debug, Default)]
pub struct OriginMetrics {
    pub requests: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, Default)]
pub struct PopMetrics {
    pub edge: CacheCounters,
    /// Fetches this edge sent to its parent (the origin without tiers).
    pub origin_requests: u64,
    pub origin_bytes: u64,
    pub ttfb: LatencyHistogram,
}

#[derive(Clone, Debug, Default)]
pub struct GroupMetrics {
    pub requests: u64,
    /// Full HDR up to `metrics::group::HDR_GROUPS_MAX` groups, compact
    /// beyond (metrics/group.rs).
    pub ttfb: GroupLatency,
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
    catalog: u32,
    object: u64,
    profile: u16,
    /// Cache key (object, after cache-key normalisation).
    key: u64,
    size: u64,
    /// Whether the response's headers allow a shared cache to store it.
    storable: bool,
    /// Time spent in the PoP's queues and edge function before the cache
    /// lookup (set by the capacity hook).
    queued: SimDuration,
    /// The cache-busting parameter of the request as issued (`has_bust`:
    /// whether it had one); with the fields above it gives back the
    /// workload request for a retry ([`Request::src`]).
    bust: u64,
    has_bust: bool,
    /// Retry number (routing events).
    attempt: u8,
    /// On a long-lived connection (breaks when its catchment moves).
    long: bool,
}

impl Request {
    /// The workload request this one was issued from, for a retry. Its
    /// `time` is this attempt's issue time (`issue` never reads it: a
    /// retry is issued at its own time). Rebuilt from the fields instead of
    /// carried whole, so that an event is 96 bytes instead of 144
    /// (`event_is_small`).
    fn src(&self) -> crate::workload::Request {
        crate::workload::Request {
            time: self.arrived,
            group: self.group,
            catalog: self.catalog,
            object: self.object,
            size: self.size,
            profile: self.profile,
            bust: self.has_bust.then_some(self.bust),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival(crate::workload::Request),
    AtEdge(Request),
    /// The request leaves the PoP's queue (and its edge function, if any)
    /// and reaches the edge cache.
    Served(Request),
    /// A fetch (by its id) reaches an upper-tier node.
    AtTier {
        node: u32,
        fetch: u32,
    },
    /// It leaves the node's queues (sim/upstream.rs) and is looked up.
    TierServed {
        node: u32,
        fetch: u32,
    },
    /// A fetch reaches an origin site that has limits.
    AtOrigin {
        origin: u32,
        fetch: u32,
    },
    /// The response to a fetch reaches the node that sent it.
    Response {
        fetch: u32,
    },
    /// Purge `purge` (index in `TierConfig::purges`) reaches `node`.
    Purge {
        purge: u32,
        node: u32,
    },
    /// Slot `k` of push window `window` starts.
    PushSlot {
        window: u32,
        k: u64,
    },
    /// The object of that slot is written into `node`.
    Place {
        window: u32,
        k: u64,
        node: u32,
    },
    /// An attack request issued now from source `source` of `attack`.
    Attack {
        attack: u16,
        source: u32,
    },
    AttackAtEdge {
        attack: u16,
        pop: u32,
        issued: SimTime,
    },
    /// A dynamic attack request reaches an upper tier or origin site.
    AttackUp {
        attack: u16,
        to: tiers::Parent,
        key: u64,
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
    /// The catalogs (purges and pushes name objects in them).
    workload: Workload,
    /// Where the synthetic requests come from.
    source: Feed,
    /// Trace replay (`workload.trace`) instead of `source`'s draws.
    replay: Option<crate::workload::replay::Replay>,
    /// Caching policy per (catalog, header profile), from its headers.
    policies: Vec<Vec<HttpPolicy>>,
    keys: KeyConfig,
    /// Picks the PoP of each request (`crate::dns::Steerer`).
    steer: crate::dns::Steerer,
    hier: tiers::Hierarchy,
    /// One cache per node of `hier` (edges in PoP order first).
    caches: Vec<Cache<Box<dyn crate::cache::Policy>>>,
    fetches: fetch::Fetches,
    /// Freshness facts of resident objects, per node, by cache key (one
    /// per object in the node's cache: `store` drops an evicted one's).
    metas: Vec<rustc_hash::FxHashMap<u64, fetch::Meta>>,
    /// (node, key) taken or staled by a purge and not stored again since.
    purged: rustc_hash::FxHashSet<(u32, u64)>,
    noise: PathNoise,
    /// Transport and capacity hooks (sim/client.rs).
    client: client::ClientSide,
    /// Upper tiers' and origins' queues (sim/upstream.rs).
    upstream: upstream::Upstream,
    attacks: Vec<attack::AttackStream>,
    /// Routing events (None: the static catchment all run long).
    routing: Option<events::Routing>,
    /// Draws which requests are long-lived (stream `events/long-lived`).
    long_rng: StreamRng,
    /// Per group: its continent's index in `m.per_continent`.
    group_continent: Vec<u16>,
    /// Whether every group keeps a full HDR histogram, so that each
    /// continent's histogram is built at the end as the merge of its
    /// groups' instead of recorded per response.
    continents_from_groups: bool,
    m: RunMetrics,
}

/// The synthetic request source, drawn inline or on a producer thread
/// (the same requests either way: `prefetch_tests`).
enum Feed {
    Inline(Box<Synthetic>),
    Thread(Prefetched),
    /// A shard's requests of the current window (`shard::run_sharded`).
    Window(std::collections::VecDeque<crate::workload::Request>),
}

impl Feed {
    fn next_request(&mut self) -> Option<crate::workload::Request> {
        match self {
            Feed::Inline(s) => s.next_request(),
            Feed::Thread(p) => p.next_request(),
            Feed::Window(w) => w.pop_front(),
        }
    }
}

/// Whether a run draws its synthetic requests on a producer thread by
/// default: when it has no trace to replay, the machine has a second
/// core, and the run is not itself one of a rayon pool's parallel jobs
/// (a sweep's points already use every core). The outputs are the same
/// either way.
pub fn prefetch_by_default(cfg: &RunConfig) -> bool {
    cfg.trace.is_none()
        && rayon::current_thread_index().is_none()
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// Per-request latency variation, drawn from its own stream.
struct PathNoise {
    rng: StreamRng,
    access: Option<LogNormal<f64>>,
    /// Gamma, drawn without `pow` (sim/noise.rs).
    jitter: Option<noise::Jitter>,
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
        self.m.issued += 1;
        let measured = now >= SimTime::ZERO + self.cfg.warmup;
        self.m.arrived += u64::from(measured);
        // The cache key: the object, or a distinct key when a
        // cache-busting parameter survives key normalisation.
        let key = self.keys.object_key(w.object, w.bust, BUST_PARAM, 0).0;
        // Edges are the first nodes of the hierarchy, in PoP order.
        let edges = &self.caches;
        let mut route = self
            .steer
            .choose(now, w.group as usize, key, &|p, k| edges[p].contains(k));
        // Routing events: the group's anycast route at `now`, and failed PoPs.
        let mut long = false;
        if let Some(rt) = &self.routing {
            let g = w.group as usize;
            // Anycast answers (every request under `anycast`, hybrid's
            // anycast choices) follow the routing timeline.
            let fate = if route.target == crate::dns::Target::Anycast
                && self.cfg.steering != crate::scenario::raw::Steering::Nearest
            {
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
                    // A unicast target's path as routing events left it.
                    let unicast = match route.target {
                        crate::dns::Target::Pop(_) => rt.unicast_at(g, p, now),
                        crate::dns::Target::Anycast => None,
                    };
                    if let Some(Some(r)) = unicast {
                        route.rtt = r;
                    }
                    unicast == Some(None) || rt.is_down(p, now)
                }
                _ => true,
            };
            if lost {
                self.lost_before_pop(measured);
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
            catalog: w.catalog,
            object: w.object,
            profile: w.profile,
            key,
            queued: SimDuration::ZERO,
            size: w.size,
            storable: policy.store.is_ok(),
            bust: w.bust.unwrap_or(0),
            has_bust: w.bust.is_some(),
            attempt,
            long,
        };
        s.schedule_in(
            route.dns + SimDuration::from_nanos(rtt.as_nanos() / 2),
            Event::AtEdge(req),
        );
    }

    /// Counts an attempt lost before it reached a PoP.
    fn lost_before_pop(&mut self, measured: bool) {
        self.m.lost += u64::from(measured);
        self.m.lost_before_pop += u64::from(measured);
        self.m.lost_unreached += 1;
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

/// Above this many bytes of cache tables (slabs and indexes, over all of a
/// model's caches) the request model asks for prefetch hints
/// ([`Model::hints`]): a core's L2 cache on the project's VM. Below, the
/// tables stay in the core's caches and a hint only costs. The IMC-sized
/// world's 56 caches pass it at once and reach 34 MB in a minute (hints:
/// 5-8% less wall time); a quickstart shard's reach ~2.2 MB (hints: ~3%
/// less). docs/performance.md, 2026-12-04 evening.
const HINT_CACHE_BYTES: usize = 1 << 20;

impl Model for RequestModel<'_> {
    type Event = Event;

    /// One event ahead once the caches' tables outgrow
    /// [`HINT_CACHE_BYTES`] (below, they stay in the core's caches and a
    /// hint only costs); more did not pay (docs/performance.md).
    fn hints(&self) -> usize {
        usize::from(self.caches.iter().map(|c| c.heap_bytes()).sum::<usize>() > HINT_CACHE_BYTES)
    }

    /// The next event's cache lookup (at an edge or an upper tier) or
    /// store (a response reaching the node that fetched) starts with a
    /// random bucket of that cache's index, which misses the core's caches
    /// nearly every time once the tables outgrow them: it is asked for one
    /// event ahead.
    #[inline]
    fn prefetch(&self, next: &Event) {
        let (node, key) = match next {
            // An unqueued arrival is looked up at once.
            Event::AtEdge(r) | Event::Served(r) => (r.pop, r.key),
            Event::AtTier { node, fetch } | Event::TierServed { node, fetch } => {
                match self.fetches.node_key(*fetch) {
                    Some((_, key)) => (*node, key),
                    None => return,
                }
            }
            Event::Response { fetch } => match self.fetches.node_key(*fetch) {
                Some(nk) => nk,
                None => return,
            },
            _ => return,
        };
        if let Some(c) = self.caches.get(node as usize) {
            c.prefetch(key);
        }
    }

    fn handle(&mut self, s: &mut Scheduler<Event>, ev: Event) {
        let now = s.now();
        match ev {
            Event::Arrival(w) => {
                if let Some(next) = self.next_arrival() {
                    s.schedule_stream(next.time, Event::Arrival(next));
                }
                self.issue(s, now, w, 0);
            }
            Event::Retry { w, attempt } => self.issue(s, now, w, attempt),
            Event::PopFail(p) => self.pop_fail(p as usize),
            Event::AtEdge(r) => self.admit_at_pop(s, r),
            Event::Served(r) => self.at_edge(s, r),
            Event::AtTier { node, fetch } => self.tier_arrival(s, node, fetch),
            Event::TierServed { node, fetch } => self.at_tier(s, node, fetch),
            Event::AtOrigin { origin, fetch } => self.origin_arrival(s, origin as usize, fetch),
            Event::Response { fetch } => self.response(s, fetch),
            Event::Purge { purge, node } => self.purge(s, purge, node),
            Event::PushSlot { window, k } => self.push_slot(s, window, k),
            Event::Place { window, k, node } => self.place(s, window, k, node),
            Event::Attack { attack, source } => self.attack_issue(s, attack, source),
            Event::AttackAtEdge {
                attack,
                pop,
                issued,
            } => self.attack_at_edge(s, attack, pop, issued),
            Event::AttackUp {
                attack,
                to,
                key,
                issued,
            } => self.attack_up(s, attack, to, key, issued),
        }
    }
}

impl RequestModel<'_> {
    /// The next request: from the trace when replaying one, else drawn.
    fn next_arrival(&mut self) -> Option<crate::workload::Request> {
        match &mut self.replay {
            Some(r) => r.next_request(),
            None => self.source.next_request(),
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
/// plan; attack bots aimed at the service follow the same steering as
/// their group's clients (sim/upstream.rs, `attack_route`).
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
    let prefetch = prefetch_by_default(cfg);
    run_with_source(cfg, routes, steer, routing, observe, prefetch)
}

/// [`run_routed`], drawing the synthetic requests on a producer thread
/// when `prefetch` holds ([`crate::workload::source::Prefetched`]) and on
/// the simulation's thread otherwise: the same outputs, byte for byte.
pub fn run_with_source(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    steer: crate::dns::Steerer,
    routing: Option<events::Routing>,
    observe: impl FnMut(SimTime) -> Control,
    prefetch: bool,
) -> crate::Result<Option<(RunMetrics, crate::dns::Steerer)>> {
    run_with_options(cfg, routes, steer, routing, observe, prefetch, true)
}

/// [`run_with_source`]; with `shards` false the run is one part whatever
/// [`shard::partition`] finds (the sharding's before/after, and its tests).
/// A run of one shard draws its synthetic requests on a producer thread
/// when `prefetch` holds; a run of several draws them between its windows
/// (`shard::run_sharded`).
pub fn run_with_options(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    steer: crate::dns::Steerer,
    routing: Option<events::Routing>,
    observe: impl FnMut(SimTime) -> Control,
    prefetch: bool,
    shards: bool,
) -> crate::Result<Option<(RunMetrics, crate::dns::Steerer)>> {
    let mut steer = steer;
    let health = cfg
        .dns
        .as_ref()
        .map_or(Some(crate::dns::DEFAULT_HEALTH_CHECK_DELAY), |d| {
            d.health_check
        });
    if let (Some(rt), Some(delay)) = (&routing, health) {
        steer.set_health_checks(rt.down_intervals(), delay);
    }
    let hier = tiers::Hierarchy::new(cfg);
    let part = shard::partition(cfg, &hier, &steer, routing.is_some());
    if shards && part.count() > 1 {
        return shard::run_sharded(cfg, routes, steer, hier, &part, observe);
    }
    let source = Synthetic::from_config(cfg);
    let workload = source.workload.clone();
    let source = if prefetch && cfg.trace.is_none() {
        Feed::Thread(
            Prefetched::spawn(source)
                .map_err(|e| crate::Error::Runtime(format!("request producer thread: {e}")))?,
        )
    } else {
        Feed::Inline(Box::new(source))
    };
    let replay = match &cfg.trace {
        Some(t) => Some(crate::workload::replay::Replay::open(cfg, t)?),
        None => None,
    };
    let mut model = RequestModel::new(
        cfg,
        routes,
        steer,
        routing,
        (workload, source),
        replay,
        hier,
        None,
    );
    let mut sched = Scheduler::new();
    model.start(&mut sched);
    let horizon = cfg.duration + DRAIN_LIMIT;
    let outcome = engine::run(
        &mut model,
        &mut sched,
        Budget::until(SimTime::ZERO + horizon),
        observe,
    )?;
    model.finish_part(&sched);
    let (group_continent, from_groups) = (
        std::mem::take(&mut model.group_continent),
        model.continents_from_groups,
    );
    let mut m = model.m;
    finish_run(cfg, &model.hier, &mut m, &group_continent, from_groups);
    match outcome {
        Outcome::Stopped => Ok(None),
        Outcome::Drained => Ok(Some((m, model.steer))),
        Outcome::TimeLimit => Err(in_flight_error()),
    }
}

/// The error of a run whose requests did not drain by the horizon.
fn in_flight_error() -> crate::Error {
    crate::Error::Runtime(format!(
        "requests were still in flight {DRAIN_LIMIT} after the last arrival; a request path is implausibly slow"
    ))
}

/// What is computed once over a whole run's metrics (after the shards'
/// are merged, `shard::merge`): the run's and the continents' TTFB
/// histograms, failures, the invariant checks.
fn finish_run(
    cfg: &RunConfig,
    hier: &tiers::Hierarchy,
    m: &mut RunMetrics,
    group_continent: &[u16],
    continents_from_groups: bool,
) {
    m.finish_histograms();
    finish_continents(m, group_continent, continents_from_groups);
    m.failed = m.client.dropped + m.errors;
    m.invariants = invariants::of_metrics(cfg, hier, m);
}

/// Per-continent TTFB as the merge of the continent's groups' full
/// HDR histograms: every measured response is recorded in exactly one
/// group's, so counts, minimum, maximum and mean are those of
/// recording it into the continent's too (one HDR record fewer per
/// response).
fn finish_continents(m: &mut RunMetrics, group_continent: &[u16], continents_from_groups: bool) {
    if !continents_from_groups {
        return;
    }
    for (g, gm) in m.per_group.iter().enumerate() {
        let c = group_continent[g] as usize;
        // `continents_from_groups` holds only when every group is HDR.
        debug_assert!(matches!(gm.ttfb, GroupLatency::Hdr(_)));
        if let GroupLatency::Hdr(h) = &gm.ttfb {
            m.per_continent[c].1.merge(h);
        }
    }
}

impl<'a> RequestModel<'a> {
    /// The model of a run, or of one shard of it (`shard`: the partition
    /// and the shard's index): a shard's random streams carry its label
    /// ([`shard::Partition::label`]), and the caches and group histograms
    /// of other shards' nodes and groups are left empty (never used; the
    /// merge takes them from their own shard).
    #[allow(clippy::too_many_arguments)]
    fn new(
        cfg: &'a RunConfig,
        routes: &[GroupRoute],
        steer: crate::dns::Steerer,
        routing: Option<events::Routing>,
        (workload, source): (Workload, Feed),
        replay: Option<crate::workload::replay::Replay>,
        hier: tiers::Hierarchy,
        shard: Option<(&shard::Partition, usize)>,
    ) -> RequestModel<'a> {
        let streams = Streams::new(cfg.seed);
        let suffix = shard.map_or(String::new(), |(p, i)| p.label(i));
        let http = HttpCacheConfig::default();
        let policies = workload
            .catalogs
            .iter()
            .map(|c| {
                c.profiles
                    .iter()
                    .map(|h| HttpPolicy::evaluate(h, &http))
                    .collect()
            })
            .collect();
        let attacks: Vec<attack::AttackStream> = cfg
            .attacks
            .iter()
            .map(|a| attack::AttackStream::new(a, cfg, routes, &streams))
            .collect();
        let continents: std::collections::BTreeSet<&str> = cfg
            .groups
            .iter()
            .map(|g| cfg.cities.get(g.city).continent.as_str())
            .collect();
        let continents: Vec<&str> = continents.into_iter().collect();
        let group_continent = cfg
            .groups
            .iter()
            .map(|g| {
                let c = cfg.cities.get(g.city).continent.as_str();
                continents.binary_search(&c).expect("collected above") as u16
            })
            .collect();
        let own_node = |n: usize| shard.is_none_or(|(p, i)| p.node_shard(n) == Some(i));
        let own_group = |g: usize| shard.is_none_or(|(p, i)| p.group_shard(g) == i);
        RequestModel {
            group_continent,
            continents_from_groups: cfg.groups.len() <= crate::metrics::group::HDR_GROUPS_MAX,
            client: client::ClientSide::new(cfg, &streams, cfg.duration, &suffix),
            upstream: upstream::Upstream::new(cfg, &hier),
            attacks,
            long_rng: streams.stream("events/long-lived"),
            routing,
            cfg,
            workload,
            source,
            replay,
            policies,
            keys: KeyConfig::default(),
            steer,
            caches: (0..hier.nodes.len())
                .map(|i| {
                    if own_node(i) {
                        hier.cache(i, cfg)
                    } else {
                        Cache::new(hier.nodes[i].policy.kind().build(0), 0)
                    }
                })
                .collect(),
            fetches: fetch::Fetches::default(),
            metas: vec![Default::default(); hier.nodes.len()],
            purged: Default::default(),
            noise: PathNoise {
                rng: streams.stream(&format!("latency/noise{suffix}")),
                access: cfg.latency.access_distribution(),
                jitter: noise::Jitter::with_mean_sd(
                    cfg.latency.jitter_mean_ms,
                    cfg.latency.jitter_sd_ms,
                ),
            },
            m: RunMetrics {
                ttfb: LatencyHistogram::default(),
                edge: CacheCounters::default(),
                origin_requests: 0,
                origin_bytes: 0,
                per_pop: (0..cfg.pops.len())
                    .map(|p| {
                        if own_node(p) {
                            PopMetrics::default()
                        } else {
                            PopMetrics {
                                edge: CacheCounters::default(),
                                origin_requests: 0,
                                origin_bytes: 0,
                                ttfb: LatencyHistogram::placeholder(),
                            }
                        }
                    })
                    .collect(),
                per_group: (0..cfg.groups.len())
                    .map(|g| GroupMetrics {
                        requests: 0,
                        ttfb: if own_group(g) {
                            GroupLatency::for_groups(cfg.groups.len())
                        } else {
                            GroupLatency::Compact(crate::metrics::group::Compact::new(0))
                        },
                    })
                    .collect(),
                per_continent: continents
                    .iter()
                    .map(|c| (c.to_string(), LatencyHistogram::default()))
                    .collect(),
                series: TimeSeries::new(cfg.interval, cfg.duration),
                events: 0,
                issued: 0,
                uncacheable: 0,
                client: client::ClientMetrics::default(),
                capacity: Vec::new(),
                upstream: upstream::Upstream::default(),
                tiers: vec![TierMetrics::default(); hier.nodes.len()],
                upper: CacheCounters::default(),
                coalesced: 0,
                origins: vec![OriginMetrics::default(); cfg.tiers.origins.len()],
                stale_served: 0,
                background_revalidations: 0,
                revalidations: 0,
                not_modified: 0,
                stale_if_error_served: 0,
                errors: 0,
                origin_errors: 0,
                purged_objects: 0,
                purge_misses: 0,
                pushed_objects: 0,
                push_origin_requests: 0,
                push_origin_bytes: 0,
                routing: None,
                arrived: 0,
                lost: 0,
                lost_before_pop: 0,
                lost_unreached: 0,
                failed: 0,
                invariants: invariants::Report::default(),
            },
            hier,
        }
    }

    /// Schedules what a run starts with: purges, pushes, the first
    /// arrival, failures, the attacks' first requests.
    fn start(&mut self, sched: &mut Scheduler<Event>) {
        self.schedule_purges(sched);
        self.schedule_push(sched);
        if let Some(first) = self.next_arrival() {
            sched.schedule_stream(first.time, Event::Arrival(first));
        }
        for (t, p) in self.routing.iter().flat_map(|r| r.failures()) {
            sched.schedule_at(t, Event::PopFail(p as u32));
        }
        for (i, a) in self.attacks.iter_mut().enumerate() {
            if let Some((t, source)) = a.next_request() {
                let attack = i as u16;
                sched.schedule_at(t, Event::Attack { attack, source });
            }
        }
    }

    /// Moves what the hooks recorded into `m` once this model's engine has
    /// stopped (a run's, or one shard's before the merge).
    fn finish_part(&mut self, sched: &Scheduler<Event>) {
        self.m.events = sched.executed();
        self.client.finish_run();
        self.m.client = std::mem::take(&mut self.client.m);
        self.m.capacity = std::mem::take(&mut self.client.capacity);
        self.m.upstream = std::mem::take(&mut self.upstream);
        self.m.routing = self.routing.take();
    }
}

#[cfg(test)]
mod size_tests {
    /// Every event is copied through the queue a few times; keep it small
    /// (it was 144 bytes while `Request` carried the whole workload request).
    #[test]
    fn event_is_small() {
        assert!(std::mem::size_of::<super::Request>() <= 88);
        assert!(std::mem::size_of::<super::Event>() <= 96);
    }
}

#[cfg(test)]
mod meta_tests {
    use super::*;

    /// Runs `scenario` (with `sets`) as one part and returns its model, so
    /// that what it holds at the end can be checked.
    fn finished(scenario: &str, sets: &[&str], check: impl FnOnce(&RequestModel<'_>)) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let loaded = crate::scenario::load_file(&path, &sets).expect("loads");
        let cfg = crate::scenario::validate(&loaded).expect("validates");
        let (routes, _) = plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("plans");
        let steer = steering::steerer(&cfg, &routes, None, None);
        let source = Synthetic::from_config(&cfg);
        let workload = source.workload.clone();
        let hier = tiers::Hierarchy::new(&cfg);
        let feed = Feed::Inline(Box::new(source));
        let mut model = RequestModel::new(
            &cfg,
            &routes,
            steer,
            None,
            (workload, feed),
            None,
            hier,
            None,
        );
        let mut sched = Scheduler::new();
        model.start(&mut sched);
        let horizon = SimTime::ZERO + cfg.duration + DRAIN_LIMIT;
        let out = engine::run(&mut model, &mut sched, Budget::until(horizon), |_| {
            Control::Continue
        })
        .expect("runs");
        assert_eq!(out, Outcome::Drained);
        check(&model);
    }

    /// The freshness facts are exactly the resident objects' at every
    /// node: a store drops what it evicts, and nothing not admitted gets
    /// facts. Small caches, so that most stores evict.
    fn facts_are_the_resident_objects(m: &RequestModel<'_>) -> u64 {
        let mut evictions = 0;
        for (n, (cache, metas)) in m.caches.iter().zip(&m.metas).enumerate() {
            assert_eq!(metas.len(), cache.len(), "node {n}");
            for k in metas.keys() {
                assert!(cache.contains(*k), "node {n}: facts of evicted key {k}");
            }
            evictions += cache.evictions();
        }
        evictions
    }

    #[test]
    fn freshness_facts_follow_evictions_at_edges() {
        finished(
            "scenarios/quickstart.toml",
            &["duration=20s", "warmup=2s", "cdn.edge.capacity=20MB"],
            |m| assert!(facts_are_the_resident_objects(m) > 10_000),
        );
    }

    #[test]
    fn freshness_facts_follow_evictions_at_shields() {
        finished(
            "scenarios/imc2015-traffic.toml",
            &[
                "duration=10s",
                "warmup=1s",
                "output.interval=1s",
                "cdn.edge.capacity=20MB",
            ],
            |m| assert!(facts_are_the_resident_objects(m) > 10_000),
        );
    }
}

#[cfg(test)]
mod prefetch_tests {
    use super::*;

    fn quickstart(duration: &str) -> (RunConfig, Vec<GroupRoute>) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let sets = vec![format!("duration={duration}"), "warmup=5s".to_string()];
        let loaded = crate::scenario::load_file(&path, &sets).expect("quickstart loads");
        let cfg = crate::scenario::validate(&loaded).expect("quickstart validates");
        let (routes, _) =
            plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("quickstart plans");
        (cfg, routes)
    }

    fn run(cfg: &RunConfig, routes: &[GroupRoute], prefetch: bool) -> RunMetrics {
        let steer = steering::steerer(cfg, routes, None, None);
        run_with_source(cfg, routes, steer, None, |_| Control::Continue, prefetch)
            .expect("runs")
            .expect("not stopped")
            .0
    }

    /// The producer thread hands the simulation the requests it would have
    /// drawn itself: every recorded figure is the same (Debug output of
    /// the whole `RunMetrics`, histograms' counts included), over many
    /// batches.
    #[test]
    fn prefetched_requests_give_identical_metrics() {
        let (cfg, routes) = quickstart("40s");
        let inline = run(&cfg, &routes, false);
        let threaded = run(&cfg, &routes, true);
        assert!(inline.issued > 10 * crate::workload::source::PREFETCH_BATCH as u64);
        assert_eq!(inline.issued, threaded.issued);
        assert!(
            format!("{inline:?}") == format!("{threaded:?}"),
            "metrics differ with the producer thread (seed {})",
            cfg.seed
        );
    }

    /// A run stopped early hangs up on the producer instead of waiting
    /// for it to draw the whole run.
    #[test]
    fn a_stopped_run_stops_the_producer() {
        let (cfg, routes) = quickstart("1h");
        let steer = steering::steerer(&cfg, &routes, None, None);
        let r = run_with_source(&cfg, &routes, steer, None, |_| Control::Stop, true).expect("runs");
        assert!(r.is_none());
    }
}
