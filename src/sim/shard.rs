//! A run's independent parts ("shards") on several cores, exactly and
//! deterministically.
//!
//! When PoPs share no state, their simulations are independent given the
//! request stream. [`partition`] splits the PoPs (with the upper tiers
//! they fetch from and the client groups steered to them) into shards
//! that share nothing; the partition depends on the scenario only, never
//! on the number of threads. A run with one shard is today's run, code
//! path and outputs unchanged (`sim::run_with_source`).
//!
//! A run with several ([`run_sharded`]): the global request stream is
//! drawn as in a one-shard run (the same `Synthetic` source and streams),
//! in windows of simulated time ([`window`]); each window's requests go
//! to the shard of their group; then every shard's engine runs to the
//! window's end (rayon, in parallel) while the next window is drawn. Each
//! shard is a whole `RequestModel` on its own engine whose random streams
//! are labelled by the shard ([`Partition::label`]: its lowest PoP), so a
//! shard's draws do not depend on how many shards or threads there are.
//! The shards' metrics are merged in shard order ([`merge`]): counters
//! add, HDR histograms add, time series add per interval; per-PoP,
//! per-node and per-group figures come whole from their own shard. No
//! float is summed across shards. The observer (`Control`, Ctrl-C) is
//! called at window boundaries.
//!
//! Outputs of a sharded run are byte-identical whatever the thread count
//! (`shard::tests`), but not identical to the same scenario run as one
//! shard: the per-request noise (access delay, jitter, transport and edge
//! function draws) comes from the shards' streams instead of one.

use super::{Event, Feed, GroupRoute, RequestModel, RunMetrics, tiers, tiers::Parent};
use crate::engine::{self, Budget, Control, Outcome, Scheduler};
use crate::metrics::{Bucket, CacheCounters, LatencyHistogram};
use crate::scenario::RunConfig;
use crate::time::{SimDuration, SimTime};
use crate::workload::{Request, RequestSource, Synthetic};
use rayon::prelude::*;
use std::collections::VecDeque;

/// Most shards of a run: independent components beyond it share shards
/// (each shard's model keeps per-PoP histograms for all PoPs, so memory
/// grows with shards x PoPs).
pub const MAX_SHARDS: usize = 8;

/// Requests a window holds on average ([`window`]).
pub const WINDOW_REQUESTS: f64 = 300_000.0;

/// Simulated time between two synchronisations of the shards: whole
/// seconds holding about [`WINDOW_REQUESTS`] at the scenario's mean rate,
/// 1 s to 600 s (a function of the scenario only). Long windows keep a
/// shard's caches and queues in the CPU's caches while it runs: on the
/// 10-minute day at 10k/s, 1 s windows took 2.6-2.7 s, 10 s 2.0-2.1 s,
/// 30 s 1.8-1.9 s, 60 s 1.8 s (docs/performance.md). Memory: two windows
/// of 48-byte requests (~30 MB).
pub fn window(cfg: &RunConfig) -> SimDuration {
    let secs = if cfg.rate > 0.0 {
        (WINDOW_REQUESTS / cfg.rate).round().clamp(1.0, 600.0)
    } else {
        600.0
    };
    SimDuration::from_secs(secs as u64)
}

/// The most shards [`partition`] can make of `cfg`, from the scenario
/// alone (no world, no steerer; `partition` starts from it): 1 when one
/// of the coupling rule's scenario-level conditions holds (a trace, routing events or churn,
/// attacks, purges, pushes, steering other than `anycast` without `[dns]`
/// or `nearest`), else one per PoP up to [`MAX_SHARDS`]. An upper bound
/// for the memory estimate (`scenario::memory`): shared upper tiers or
/// limits upstream may still make fewer.
pub fn most_shards(cfg: &RunConfig) -> usize {
    use crate::scenario::raw::Steering;
    let static_steering = match cfg.steering {
        Steering::Nearest => true,
        Steering::Anycast => cfg.dns.is_none(),
        _ => false,
    };
    if cfg.trace.is_some()
        || !cfg.events.is_empty()
        || cfg.bgp.churn.is_some()
        || !cfg.attacks.is_empty()
        || !cfg.tiers.purges.is_empty()
        || !cfg.tiers.push.is_empty()
        || !static_steering
    {
        1
    } else {
        cfg.pops.len().clamp(1, MAX_SHARDS)
    }
}

/// Which shard each PoP, cache node and client group belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Per cache node (edges = PoPs first): its shard, `None` for an upper
    /// tier no edge fetches from.
    node: Vec<Option<usize>>,
    /// Per client group.
    group: Vec<usize>,
    /// Per shard: its lowest PoP index (shards are numbered in that order).
    lowest: Vec<usize>,
}

impl Partition {
    /// Everything in one shard.
    fn one(hier: &tiers::Hierarchy, groups: usize) -> Partition {
        Partition {
            node: vec![Some(0); hier.nodes.len()],
            group: vec![0; groups],
            lowest: vec![0],
        }
    }

    pub fn count(&self) -> usize {
        self.lowest.len()
    }

    pub fn node_shard(&self, n: usize) -> Option<usize> {
        self.node[n]
    }

    pub fn group_shard(&self, g: usize) -> usize {
        self.group[g]
    }

    /// What shard `i`'s random streams append to their labels: nothing in
    /// a run of one shard (today's streams), else `/shard/<lowest PoP>`.
    pub fn label(&self, i: usize) -> String {
        if self.count() == 1 {
            String::new()
        } else {
            format!("/shard/{}", self.lowest[i])
        }
    }
}

/// The coupling rule: which PoPs must be simulated together.
///
/// Everything is one shard (today's run) when any state is shared by
/// requests of different PoPs or decisions may move a group between PoPs:
/// a replayed trace; routing events (failures, retries that may land on
/// another PoP, long-lived connections); attacks (bots steered like
/// clients, loading several PoPs and the upper tiers); purges (gossip
/// between caches); push windows (fills into many caches); steering that
/// is not a fixed function of the group with no shared state
/// ([`crate::dns::Steerer::static_pops`]: only `nearest`, and `anycast`
/// without `[dns]`, qualify: resolver caches, the latency map's
/// measurements, load-aware demand and content-aware `contains` are
/// shared across groups); any upper tier or origin site with limits (its
/// queues couple every request that reaches it).
///
/// Otherwise PoPs are joined when their edges may fetch from a common
/// upper tier, transitively (a shield joins every PoP under it; a
/// consistent-hash level joins every PoP that hashes into it; regional
/// tiers join their own PoPs only). Components beyond [`MAX_SHARDS`] share
/// shards, balanced by their groups' shares. An origin without limits is stateless
/// apart from counters (it answers every fetch after its processing time;
/// outages are fixed in time), so it couples nothing. Each group belongs
/// to the shard of its static PoP. Shards are numbered by their lowest
/// PoP; the partition depends on the scenario only.
pub fn partition(
    cfg: &RunConfig,
    hier: &tiers::Hierarchy,
    steer: &crate::dns::Steerer,
    routed: bool,
) -> Partition {
    let one = Partition::one(hier, cfg.groups.len());
    // The scenario-level conditions (trace, events, attacks, purges,
    // pushes, steering mode) are `most_shards`'; then what needs the run:
    // its routing, its upstream limits and the steerer's answers.
    if most_shards(cfg) == 1 || routed || super::upstream::Upstream::new(cfg, hier).any_limited() {
        return one;
    }
    let Some(pop_of_group) = steer.static_pops() else {
        return one;
    };
    let n = hier.nodes.len();
    let mut up: Vec<usize> = (0..n).collect();
    fn root(up: &mut [usize], mut a: usize) -> usize {
        while up[a] != a {
            up[a] = up[up[a]];
            a = up[a];
        }
        a
    }
    for node in 0..n {
        for p in hier.parents(node) {
            if let Parent::Node(q) = p {
                let (a, b) = (root(&mut up, node), root(&mut up, q as usize));
                // The lower index stays the root: a component's root is
                // its lowest node, so its lowest PoP.
                up[a.max(b)] = a.min(b);
            }
        }
    }
    // Components in order of their lowest PoP (edges are nodes 0..edges).
    let mut comp_of_root = vec![None; n];
    let mut comps = 0;
    for pop in 0..hier.edges {
        let r = root(&mut up, pop);
        if comp_of_root[r].is_none() {
            comp_of_root[r] = Some(comps);
            comps += 1;
        }
    }
    if comps == 1 {
        return one;
    }
    let comp: Vec<Option<usize>> = (0..n).map(|i| comp_of_root[root(&mut up, i)]).collect();
    // At most MAX_SHARDS shards (each shard's model holds per-PoP
    // histograms for every PoP): components by their clients' share,
    // largest first, each to the lightest shard so far (ties: lower
    // index); shards then numbered by their lowest PoP.
    let mut load = vec![0.0f64; comps];
    for (g, &p) in pop_of_group.iter().enumerate() {
        load[comp[p].expect("an edge belongs to a component")] += cfg.groups[g].share;
    }
    let k = comps.min(MAX_SHARDS);
    let mut order: Vec<usize> = (0..comps).collect();
    order.sort_by(|&a, &b| load[b].total_cmp(&load[a]).then(a.cmp(&b)));
    let mut bin = vec![0usize; comps];
    let mut bins = vec![0.0f64; k];
    for c in order {
        let b = (0..k)
            .min_by(|&x, &y| bins[x].total_cmp(&bins[y]).then(x.cmp(&y)))
            .expect("k >= 1");
        bin[c] = b;
        bins[b] += load[c];
    }
    let mut shard_of_bin = vec![None; k];
    let mut lowest = Vec::new();
    for pop in 0..hier.edges {
        let b = bin[comp[pop].expect("an edge belongs to a component")];
        if shard_of_bin[b].is_none() {
            shard_of_bin[b] = Some(lowest.len());
            lowest.push(pop);
        }
    }
    let node: Vec<Option<usize>> = comp
        .iter()
        .map(|c| c.and_then(|c| shard_of_bin[bin[c]]))
        .collect();
    let group = pop_of_group
        .iter()
        .map(|&p| node[p].expect("an edge belongs to a shard"))
        .collect();
    Partition {
        node,
        group,
        lowest,
    }
}

/// The requests of `[.., end)` by shard, into `out` (one vector per shard,
/// emptied first; the caller keeps their capacity from window to window).
/// `pending` is the first request not yet handed out (drawn from
/// `source`), left at the first one at or after `end`.
fn draw(
    source: &mut Synthetic,
    pending: &mut Option<Request>,
    end: SimTime,
    part: &Partition,
    out: &mut [Vec<Request>],
) {
    out.iter_mut().for_each(Vec::clear);
    while let Some(r) = *pending {
        if r.time >= end {
            break;
        }
        out[part.group[r.group as usize]].push(r);
        *pending = source.next_request();
    }
}

type Shard<'a> = (RequestModel<'a>, Scheduler<Event>);

/// Runs every shard to `until` (in parallel).
fn advance(shards: &mut [Shard<'_>], until: SimTime) -> crate::Result<Vec<Outcome>> {
    shards
        .par_iter_mut()
        .map(|(m, s)| {
            Ok(engine::run(m, s, Budget::until(until), |_| {
                Control::Continue
            })?)
        })
        .collect()
}

/// A run of several shards (see the module doc); the same results as
/// `sim::run_with_source` would give for the shards' streams, merged.
pub(super) fn run_sharded(
    cfg: &RunConfig,
    routes: &[GroupRoute],
    steer: crate::dns::Steerer,
    hier: tiers::Hierarchy,
    part: &Partition,
    mut observe: impl FnMut(SimTime) -> Control,
) -> crate::Result<Option<(RunMetrics, crate::dns::Steerer)>> {
    let mut source = Synthetic::from_config(cfg);
    let workload = source.workload.clone();
    let mut shards: Vec<Shard<'_>> = (0..part.count())
        .map(|i| {
            let mut m = RequestModel::new(
                cfg,
                routes,
                steer.fork(
                    crate::rng::Streams::new(cfg.seed)
                        .stream(&format!("dns/beacons{}", part.label(i))),
                ),
                None,
                (workload.clone(), Feed::Window(VecDeque::new())),
                None,
                hier.clone(),
                Some((part, i)),
            );
            let mut s = Scheduler::new();
            m.start(&mut s);
            (m, s)
        })
        .collect();
    drop(steer);
    let mut pending = source.next_request();
    let mut t = SimTime::ZERO;
    let step = window(cfg);
    let mut next = vec![Vec::new(); part.count()];
    draw(&mut source, &mut pending, t + step, part, &mut next);
    loop {
        if pending.is_none() && next.iter().all(Vec::is_empty) {
            break;
        }
        let end = t + step;
        for ((m, s), reqs) in shards.iter_mut().zip(&mut next) {
            // Every request handed out before ran before `t` (all were
            // before the last window's end), so no arrival is pending:
            // the window's first request starts the chain again.
            let Feed::Window(q) = &mut m.source else {
                unreachable!("shards are fed by windows")
            };
            debug_assert!(q.is_empty());
            // The drawn vector becomes the shard's queue and the emptied
            // queue's buffer the next window's vector (both conversions
            // move the buffer, copying nothing).
            let n = reqs.len();
            let drawn = VecDeque::from(std::mem::take(reqs));
            *reqs = Vec::from(std::mem::replace(q, drawn));
            // Room for a window 1/8 larger than this one, allocated while
            // the vector is empty (growing it while drawing would copy).
            if reqs.capacity() < n {
                *reqs = Vec::with_capacity(n + n / 8);
            }
            if let Some(first) = m.next_arrival() {
                s.schedule_stream(first.time, Event::Arrival(first));
            }
        }
        let ((), ran) = rayon::join(
            || draw(&mut source, &mut pending, end + step, part, &mut next),
            || advance(&mut shards, end),
        );
        ran?;
        if observe(end) == Control::Stop {
            return Ok(None);
        }
        t = end;
    }
    let horizon = SimTime::ZERO + cfg.duration + super::DRAIN_LIMIT;
    let outcomes = advance(&mut shards, horizon)?;
    if !outcomes.iter().all(|o| *o == Outcome::Drained) {
        return Err(super::in_flight_error());
    }
    let mut parts = Vec::with_capacity(shards.len());
    let mut steers = Vec::with_capacity(shards.len());
    let mut group_continent = Vec::new();
    let mut from_groups = false;
    for (i, (mut m, s)) in shards.into_iter().enumerate() {
        m.finish_part(&s);
        if i == 0 {
            group_continent = std::mem::take(&mut m.group_continent);
            from_groups = m.continents_from_groups;
        }
        parts.push(m.m);
        steers.push(m.steer);
    }
    let mut steers = steers.into_iter();
    let mut steer = steers.next().expect("two shards or more");
    for (i, mut st) in steers.enumerate() {
        let i = i + 1;
        steer.absorb_stats(&mut st, &|g| part.group[g] == i, &|p| {
            part.node[p] == Some(i)
        });
    }
    let mut m = merge(parts, part, hier.edges);
    super::finish_run(cfg, &hier, &mut m, &group_continent, from_groups);
    Ok(Some((m, steer)))
}

fn add_counters(a: &mut CacheCounters, b: &CacheCounters) {
    let CacheCounters {
        requests,
        hits,
        bytes,
        hit_bytes,
    } = *b;
    a.requests += requests;
    a.hits += hits;
    a.bytes += bytes;
    a.hit_bytes += hit_bytes;
}

fn add_bucket(a: &mut Bucket, b: &Bucket) {
    let Bucket {
        requests,
        edge_hits,
        bytes,
        origin_requests,
        origin_bytes,
        upper_requests,
        upper_hits,
        coalesced,
    } = *b;
    a.requests += requests;
    a.edge_hits += edge_hits;
    a.bytes += bytes;
    a.origin_requests += origin_requests;
    a.origin_bytes += origin_bytes;
    a.upper_requests += upper_requests;
    a.upper_hits += upper_hits;
    a.coalesced += coalesced;
}

fn merge_client(
    a: &mut super::client::ClientMetrics,
    b: super::client::ClientMetrics,
    own_pop: &dyn Fn(usize) -> bool,
) {
    let super::client::ClientMetrics {
        classes,
        completion,
        dropped,
        dropped_egress,
        offered,
        attack_offered,
        attack_dropped,
        attack_lost,
        compute_invocations,
        compute_cold_starts,
        load,
        interval: _,
    } = b;
    for (x, y) in a.classes.iter_mut().zip(classes) {
        let super::client::ClassMetrics {
            requests,
            ttfb,
            completion,
            sums,
        } = y;
        x.requests += requests;
        x.ttfb.merge(&ttfb);
        x.completion.merge(&completion);
        let s = &mut x.sums;
        let super::client::StepSums {
            dns,
            connect,
            tls,
            request,
            server,
            transfer,
            queueing,
        } = sums;
        s.dns += dns;
        s.connect += connect;
        s.tls += tls;
        s.request += request;
        s.server += server;
        s.transfer += transfer;
        s.queueing += queueing;
    }
    a.completion.merge(&completion);
    a.dropped += dropped;
    a.dropped_egress += dropped_egress;
    a.offered += offered;
    a.attack_offered += attack_offered;
    a.attack_dropped += attack_dropped;
    a.attack_lost += attack_lost;
    a.compute_invocations += compute_invocations;
    a.compute_cold_starts += compute_cold_starts;
    for (p, row) in load.into_iter().enumerate() {
        if own_pop(p) {
            a.load[p] = row;
        }
    }
}

fn merge_upstream(
    a: &mut super::upstream::Upstream,
    b: super::upstream::Upstream,
    own_node: &dyn Fn(usize) -> bool,
    edges: usize,
) {
    for (k, mut site) in b.sites.into_iter().enumerate() {
        if k < b.tiers {
            if own_node(edges + k) {
                a.sites[k] = site;
            }
            continue;
        }
        // An origin site (without limits in a sharded run: its queues
        // were never used, only its counters).
        let x = &mut a.sites[k];
        for (u, v) in x.load.iter_mut().zip(std::mem::take(&mut site.load)) {
            let super::upstream::SiteBucket {
                offered,
                dropped,
                attack_offered,
                attack_dropped,
            } = v;
            u.offered += offered;
            u.dropped += dropped;
            u.attack_offered += attack_offered;
            u.attack_dropped += attack_dropped;
        }
        x.offered += site.offered;
        x.dropped += site.dropped;
        x.dropped_bytes += site.dropped_bytes;
        x.attack_offered += site.attack_offered;
        x.attack_dropped += site.attack_dropped;
    }
}

/// The shards' metrics as one run's, in shard order: shard 0's, then each
/// next shard's added (counters, histograms, time-series intervals) or,
/// for what belongs to one shard (a PoP's, a cache node's, a group's
/// figures), taken whole from its shard. The run-wide TTFB, continents,
/// failures and invariants are computed afterwards (`sim::finish_run`).
pub fn merge(parts: Vec<RunMetrics>, part: &Partition, edges: usize) -> RunMetrics {
    let mut parts = parts.into_iter();
    let mut acc = parts.next().expect("one shard or more");
    for (i, b) in parts.enumerate() {
        let i = i + 1;
        let own_node = |n: usize| part.node[n] == Some(i);
        let own_pop = |p: usize| p < edges && own_node(p);
        let RunMetrics {
            ttfb: _,
            edge,
            origin_requests,
            origin_bytes,
            per_pop,
            per_group,
            per_continent,
            series,
            events,
            issued,
            uncacheable,
            client,
            capacity,
            upstream,
            tiers,
            upper,
            coalesced,
            origins,
            stale_served,
            background_revalidations,
            revalidations,
            not_modified,
            stale_if_error_served,
            errors,
            origin_errors,
            purged_objects,
            purge_misses,
            pushed_objects,
            push_origin_requests,
            push_origin_bytes,
            routing: _,
            arrived,
            lost,
            lost_before_pop,
            lost_unreached,
            failed: _,
            invariants: _,
        } = b;
        add_counters(&mut acc.edge, &edge);
        acc.origin_requests += origin_requests;
        acc.origin_bytes += origin_bytes;
        for (p, x) in per_pop.into_iter().enumerate() {
            if own_pop(p) {
                acc.per_pop[p] = x;
            }
        }
        for (g, x) in per_group.into_iter().enumerate() {
            if part.group[g] == i {
                acc.per_group[g] = x;
            }
        }
        for (x, (_, h)) in acc.per_continent.iter_mut().zip(per_continent) {
            x.1.merge(&h);
        }
        for (x, y) in acc.series.buckets.iter_mut().zip(&series.buckets) {
            add_bucket(x, y);
        }
        acc.events += events;
        acc.issued += issued;
        acc.uncacheable += uncacheable;
        merge_client(&mut acc.client, client, &own_pop);
        for (p, mut c) in capacity.into_iter().enumerate() {
            if own_pop(p) {
                std::mem::swap(&mut acc.capacity[p], &mut c);
            }
        }
        merge_upstream(&mut acc.upstream, upstream, &own_node, edges);
        for (n, t) in tiers.into_iter().enumerate() {
            if own_node(n) {
                acc.tiers[n] = t;
            }
        }
        add_counters(&mut acc.upper, &upper);
        acc.coalesced += coalesced;
        for (x, y) in acc.origins.iter_mut().zip(origins) {
            x.requests += y.requests;
            x.bytes += y.bytes;
        }
        acc.stale_served += stale_served;
        acc.background_revalidations += background_revalidations;
        acc.revalidations += revalidations;
        acc.not_modified += not_modified;
        acc.stale_if_error_served += stale_if_error_served;
        acc.errors += errors;
        acc.origin_errors += origin_errors;
        acc.purged_objects += purged_objects;
        acc.purge_misses += purge_misses;
        acc.pushed_objects += pushed_objects;
        acc.push_origin_requests += push_origin_requests;
        acc.push_origin_bytes += push_origin_bytes;
        acc.arrived += arrived;
        acc.lost += lost;
        acc.lost_before_pop += lost_before_pop;
        acc.lost_unreached += lost_unreached;
    }
    acc.ttfb = LatencyHistogram::default();
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{plan, steering};

    fn quickstart(sets: &[&str]) -> (RunConfig, Vec<GroupRoute>) {
        scenario("quickstart", sets)
    }

    fn scenario(name: &str, sets: &[&str]) -> (RunConfig, Vec<GroupRoute>) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        let mut all = vec!["duration=20s".to_string(), "warmup=5s".to_string()];
        all.extend(sets.iter().map(|s| s.to_string()));
        let loaded = crate::scenario::load_file(&path, &all).expect("quickstart loads");
        let cfg = crate::scenario::validate(&loaded).expect("quickstart validates");
        let (routes, _) =
            plan(&cfg, &|p, m| loaded.locator.error_at(p, m)).expect("quickstart plans");
        (cfg, routes)
    }

    fn shards_of(name: &str, sets: &[&str]) -> Partition {
        let (cfg, routes) = scenario(name, sets);
        let steer = steering::steerer(&cfg, &routes, None, None);
        partition(&cfg, &tiers::Hierarchy::new(&cfg), &steer, false)
    }

    fn run(cfg: &RunConfig, routes: &[GroupRoute], shards: bool) -> RunMetrics {
        let steer = steering::steerer(cfg, routes, None, None);
        crate::sim::run_with_options(
            cfg,
            routes,
            steer,
            None,
            |_| Control::Continue,
            false,
            shards,
        )
        .expect("runs")
        .expect("not stopped")
        .0
    }

    /// [`most_shards`] bounds [`partition`] on every reference scenario
    /// that plans without the shared data, and is exact for the
    /// quickstart.
    #[test]
    fn most_shards_bounds_the_partition() {
        for (name, sets) in [
            ("quickstart", &[][..]),
            ("quickstart", &["cdn.steering=nearest"][..]),
            ("quickstart", &["dns.ttl=30s", "cdn.steering=geo"][..]),
            ("shield-sizing", &[][..]),
        ] {
            let (cfg, _) = scenario(name, sets);
            let made = shards_of(name, sets).count();
            assert!(
                made <= most_shards(&cfg),
                "{name} {sets:?}: {made} shards, bound {}",
                most_shards(&cfg)
            );
        }
        let (cfg, _) = quickstart(&[]);
        assert_eq!(most_shards(&cfg), 8);
        assert_eq!(shards_of("quickstart", &[]).count(), 8);
    }

    /// The quickstart (8 PoPs, edge caches, an origin without limits,
    /// anycast without `[dns]`) is 8 shards, one PoP each, numbered by PoP;
    /// each group goes with its PoP.
    #[test]
    fn quickstart_is_one_shard_per_pop() {
        let (cfg, routes) = quickstart(&[]);
        let steer = steering::steerer(&cfg, &routes, None, None);
        let hier = tiers::Hierarchy::new(&cfg);
        let p = partition(&cfg, &hier, &steer, false);
        assert_eq!(p.count(), 8);
        assert_eq!(p.lowest, (0..8).collect::<Vec<_>>());
        for (g, r) in routes.iter().enumerate() {
            assert_eq!(p.group_shard(g), r.pop);
        }
        assert_eq!(p.label(3), "/shard/3");
        // Routing events put everything in one shard, with today's labels.
        let one = partition(&cfg, &hier, &steer, true);
        assert_eq!(one.count(), 1);
        assert_eq!(one.label(0), "");
    }

    /// What couples PoPs: a shield joins all; steering with shared state
    /// (latency map, load-aware, ...) or limits upstream make one shard;
    /// `nearest` shards.
    #[test]
    fn coupling_rule() {
        let q = "quickstart";
        assert_eq!(shards_of(q, &["cdn.steering=nearest"]).count(), 8);
        assert_eq!(shards_of(q, &["origin.limits.requests=100/s"]).count(), 1);
        for dns in ["latency-map", "hybrid", "explicit", "geo"] {
            let p = shards_of(q, &[&format!("cdn.steering={dns}")]);
            assert_eq!(p.count(), 1, "{dns}");
        }
        let s = "shield-sizing";
        assert_eq!(shards_of(s, &[]).count(), 1);
        assert_eq!(shards_of(s, &["cdn.tiers.mode=consistent-hash"]).count(), 1);
        // Ten independent PoPs: at most MAX_SHARDS shards, balanced, in
        // order of their lowest PoP, every PoP in one.
        let t = shards_of(s, &["cdn.tiers.mode=none"]);
        assert_eq!(t.count(), MAX_SHARDS);
        assert!(t.lowest.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(t.lowest[0], 0);
        for p in 0..10 {
            assert!(t.node_shard(p).is_some());
        }
        // Regional tiers: each PoP with its nearest tier; here three.
        let r = shards_of(s, &["cdn.tiers.mode=regional"]);
        assert_eq!(r.count(), 3);
        for n in 0..r.node.len() {
            assert!(r.node_shard(n).is_some());
        }
    }

    /// Outputs are identical whatever the thread count: the sharded run in
    /// a pool of one thread and of two (every recorded figure, histograms
    /// included, via Debug).
    #[test]
    fn sharded_runs_are_identical_on_one_or_two_threads() {
        // 30k/s: 10 s windows, four of them.
        let (cfg, routes) = quickstart(&["clients.rate=30k/s", "duration=40s"]);
        assert_eq!(window(&cfg), SimDuration::from_secs(10));
        let on = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("pool")
                .install(|| run(&cfg, &routes, true))
        };
        let (a, b) = (on(1), on(2));
        assert!(a.issued > 10_000);
        assert!(
            format!("{a:?}") == format!("{b:?}"),
            "differs by thread count"
        );
        assert!(a.invariants.violated().is_empty(), "{:?}", a.invariants);
    }

    /// The observer is called at window boundaries with the window's end,
    /// and a stop ends a sharded run without results.
    #[test]
    fn a_sharded_run_observes_windows_and_stops() {
        // 100k/s: 3 s windows.
        let (cfg, routes) = quickstart(&["clients.rate=100k/s", "duration=30s"]);
        assert_eq!(window(&cfg), SimDuration::from_secs(3));
        let steer = steering::steerer(&cfg, &routes, None, None);
        let mut seen = Vec::new();
        let r = crate::sim::run_with_source(
            &cfg,
            &routes,
            steer,
            None,
            |t| {
                seen.push(t);
                if t >= SimTime::ZERO + SimDuration::from_secs(9) {
                    Control::Stop
                } else {
                    Control::Continue
                }
            },
            false,
        )
        .expect("runs");
        assert!(r.is_none());
        let secs: Vec<u64> = seen.iter().map(|t| t.as_nanos() / 1_000_000_000).collect();
        assert_eq!(secs, vec![3, 6, 9]);
    }

    /// `Debug` text without HDR's exact extreme values: merging keeps the
    /// counts but rounds `max_value` / `min_non_zero_value` to their
    /// bucket, while `max()` / `min()` (what reports read) already round
    /// them so; the run-wide TTFB is a merge in every run.
    fn hdr_exact(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("max_value: ") {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let j = tail.find("total_count").expect("HDR Debug order");
            rest = &tail[j..];
        }
        out.push_str(rest);
        out
    }

    /// Without per-request noise (no access delay, no jitter, warm
    /// connections: nothing drawn on the request path) a sharded run
    /// simulates exactly what the one-part run does, so the merge must
    /// give back every figure the one-part run records (apart from the
    /// order of equal-time events, which no figure depends on here).
    #[test]
    fn without_noise_sharded_equals_one_part() {
        let quiet = ["latency.access_median=0ms", "latency.jitter_mean=0ms"];
        for (name, extra) in [
            ("quickstart", &[][..]),
            // Several windows (10 s each).
            ("quickstart", &["clients.rate=30k/s", "duration=40s"][..]),
            ("shield-sizing", &["cdn.tiers.mode=regional"][..]),
            // Ten PoPs in eight shards.
            ("shield-sizing", &["cdn.tiers.mode=none"][..]),
        ] {
            let mut sets = quiet.to_vec();
            sets.extend(extra);
            let (cfg, routes) = scenario(name, &sets);
            let one = run(&cfg, &routes, false);
            let sharded = run(&cfg, &routes, true);
            assert!(one.issued > 10_000);
            let (a, b) = (
                hdr_exact(&format!("{one:?}")),
                hdr_exact(&format!("{sharded:?}")),
            );
            let at = a
                .bytes()
                .zip(b.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            assert!(
                a == b,
                "{name}: merge differs at {at}: {} | {}",
                &a[at.saturating_sub(300)..(at + 200).min(a.len())],
                &b[at.saturating_sub(300)..(at + 200).min(b.len())]
            );
        }
    }
}
