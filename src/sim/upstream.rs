//! Capacity beyond the PoP, and the attack bots' path.
//!
//! Upper tiers (`cdn.tiers.limits`, `cdn.tiers.upper[].limits`) and origin
//! sites (`origin.limits`, `origin.sites[].limits`) have the same queues
//! as a PoP ([`crate::capacity::PopCapacity`]: `servers` workers sharing
//! `requests` per second, a one-server egress link, a waiting room of
//! `queue` requests per queue). Hooks, called where a request reaches a
//! site:
//!
//! - [`RequestModel::tier_arrival`] (event `AtTier`): a fetch reaching an
//!   upper tier waits in its queues, then is looked up (`TierServed`), or
//!   is refused when a queue is full: the sender gets an error response,
//!   from which a stored stale copy may still answer (stale-if-error,
//!   RFC 5861 §4, through the freshness code of `fetch`) or the client
//!   sees an error (`errors`);
//! - [`RequestModel::origin_arrival`] (event `AtOrigin`, only for limited
//!   origin sites: an unlimited origin is answered as before, without the
//!   extra event): the wait delays the origin's answer, a full queue
//!   answers with an error (counted as an origin error, like an outage).
//!
//! Misses, revalidations and uncacheable requests all queue there. The
//! egress queue is offered the object's size when the fetch arrives (a
//! 304 is charged as a full body: the size is not known before the
//! lookup).
//!
//! Attack bots ([`super::attack`]) follow the steering of their group's
//! clients ([`RequestModel::attack_route`]); a `kind = "dynamic"` attack
//! request the PoP admits is forwarded up the hierarchy like an
//! uncacheable miss (the parent for its key, then the origin site), loading
//! each site's queues (event `AttackUp`), over the hierarchy's RTTs without
//! jitter; a site that refuses it stops it there.

use super::tiers::Parent;
use super::{Event, RequestModel};
use crate::capacity::{PopCapacity, Refused};
use crate::scenario::RunConfig;
use crate::scenario::raw::Steering;
use crate::time::{SimDuration, SimTime};
use crate::world::dynamic::Fate;

/// What a site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    Tier,
    Origin,
}

impl SiteKind {
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Tier => "tier",
            SiteKind::Origin => "origin",
        }
    }
}

/// One interval of a site's load (warmup included), by arrival at the site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteBucket {
    /// Legitimate fetches offered and refused.
    pub offered: u64,
    pub dropped: u64,
    pub attack_offered: u64,
    pub attack_dropped: u64,
}

/// One upper tier or origin site: its queues and their use.
#[derive(Clone, Debug)]
pub struct Site {
    pub name: String,
    pub kind: SiteKind,
    pub cap: PopCapacity,
    pub load: Vec<SiteBucket>,
    /// Measured legitimate fetches offered, refused, and bytes refused.
    pub offered: u64,
    pub dropped: u64,
    pub dropped_bytes: u64,
    /// Measured attack requests offered and refused.
    pub attack_offered: u64,
    pub attack_dropped: u64,
}

/// The upper tiers in use (node order) then the origin sites.
#[derive(Clone, Debug, Default)]
pub struct Upstream {
    pub sites: Vec<Site>,
    /// Number of tier sites (the first ones).
    pub tiers: usize,
    interval: SimDuration,
}

impl Upstream {
    pub fn new(cfg: &RunConfig, hier: &super::tiers::Hierarchy) -> Upstream {
        let buckets = cfg.duration.as_nanos().div_ceil(cfg.interval.as_nanos()) as usize;
        let site = |name: &str, kind, cap| Site {
            name: name.to_string(),
            kind,
            cap: PopCapacity::new(cap, cfg.interval, cfg.duration),
            load: vec![SiteBucket::default(); buckets.max(1)],
            offered: 0,
            dropped: 0,
            dropped_bytes: 0,
            attack_offered: 0,
            attack_dropped: 0,
        };
        let unlimited = crate::capacity::SiteCapacity {
            requests_per_s: None,
            servers: crate::capacity::DEFAULT_SERVERS,
            egress_bps: None,
            room: crate::capacity::DEFAULT_QUEUE_ROOM,
        };
        let mut sites = Vec::new();
        for n in &hier.nodes[hier.edges..] {
            // By name: the tier's limits whatever the node numbering.
            let cap = cfg
                .tiers
                .upper
                .iter()
                .chain(cfg.tiers.levels.iter().flat_map(|l| &l.sites))
                .position(|u| u.name == n.name)
                .and_then(|i| cfg.tier_capacity.get(i).copied())
                .unwrap_or(unlimited);
            sites.push(site(&n.name, SiteKind::Tier, cap));
        }
        let tiers = sites.len();
        for (i, o) in cfg.tiers.origins.iter().enumerate() {
            let cap = cfg.origin_capacity.get(i).copied().unwrap_or(unlimited);
            sites.push(site(&o.name, SiteKind::Origin, cap));
        }
        Upstream {
            sites,
            tiers,
            interval: cfg.interval,
        }
    }

    /// The site index of upper-tier node `node` (`edges` = first upper).
    pub fn tier_site(&self, node: u32, edges: usize) -> usize {
        node as usize - edges
    }

    pub fn origin_site(&self, o: usize) -> usize {
        self.tiers + o
    }

    /// Whether site `i` has a finite capacity.
    pub fn limited(&self, i: usize) -> bool {
        self.sites[i].cap.limited()
    }

    /// Whether any tier or origin site has a finite capacity.
    pub fn any_limited(&self) -> bool {
        self.sites.iter().any(|s| s.cap.limited())
    }

    /// Offers a request of `bytes` to site `i` at `now`.
    pub fn admit(
        &mut self,
        i: usize,
        now: SimTime,
        bytes: u64,
        measured: bool,
        attack: bool,
    ) -> Result<SimDuration, Refused> {
        let step = self.interval.as_nanos().max(1);
        let s = &mut self.sites[i];
        let r = if s.cap.limited() {
            s.cap.admit(now, bytes)
        } else {
            Ok(SimDuration::ZERO)
        };
        let k = ((now.as_nanos() / step) as usize).min(s.load.len() - 1);
        let b = &mut s.load[k];
        let drop = u64::from(r.is_err());
        if attack {
            b.attack_offered += 1;
            b.attack_dropped += drop;
            if measured {
                s.attack_offered += 1;
                s.attack_dropped += drop;
            }
        } else {
            b.offered += 1;
            b.dropped += drop;
            if measured {
                s.offered += 1;
                s.dropped += drop;
                s.dropped_bytes += bytes * drop;
            }
        }
        r
    }

    /// Measured legitimate fetches refused at the upper tiers, and their
    /// bytes.
    pub fn tier_dropped(&self) -> (u64, u64) {
        self.sites[..self.tiers]
            .iter()
            .fold((0, 0), |(n, b), s| (n + s.dropped, b + s.dropped_bytes))
    }

    /// Measured legitimate fetches refused at the origin sites.
    pub fn origin_dropped(&self) -> u64 {
        self.sites[self.tiers..].iter().map(|s| s.dropped).sum()
    }
}

impl RequestModel<'_> {
    /// A child's fetch reaches upper tier `node`: its queues, then the
    /// lookup (`at_tier`), or a refusal.
    pub(super) fn tier_arrival(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        node: u32,
        fetch: u32,
    ) {
        let now = s.now();
        let site = self.upstream.tier_site(node, self.hier.edges);
        let (size, measured, _) = self.fetch_load(fetch);
        match self.upstream.admit(site, now, size, measured, false) {
            Ok(w) if w == SimDuration::ZERO => self.at_tier(s, node, fetch),
            Ok(w) => {
                s.schedule_in(w, Event::TierServed { node, fetch });
            }
            Err(_) => self.refuse(s, fetch),
        }
    }

    /// A fetch reaches limited origin site `o`: its queues, then the
    /// answer (`origin_answer`), or an error when a queue is full.
    pub(super) fn origin_arrival(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        o: usize,
        fetch: u32,
    ) {
        let now = s.now();
        let back = self.fetch_back(fetch);
        let processing = self.cfg.origin.processing;
        if self.cfg.tiers.origin_down(o, now) {
            // An outage answers with an error; nothing queues.
            self.origin_answer(s, fetch, o, now, processing + back, false);
            return;
        }
        let (size, measured, _) = self.fetch_load(fetch);
        let site = self.upstream.origin_site(o);
        match self.upstream.admit(site, now, size, measured, false) {
            Ok(w) => self.origin_answer(s, fetch, o, now + w, w + processing + back, false),
            // A 503 from the front end: no processing time.
            Err(_) => self.origin_answer(s, fetch, o, now, back, true),
        }
    }

    /// Where source `source` of attack `attack` sends a request issued at
    /// `now`: (PoP, one-way delay), or `None` when routing events lose it
    /// (blackhole, loop, failed PoP).
    pub(super) fn attack_route(
        &mut self,
        attack: usize,
        source: u32,
        now: SimTime,
    ) -> Option<(usize, SimDuration)> {
        let a = &self.attacks[attack];
        let g = a.group(source);
        let (pop, delay) = if !a.service {
            a.land(source)
        } else if self.cfg.steering == Steering::Anycast {
            match &self.routing {
                Some(rt) => match rt.fate_at(g, now) {
                    Fate::Pop(p) => (p, SimDuration::from_nanos(rt.rtt(g, p).as_nanos() / 2)),
                    _ => return None,
                },
                None => a.land(source),
            }
        } else {
            let (p, rtt, dns) = self.steer.bot_target(now, g);
            (p, dns + SimDuration::from_nanos(rtt.as_nanos() / 2))
        };
        if self.routing.as_ref().is_some_and(|rt| rt.is_down(pop, now)) {
            return None;
        }
        Some((pop, delay))
    }

    /// An attack request issued now (event `Attack`): the next one is
    /// scheduled, this one sent where its group's steering points.
    pub(super) fn attack_issue(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        attack: u16,
        source: u32,
    ) {
        let now = s.now();
        if let Some((t, src)) = self.attacks[attack as usize].next_request() {
            s.schedule_at(
                t,
                Event::Attack {
                    attack,
                    source: src,
                },
            );
        }
        match self.attack_route(attack as usize, source, now) {
            Some((pop, delay)) => {
                let pop = pop as u32;
                let issued = now;
                s.schedule_in(
                    delay,
                    Event::AttackAtEdge {
                        attack,
                        pop,
                        issued,
                    },
                );
            }
            None => {
                let measured = now >= SimTime::ZERO + self.cfg.warmup;
                self.client.m.attack_lost += u64::from(measured);
            }
        }
    }

    /// An attack request reaches `pop`: the PoP's queues; a dynamic one
    /// the PoP admits goes on to its parent.
    pub(super) fn attack_at_edge(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        attack: u16,
        pop: u32,
        issued: SimTime,
    ) {
        let now = s.now();
        if self
            .routing
            .as_ref()
            .is_some_and(|rt| rt.is_down(pop as usize, now))
        {
            let measured = issued >= SimTime::ZERO + self.cfg.warmup;
            self.client.m.attack_lost += u64::from(measured);
            return;
        }
        let a = &self.attacks[attack as usize];
        let (size, to_origin) = (a.size, a.to_origin);
        let ok = self
            .client
            .admit_attack(pop as usize, now, issued, size, to_origin);
        if ok && to_origin {
            let key = self.attacks[attack as usize].next_key();
            self.attack_forward(s, attack, pop, key, issued, SimDuration::ZERO);
        }
    }

    /// Sends a dynamic attack request from `node` to its parent for `key`
    /// once it has waited `wait` in the node's queue.
    fn attack_forward(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        attack: u16,
        node: u32,
        key: u64,
        issued: SimTime,
        wait: SimDuration,
    ) {
        let to = self.hier.parent(node, key);
        let n = &self.hier.nodes[node as usize];
        let leg = SimDuration::from_nanos(self.hier.rtt(node, to).as_nanos() / 2);
        s.schedule_in(
            wait + n.processing + leg,
            Event::AttackUp {
                attack,
                to,
                key,
                issued,
            },
        );
    }

    /// A dynamic attack request reaches an upper tier or an origin site.
    pub(super) fn attack_up(
        &mut self,
        s: &mut crate::engine::Scheduler<Event>,
        attack: u16,
        to: Parent,
        key: u64,
        issued: SimTime,
    ) {
        let now = s.now();
        let measured = issued >= SimTime::ZERO + self.cfg.warmup;
        let size = self.attacks[attack as usize].size;
        match to {
            Parent::Node(node) => {
                let site = self.upstream.tier_site(node, self.hier.edges);
                if let Ok(w) = self.upstream.admit(site, now, size, measured, true) {
                    self.attack_forward(s, attack, node, key, issued, w);
                }
            }
            Parent::Origin(o) => {
                if !self.cfg.tiers.origin_down(o, now) {
                    let site = self.upstream.origin_site(o);
                    let _ = self.upstream.admit(site, now, size, measured, true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::SiteCapacity;

    fn upstream(cap: SiteCapacity) -> Upstream {
        let interval = SimDuration::from_secs(1);
        let horizon = SimDuration::from_secs(10);
        let site = |kind| Site {
            name: "s".into(),
            kind,
            cap: PopCapacity::new(cap, interval, horizon),
            load: vec![SiteBucket::default(); 10],
            offered: 0,
            dropped: 0,
            dropped_bytes: 0,
            attack_offered: 0,
            attack_dropped: 0,
        };
        Upstream {
            sites: vec![site(SiteKind::Tier), site(SiteKind::Origin)],
            tiers: 1,
            interval,
        }
    }

    /// One server at 10/s (100 ms each), no waiting room: of three
    /// requests 10 ms apart the first is served, the next two find the
    /// server busy and are refused; counted per bucket and, measured, in
    /// the totals (legitimate and attack apart).
    #[test]
    fn a_full_site_refuses_and_counts() {
        let mut u = upstream(SiteCapacity {
            requests_per_s: Some(10.0),
            servers: 1,
            egress_bps: None,
            room: 0,
        });
        let t = |ms| SimTime::ZERO + SimDuration::from_millis(ms);
        assert_eq!(u.admit(0, t(1000), 500, true, false), Ok(SimDuration::ZERO));
        assert_eq!(
            u.admit(0, t(1010), 700, true, false),
            Err(Refused::Requests)
        );
        assert_eq!(
            u.admit(0, t(1020), 100, false, true),
            Err(Refused::Requests)
        );
        let s = &u.sites[0];
        assert_eq!((s.offered, s.dropped, s.dropped_bytes), (2, 1, 700));
        assert_eq!((s.attack_offered, s.attack_dropped), (0, 0), "unmeasured");
        assert_eq!(
            s.load[1],
            SiteBucket {
                offered: 2,
                dropped: 1,
                attack_offered: 1,
                attack_dropped: 1
            }
        );
        assert_eq!(u.tier_dropped(), (1, 700));
        assert_eq!(u.origin_dropped(), 0);
        // After the first request's service the server is free again.
        assert_eq!(u.admit(0, t(1100), 1, true, false), Ok(SimDuration::ZERO));
    }

    /// With a waiting room, a request arriving while the server is busy
    /// waits for the rest of the service.
    #[test]
    fn a_busy_site_delays() {
        let mut u = upstream(SiteCapacity {
            requests_per_s: Some(10.0),
            servers: 1,
            egress_bps: None,
            room: 5,
        });
        let t = |ms| SimTime::ZERO + SimDuration::from_millis(ms);
        assert_eq!(u.admit(1, t(0), 1, true, false), Ok(SimDuration::ZERO));
        assert_eq!(
            u.admit(1, t(30), 1, true, false),
            Ok(SimDuration::from_millis(70))
        );
        assert!(u.any_limited() && u.limited(0));
    }
}
