//! Attack populations: Poisson request streams from bots in client
//! groups' cities and access ASes, aimed at the service address (what
//! steering gives each group: the anycast address under anycast) or at one
//! PoP's unicast address. Bots' requests load the PoPs' queues like any
//! other; their own latency is not measured.

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
    /// Per source: (PoP, one-way delay to it).
    lands: Vec<(usize, SimDuration)>,
    pub size: u64,
    pub to_origin: bool,
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
            size: a.size,
            to_origin: a.kind == AttackKind::Dynamic,
        };
        s.advance();
        s
    }

    fn advance(&mut self) {
        let gap = SimDuration::from_secs_f64(self.gaps.sample(&mut self.rng));
        self.next += gap.max(SimDuration::from_nanos(1));
    }

    /// The next attack request: (issue time, PoP, one-way delay to it).
    pub fn next_request(&mut self) -> Option<(SimTime, usize, SimDuration)> {
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
        let (pop, delay) = self.lands[i];
        Some((t, pop, delay))
    }
}
