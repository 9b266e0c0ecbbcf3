//! The steering object the request model calls at each arrival: the
//! client group's resolver, its cache, the authoritative, measurement
//! beacons, and the figures of the comparison (per group and per PoP).

use super::authoritative::{Authoritative, Policy};
use super::resolver::Cache;
use super::{Target, ecs_scope};
use crate::geo::LatLon;
use crate::rng::StreamRng;
use crate::scenario::raw::Steering;
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal};

/// What the steering knows of one client group (one /24 prefix).
#[derive(Clone, Debug)]
pub struct GroupView {
    pub loc: LatLon,
    /// The group's /24 number (ECS subnets are its leading bits).
    pub subnet: u32,
    /// Index into the resolvers.
    pub resolver: usize,
    /// RTT client -> resolver.
    pub to_resolver: SimDuration,
    /// Anycast catchment PoP and path RTT (None: no anycast route).
    pub anycast: Option<(usize, SimDuration)>,
    /// Path RTT to each PoP's unicast address.
    pub unicast: Vec<SimDuration>,
    /// The geographically nearest PoP and the point-to-point RTT to it
    /// (the `nearest` oracle).
    pub nearest: (usize, SimDuration),
    /// Where the authoritative locates this group's ECS subnet (the first
    /// group of the subnet).
    pub ecs_loc: LatLon,
}

impl GroupView {
    /// The PoP with the lowest unicast RTT (ties: lower index); a fixed
    /// steerer's groups (no unicast table) answer their one PoP.
    pub fn best(&self) -> (usize, SimDuration) {
        if self.unicast.is_empty()
            && let Some(a) = self.anycast
        {
            return a;
        }
        self.unicast
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(p, d)| (d, p))
            .expect("at least one PoP")
    }
}

/// One resolver.
#[derive(Clone, Debug)]
pub struct ResolverView {
    pub name: String,
    pub public: bool,
    pub loc: LatLon,
    /// ECS source prefix length (0: no ECS).
    pub ecs: u8,
    /// RTT resolver -> authoritative (nearest site).
    pub to_auth: SimDuration,
}

/// Steering parameters.
#[derive(Clone, Debug)]
pub struct Params {
    pub policy: Policy,
    /// Whether DNS resolution is modelled (adds its time on misses).
    pub dns: bool,
    pub beacon_share: f64,
    pub explicit_candidates: usize,
    /// Requests arriving before this are not counted in the figures.
    pub warmup: SimTime,
}

/// The steering decision for one request.
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    pub pop: usize,
    /// Path RTT to it (before access delay and jitter).
    pub rtt: SimDuration,
    /// DNS resolution time this request waits for.
    pub dns: SimDuration,
    pub target: Target,
    group: u32,
}

/// Figures recorded after warmup.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub per_group: Vec<GroupStats>,
    /// Queries reaching the authoritative (resolver cache misses).
    pub authoritative_queries: u64,
    /// Per PoP, requests per whole second of simulated time.
    pub per_pop_second: Vec<Vec<u32>>,
    pub beacons: u64,
}

#[derive(Clone, Debug, Default)]
pub struct GroupStats {
    pub requests: u64,
    /// Requests answered by the group's best-unicast PoP.
    pub at_best: u64,
    /// Sum of path RTT minus best unicast RTT [ns].
    pub minus_best_ns: i128,
    /// Sum of path RTTs [ns].
    pub rtt_ns: u128,
    /// Requests that waited for a DNS resolution, and the total wait [ns].
    pub dns_misses: u64,
    pub dns_ns: u128,
    /// Sum of client-PoP great-circle distances [km].
    pub km: f64,
    /// Requests per PoP.
    pub per_pop: Vec<u64>,
}

/// Per-request latency noise for beacons (the latency model's access
/// delay and jitter), from its own stream.
pub struct Noise {
    pub rng: StreamRng,
    pub access: Option<LogNormal<f64>>,
    pub jitter: Option<Gamma<f64>>,
}

impl Noise {
    fn sample(&mut self, path: SimDuration) -> SimDuration {
        let a = self.access.map_or(0.0, |d| d.sample(&mut self.rng));
        let j = self.jitter.map_or(0.0, |d| d.sample(&mut self.rng));
        path + SimDuration::from_millis_f64(2.0 * a + j)
    }
}

/// Steering for one run.
pub struct Steerer {
    mode: Steering,
    /// Built by [`Steerer::fixed`]: one PoP per group, no DNS.
    fixed: bool,
    p: Params,
    groups: Vec<GroupView>,
    resolvers: Vec<ResolverView>,
    caches: Vec<Cache>,
    auth: Authoritative,
    /// Per group: PoPs by unicast RTT (`explicit` only; empty otherwise).
    order: Vec<Vec<usize>>,
    /// Per resolver: PoPs by distance from it (beacon targets).
    near_resolver: Vec<Vec<usize>>,
    noise: Noise,
    stats: Stats,
    /// Per group: the PoP last answered and its great-circle distance
    /// from the group [km] (`usize::MAX`: none yet). The steering figures
    /// add that distance per measured request; a group is answered by the
    /// same PoP request after request, so this saves the haversine's
    /// trigonometry (~110 instructions) per request. The value is the same
    /// `distance_km` result, so the sums are bit-identical.
    last_km: Vec<(usize, f64)>,
}

impl Steerer {
    pub fn new(
        p: Params,
        groups: Vec<GroupView>,
        resolvers: Vec<ResolverView>,
        noise: Noise,
    ) -> Steerer {
        let auth = Authoritative::new(p.policy.clone());
        // Only `explicit` reads the PoPs in RTT order.
        let order = if p.policy.mode == Steering::Explicit {
            groups
                .iter()
                .map(|g| {
                    let mut v: Vec<usize> = (0..g.unicast.len()).collect();
                    v.sort_by_key(|&i| (g.unicast[i], i));
                    v
                })
                .collect()
        } else {
            Vec::new()
        };
        // Per resolver (beacons pick among the PoPs nearest the resolver).
        let near_resolver = resolvers.iter().map(|r| auth.by_distance(r.loc)).collect();
        let n = p.policy.pops.len();
        Steerer {
            fixed: false,
            mode: p.policy.mode,
            last_km: vec![(usize::MAX, 0.0); groups.len()],
            caches: vec![Cache::default(); resolvers.len()],
            stats: Stats {
                per_group: vec![GroupStats::default(); groups.len()],
                per_pop_second: vec![Vec::new(); n],
                ..Stats::default()
            },
            p,
            groups,
            resolvers,
            auth,
            order,
            near_resolver,
            noise,
        }
    }

    /// A steerer that always answers a fixed PoP and RTT per group, with no
    /// DNS (the static plans of `nearest` and `anycast` without `[dns]`).
    pub fn fixed(routes: &[(usize, SimDuration)], pops: Vec<LatLon>, noise: Noise) -> Steerer {
        let n = pops.len();
        let groups = routes
            .iter()
            .map(|&(pop, rtt)| GroupView {
                loc: pops[pop],
                subnet: 0,
                resolver: 0,
                to_resolver: SimDuration::ZERO,
                anycast: Some((pop, rtt)),
                // Never read: a fixed steerer answers anycast only, and
                // `best` is its one PoP (8 B x PoPs per group saved).
                unicast: Vec::new(),
                nearest: (pop, rtt),
                ecs_loc: pops[pop],
            })
            .collect();
        let resolver = ResolverView {
            name: String::new(),
            public: false,
            loc: pops[0],
            ecs: 0,
            to_auth: SimDuration::ZERO,
        };
        let p = Params {
            policy: Policy {
                mode: Steering::Anycast,
                pops,
                ttl: SimDuration::from_secs(100 * 365 * 86_400),
                window: SimDuration::from_secs(1),
                min_samples: 1,
                capacity: vec![f64::INFINITY; n],
                threshold: 1.0,
            },
            dns: false,
            beacon_share: 0.0,
            explicit_candidates: 1,
            warmup: SimTime::MAX,
        };
        Steerer {
            fixed: true,
            ..Steerer::new(p, groups, vec![resolver], noise)
        }
    }

    /// Each group's PoP when the steering is a fixed function of the
    /// group that reads and writes no state another group's requests see
    /// (apart from the per-group and per-PoP figures): `nearest` (the
    /// geographic oracle, with or without `[dns]`: it never asks a
    /// resolver) and the fixed steerer of `anycast` without `[dns]`
    /// ([`Steerer::fixed`]: its one resolver always answers anycast, no
    /// DNS time, no figures). Every other mode shares state across groups
    /// (resolver caches, the latency map's measurements, load, content),
    /// so `None`.
    pub fn static_pops(&self) -> Option<Vec<usize>> {
        match self.mode {
            Steering::Nearest => Some(self.groups.iter().map(|g| g.nearest.0).collect()),
            Steering::Anycast if self.fixed && !self.p.dns && self.p.beacon_share == 0.0 => {
                self.groups.iter().map(|g| g.anycast.map(|a| a.0)).collect()
            }
            _ => None,
        }
    }

    /// A copy of this steerer, state and figures included, whose beacon
    /// noise draws from `rng` instead (a shard's steerer, `sim::shard`).
    pub fn fork(&self, rng: StreamRng) -> Steerer {
        Steerer {
            fixed: self.fixed,
            mode: self.mode,
            p: self.p.clone(),
            groups: self.groups.clone(),
            resolvers: self.resolvers.clone(),
            caches: self.caches.clone(),
            auth: self.auth.clone(),
            order: self.order.clone(),
            near_resolver: self.near_resolver.clone(),
            noise: Noise {
                rng,
                access: self.noise.access,
                jitter: self.noise.jitter,
            },
            stats: self.stats.clone(),
            last_km: self.last_km.clone(),
        }
    }

    /// Takes the figures of another copy of this steerer that steered a
    /// disjoint part of the run (a shard, `sim::shard`): per group and
    /// per PoP from `other` where `theirs_group` / `theirs_pop` hold,
    /// counters added.
    pub fn absorb_stats(
        &mut self,
        other: &mut Steerer,
        theirs_group: &dyn Fn(usize) -> bool,
        theirs_pop: &dyn Fn(usize) -> bool,
    ) {
        let (a, b) = (&mut self.stats, &mut other.stats);
        for (g, s) in a.per_group.iter_mut().enumerate() {
            if theirs_group(g) {
                *s = std::mem::take(&mut b.per_group[g]);
            }
        }
        for (p, s) in a.per_pop_second.iter_mut().enumerate() {
            if theirs_pop(p) {
                *s = std::mem::take(&mut b.per_pop_second[p]);
            }
        }
        a.authoritative_queries += b.authoritative_queries;
        a.beacons += b.beacons;
    }

    pub fn groups(&self) -> &[GroupView] {
        &self.groups
    }
    pub fn resolvers(&self) -> &[ResolverView] {
        &self.resolvers
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    pub fn authoritative(&mut self) -> &mut Authoritative {
        &mut self.auth
    }

    /// DNS failover by health checks: PoP `p` failed during each
    /// `[from, to)` of `down[p]`; the authoritative (and `explicit`'s
    /// control plane) stops answering with it `delay` after it fails and
    /// resumes `delay` after it recovers. Cached answers are untouched:
    /// resolvers keep them until their TTL ends.
    pub fn set_health_checks(&mut self, down: &[Vec<(SimTime, SimTime)>], delay: SimDuration) {
        let shift = |t: SimTime| SimTime::from_nanos(t.as_nanos().saturating_add(delay.as_nanos()));
        self.auth.set_out_of_service(
            down.iter()
                .map(|v| v.iter().map(|&(a, b)| (shift(a), shift(b))).collect())
                .collect(),
        );
    }

    /// The authoritative's mapping key of a group: its resolver and, with
    /// ECS, its subnet at the resolver's prefix length.
    pub fn key(&self, g: usize) -> (u64, u32) {
        let gv = &self.groups[g];
        let scope = ecs_scope(gv.subnet, self.resolvers[gv.resolver].ecs);
        (((gv.resolver as u64) << 32) | u64::from(scope), scope)
    }

    fn place(&self, g: usize, t: Target) -> (usize, SimDuration) {
        let gv = &self.groups[g];
        match t {
            Target::Anycast => gv.anycast.unwrap_or_else(|| gv.best()),
            Target::Pop(p) => (p as usize, gv.unicast[p as usize]),
        }
    }

    /// Steers one request of group `g` for cache key `object` at `now`;
    /// `holds(pop, object)` asks a PoP's edge whether it holds the object
    /// without changing it (used by `explicit` only).
    pub fn choose(
        &mut self,
        now: SimTime,
        g: usize,
        object: u64,
        holds: &dyn Fn(usize, u64) -> bool,
    ) -> Choice {
        let gv = &self.groups[g];
        let (pop, rtt, dns, target) = match self.mode {
            Steering::Nearest => (
                gv.nearest.0,
                gv.nearest.1,
                SimDuration::ZERO,
                Target::Anycast,
            ),
            Steering::Explicit => {
                let o = &self.order[g];
                let auth = &self.auth;
                let first = o
                    .iter()
                    .copied()
                    .find(|&p| auth.in_service(p, now))
                    .unwrap_or(o[0]);
                let pick = o
                    .iter()
                    .copied()
                    .filter(|&p| auth.in_service(p, now))
                    .take(self.p.explicit_candidates.max(1))
                    .find(|&p| holds(p, object))
                    .unwrap_or(first);
                (
                    pick,
                    gv.unicast[pick],
                    SimDuration::ZERO,
                    Target::Pop(pick as u32),
                )
            }
            _ => {
                let (target, dns, asked) = self.resolve(now, g);
                if asked && now >= self.p.warmup {
                    self.stats.authoritative_queries += 1;
                }
                let (pop, rtt) = self.place(g, target);
                (pop, rtt, dns, target)
            }
        };
        if matches!(self.mode, Steering::LatencyMap | Steering::Hybrid)
            && self.p.beacon_share > 0.0
            && self.noise.rng.random_bool(self.p.beacon_share.min(1.0))
        {
            self.beacon(now, g);
        }
        if now >= self.p.warmup {
            let best = self.groups[g].best();
            let s = &mut self.stats.per_group[g];
            s.requests += 1;
            s.at_best += u64::from(pop == best.0);
            s.minus_best_ns += rtt.as_nanos() as i128 - best.1.as_nanos() as i128;
            s.rtt_ns += u128::from(rtt.as_nanos());
            let memo = &mut self.last_km[g];
            if memo.0 != pop {
                *memo = (pop, self.groups[g].loc.distance_km(self.p.policy.pops[pop]));
            }
            s.km += memo.1;
            if s.per_pop.len() <= pop {
                s.per_pop.resize(self.p.policy.pops.len(), 0);
            }
            s.per_pop[pop] += 1;
            if dns > SimDuration::ZERO {
                s.dns_misses += 1;
                s.dns_ns += u128::from(dns.as_nanos());
            }
            let sec = (now.as_nanos() / 1_000_000_000) as usize;
            let v = &mut self.stats.per_pop_second[pop];
            if v.len() <= sec {
                v.resize(sec + 1, 0);
            }
            v[sec] += 1;
        }
        Choice {
            pop,
            rtt,
            dns,
            target,
            group: g as u32,
        }
    }

    /// Where an attack bot of group `g` sends a request at `now`, and the
    /// DNS wait before it leaves: the same mapping as the group's clients
    /// (`nearest`: the nearest PoP; `explicit`: the lowest-RTT PoP, bots
    /// do not pick by content; otherwise the group's resolver, whose cache
    /// the bots share with the clients, and on a miss the authoritative).
    /// The authoritative's demand counts include bots (a load-aware
    /// mapping sees the attack as load); the steering figures do not, and
    /// no beacon or measurement is taken.
    pub fn bot_target(&mut self, now: SimTime, g: usize) -> (usize, SimDuration, SimDuration) {
        let gv = &self.groups[g];
        match self.mode {
            Steering::Nearest => (gv.nearest.0, gv.nearest.1, SimDuration::ZERO),
            Steering::Explicit => {
                let o = &self.order[g];
                let p = o
                    .iter()
                    .copied()
                    .find(|&p| self.auth.in_service(p, now))
                    .unwrap_or(o[0]);
                (p, gv.unicast[p], SimDuration::ZERO)
            }
            _ => {
                let (target, dns, _) = self.resolve(now, g);
                let (pop, rtt) = self.place(g, target);
                (pop, rtt, dns)
            }
        }
    }

    /// Group `g`'s DNS resolution at `now`: its resolver's cached answer,
    /// else the authoritative's (stored for the TTL). Returns the target,
    /// the wait (zero on a hit, or when DNS time is not modelled) and
    /// whether the authoritative was asked; counts the query's demand.
    fn resolve(&mut self, now: SimTime, g: usize) -> (Target, SimDuration, bool) {
        let gv = &self.groups[g];
        let (key, mut scope) = self.key(g);
        // An anycast answer is the same for every subnet: the
        // authoritative returns ECS scope /0 (RFC 7871 section 7.2.1), so
        // the resolver caches one answer for all.
        if self.mode == Steering::Anycast {
            scope = super::NO_SCOPE;
        }
        let r = gv.resolver;
        let (target, dns, asked) = match self.caches[r].lookup(now, scope) {
            Some(t) => (t, SimDuration::ZERO, false),
            None => {
                let rv = &self.resolvers[r];
                let loc = if rv.ecs > 0 { gv.ecs_loc } else { rv.loc };
                let wait = gv.to_resolver + rv.to_auth;
                let t = self.auth.answer(now, key, loc);
                self.caches[r].store(now, scope, t, self.p.policy.ttl);
                (t, wait, true)
            }
        };
        self.auth.count(now, key);
        let dns = if self.p.dns { dns } else { SimDuration::ZERO };
        (target, dns, asked)
    }

    /// The request's measured client-PoP RTT (path, access, jitter), as
    /// the CDN logs it: a measurement for latency-map and hybrid.
    pub fn observe(&mut self, now: SimTime, c: &Choice, rtt: SimDuration) {
        let (key, _) = self.key(c.group as usize);
        self.auth.measure(now, key, c.target, rtt);
    }

    /// A measurement beacon (IMC 2015 section 6): the client fetches from
    /// the anycast address, the PoP nearest its resolver and two random
    /// PoPs among the ten nearest its resolver.
    fn beacon(&mut self, now: SimTime, g: usize) {
        let (key, _) = self.key(g);
        let near = &self.near_resolver[self.groups[g].resolver];
        let ten = near.len().min(10);
        let mut targets = vec![Target::Anycast, Target::Pop(near[0] as u32)];
        for _ in 0..2 {
            let i = self.noise.rng.random_range(0..ten);
            targets.push(Target::Pop(near[i] as u32));
        }
        for t in targets {
            let (_, path) = self.place(g, t);
            let rtt = self.noise.sample(path);
            self.auth.measure(now, key, t, rtt);
        }
        if now >= self.p.warmup {
            self.stats.beacons += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    /// The steering figures' distance sum memoises each group's last
    /// PoP distance: with the answered PoP changing between requests the
    /// sum is still exactly the per-request `distance_km` sum.
    #[test]
    fn km_sum_is_exact_when_the_pop_changes() {
        let pops = vec![
            LatLon {
                lat: 51.5,
                lon: -0.1,
            },
            LatLon {
                lat: 48.9,
                lon: 2.4,
            },
            LatLon {
                lat: 40.7,
                lon: -74.0,
            },
        ];
        let loc = LatLon {
            lat: 52.5,
            lon: 13.4,
        };
        let ms = SimDuration::from_millis;
        let group = GroupView {
            loc,
            subnet: 0,
            resolver: 0,
            to_resolver: SimDuration::ZERO,
            anycast: Some((0, ms(10))),
            unicast: vec![ms(10), ms(20), ms(80)],
            nearest: (0, ms(10)),
            ecs_loc: loc,
        };
        let resolver = ResolverView {
            name: String::new(),
            public: false,
            loc,
            ecs: 0,
            to_auth: SimDuration::ZERO,
        };
        let p = Params {
            policy: Policy {
                mode: Steering::Explicit,
                pops: pops.clone(),
                ttl: SimDuration::from_secs(60),
                window: SimDuration::from_secs(1),
                min_samples: 1,
                capacity: vec![f64::INFINITY; 3],
                threshold: 1.0,
            },
            dns: false,
            beacon_share: 0.0,
            explicit_candidates: 3,
            warmup: SimTime::ZERO,
        };
        let noise = Noise {
            rng: Streams::new(1).stream("test/steer"),
            access: None,
            jitter: None,
        };
        let mut st = Steerer::new(p, vec![group], vec![resolver], noise);
        // Request i finds object i at PoP i % 3 only (or i % 5 == 4: none,
        // so the first in service): the answered PoP changes.
        let (mut want, mut seen) = (0.0f64, Vec::new());
        for i in 0..40u64 {
            let t = SimTime::ZERO + SimDuration::from_secs(i);
            let c = st.choose(t, 0, i, &|p, k| k % 5 != 4 && p as u64 == k % 3);
            want += loc.distance_km(pops[c.pop]);
            seen.push(c.pop);
        }
        assert!(seen.windows(2).filter(|w| w[0] != w[1]).count() > 20);
        assert_eq!(st.stats().per_group[0].km.to_bits(), want.to_bits());
        assert_eq!(st.stats().per_group[0].requests, 40);
    }
}
