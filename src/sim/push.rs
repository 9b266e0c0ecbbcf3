//! Pre-positioning (push): fill windows in which chosen objects are placed
//! into caches ahead of demand, beside ordinary pull.
//!
//! A window `[start, end)` names `objects` consecutive popularity ranks of
//! a catalog (at `start`). Object `k` (0-based) has its slot at `start + k
//! (end - start) / objects`: at its slot it is fetched once from the
//! primary origin site (`origin.city`; counted as push traffic, apart from
//! pull) and then written into every target cache one way later (half the
//! target's RTT to that origin site). A placed copy is fresh from its
//! placement (age 0) with the object's version then. Objects whose headers
//! forbid storing are skipped. Pull goes on as usual; a push into a cache
//! that already holds the object leaves it as it is.

use super::tiers::Tier;
use super::{Event, RequestModel};
use crate::engine::Scheduler;
use crate::http::freshness::Stored;
use crate::scenario::tiers::PushTargets;
use crate::time::{SimDuration, SimTime};
use crate::workload::BUST_PARAM;

impl RequestModel<'_> {
    /// Schedules the first slot of every window (each slot schedules the
    /// next, so a window of N objects holds one event at a time).
    pub(super) fn schedule_push(&self, s: &mut Scheduler<Event>) {
        for (w, p) in self.cfg.tiers.push.iter().enumerate() {
            s.schedule_at(
                p.start,
                Event::PushSlot {
                    window: w as u32,
                    k: 0,
                },
            );
        }
    }

    fn slot_time(&self, w: usize, k: u64) -> SimTime {
        let p = &self.cfg.tiers.push[w];
        let span = (p.end - p.start).as_nanos() as u128;
        p.start + SimDuration::from_nanos((span * k as u128 / p.objects as u128) as u64)
    }

    /// (object id, cache key, wire size, catalog, profile) of slot `k`.
    fn slot_object(&self, w: usize, k: u64) -> (u64, u64, u64, u32, u16) {
        let p = &self.cfg.tiers.push[w];
        let c = &self.workload.catalogs[p.catalog];
        let id = c.base_id + c.index_at_rank(p.first_rank + k, p.start);
        let key = self.keys.object_key(id, None, BUST_PARAM, 0).0;
        (
            id,
            key,
            c.wire_size_of(id),
            p.catalog as u32,
            c.profile_of(id),
        )
    }

    /// Slot `k` of window `w`: one origin fetch, then placements.
    pub(super) fn push_slot(&mut self, s: &mut Scheduler<Event>, w: u32, k: u64) {
        let p = &self.cfg.tiers.push[w as usize];
        if k + 1 < p.objects {
            let next = self.slot_time(w as usize, k + 1);
            s.schedule_at(
                next,
                Event::PushSlot {
                    window: w,
                    k: k + 1,
                },
            );
        }
        let targets = p.targets;
        let (_, _, size, catalog, profile) = self.slot_object(w as usize, k);
        if !self.policies[catalog as usize][profile as usize].storable() {
            return;
        }
        self.m.push_origin_requests += 1;
        self.m.push_origin_bytes += size;
        let origin_city = self.cfg.tiers.origins[0].city;
        let loc = |c| self.cfg.cities.get(c).loc;
        for (node, n) in self.hier.nodes.iter().enumerate() {
            let wanted = match targets {
                PushTargets::All => true,
                PushTargets::Edges => n.tier == Tier::Edge,
                PushTargets::Upper => n.tier == Tier::Upper,
            };
            if wanted {
                let rtt = self.cfg.latency.rtt_direct(loc(n.city), loc(origin_city));
                let one_way = SimDuration::from_nanos(rtt.as_nanos() / 2);
                s.schedule_in(
                    one_way,
                    Event::Place {
                        window: w,
                        k,
                        node: node as u32,
                    },
                );
            }
        }
    }

    /// The pushed object of slot `k` of window `w` is written into `node`.
    pub(super) fn place(&mut self, s: &mut Scheduler<Event>, w: u32, k: u64, node: u32) {
        let now = s.now();
        let (object, key, size, catalog, profile) = self.slot_object(w as usize, k);
        let n = node as usize;
        if self.store(n, key, size) != crate::cache::Insert::Stored {
            return;
        }
        self.m.pushed_objects += 1;
        let every = self.cfg.tiers.change_every[catalog as usize];
        let version = if self.enforced() {
            super::fetch::version_at(object, every, now)
        } else {
            0
        };
        self.metas[n].insert(
            key,
            super::fetch::Meta::new(
                Stored::new(now, now, SimDuration::ZERO, None),
                version,
                object,
                catalog,
                profile,
            ),
        );
    }
}
