//! Attack populations: Poisson request streams from bots in client
//! groups' cities and access ASes, aimed at the service address (what
//! steering gives each group: the anycast address under anycast) or at one
//! PoP's unicast address. Bots' requests load the PoPs' queues like any
//! other; their own latency is not measured.
//!
//! Bots follow the same steering as their group's clients, decided when
//! each request is issued (`RequestModel::attack_route` in sim/upstream.rs):
//! under anycast the routing-event timeline (the group's fate at `now`,
//! failed PoPs), else the static catchment; under a DNS mode the group's
//! resolver and the authoritative ([`crate::dns::Steerer::bot_target`]).
//! A unicast target is the PoP's own address: it does not move, and is
//! lost while that PoP is failed.

use super::GroupRoute;
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::scenario::transport::{AttackConfig, AttackKind, AttackTarget};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp};

/// One attack's arrivals and where each source's requests land.
pub struct AttackStream {
    rng: StreamRng,
    gaps: Exp<f64>,
    next: SimTime,
    end: SimTime,
    /// Cumulative shares of the sources.
    cum: Vec<f64>,
    /// Per source: (PoP, one-way delay to it) of the static plan or the
    /// unicast target.
    lands: Vec<(usize, SimDuration)>,
    /// Per source: its client group.
    groups: Vec<usize>,
    pub size: u64,
    pub to_origin: bool,
    /// Aimed at the service address (else at one PoP's unicast address).
    pub service: bool,
    /// Requests issued so far (the cache keys of dynamic requests).
    seq: u64,
    salt: u64,
}

impl AttackStream {
    pub fn new(
        a: &AttackConfig,
        cfg: &RunConfig,
        routes: &[GroupRoute],
        streams: &Streams,
    ) -> Self {
        let mut acc = 0.0;
        let cum = a
            .sources
            .iter()
            .map(|(_, w)| {
                acc += w;
                acc
            })
            .collect();
        let lands = a
            .sources
            .iter()
            .map(|&(g, _)| {
                let (pop, rtt) = match a.target {
                    AttackTarget::Service => (routes[g].pop, routes[g].rtt),
                    AttackTarget::Pop(p) => {
                        let here = cfg.cities.get(cfg.groups[g].city).loc;
                        (
                            p,
                            cfg.latency
                                .rtt_direct(here, cfg.cities.get(cfg.pops[p].city).loc),
                        )
                    }
                };
                (pop, SimDuration::from_nanos(rtt.as_nanos() / 2))
            })
            .collect();
        let mut s = AttackStream {
            rng: streams.stream(&format!("attack/{}", a.name)),
            gaps: Exp::new(a.rate).expect("validated: positive rate"),
            next: SimTime::ZERO + a.start,
            end: SimTime::ZERO + a.end,
            cum,
            lands,
            groups: a.sources.iter().map(|&(g, _)| g).collect(),
            size: a.size,
            to_origin: a.kind == AttackKind::Dynamic,
            service: a.target == AttackTarget::Service,
            seq: 0,
            salt: crate::sim::tiers::fnv1a64(&a.name),
        };
        s.advance();
        s
    }

    fn advance(&mut self) {
        let gap = SimDuration::from_secs_f64(self.gaps.sample(&mut self.rng));
        self.next += gap.max(SimDuration::from_nanos(1));
    }

    /// The next attack request: (issue time, source index).
    pub fn next_request(&mut self) -> Option<(SimTime, u32)> {
        if self.next >= self.end {
            return None;
        }
        let t = self.next;
        self.advance();
        let u: f64 = self.rng.random::<f64>() * self.cum.last().copied().unwrap_or(1.0);
        let i = self
            .cum
            .iter()
            .position(|c| u < *c)
            .unwrap_or(self.cum.len() - 1);
        Some((t, i as u32))
    }

    /// Source `i`'s client group.
    pub fn group(&self, i: u32) -> usize {
        self.groups[i as usize]
    }

    /// Source `i`'s PoP and one-way delay under the static plan (or its
    /// unicast target).
    pub fn land(&self, i: u32) -> (usize, SimDuration) {
        self.lands[i as usize]
    }

    /// The cache key of the next dynamic request (a distinct URL each:
    /// query strings that defeat caching and coalescing).
    pub fn next_key(&mut self) -> u64 {
        self.seq += 1;
        crate::rng::splitmix64(&mut (self.seq ^ self.salt.rotate_left(17)))
    }
}
