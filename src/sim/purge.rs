//! Purges: which cached objects a purge names, when it reaches each cache,
//! and what it does there.
//!
//! **Spread.** A purge is issued at `at` and spreads by push gossip over
//! every cache node (edges and upper tiers in use): the nodes are put in a
//! random order (stream `purge/<i>/gossip`); the first is told at `at`, and
//! in every round of `cdn.purge.round` each informed node tells `fanout`
//! nodes not yet told, so after `r` rounds `(1 + fanout)^r` nodes know. The
//! node at position `j` (0-based) is reached after `r(j)` rounds, the
//! smallest `r` with `(1 + fanout)^r > j`. (An idealised gossip: no
//! duplicate messages, one round per hop whatever the distance.)
//!
//! **Effect at a node.** Objects are named by catalog and popularity rank
//! at `at` (`url`: one rank; `surrogate-key`: consecutive ranks; `prefix`:
//! the whole catalog, every object's URL being `/<catalog>/<index>`). A
//! *hard* purge removes them from the cache; a *soft* purge marks them
//! stale (age = lifetime), so the next request revalidates (or is served
//! stale under stale-while-revalidate). With `cdn.freshness =
//! "not-enforced"` a soft purge acts as a hard one. A fetch already in
//! flight when the purge arrives still stores what it brings.
//!
//! Requests that miss (or must revalidate) an object because a purge took
//! or staled it at that node count as `purge_misses`, until the node has a
//! copy again.

use super::{Event, RequestModel};
use crate::engine::Scheduler;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::tiers::{Freshness, PurgeScope};
use crate::time::{SimDuration, SimTime};
use rand::seq::SliceRandom;

/// When purge `i` reaches each node: (time, node), in node order.
pub fn arrivals(cfg: &RunConfig, nodes: usize, i: usize) -> Vec<(SimTime, u32)> {
    let p = &cfg.tiers.purges[i];
    let mut order: Vec<u32> = (0..nodes as u32).collect();
    let mut rng = Streams::new(cfg.seed).stream(&format!("purge/{i}/gossip"));
    order.shuffle(&mut rng);
    let base = u64::from(cfg.tiers.purge_fanout) + 1;
    let mut out: Vec<(SimTime, u32)> = order
        .iter()
        .enumerate()
        .map(|(j, &n)| {
            let r = rounds(j as u64, base);
            (
                p.at + SimDuration::from_nanos(cfg.tiers.purge_round.as_nanos() * r),
                n,
            )
        })
        .collect();
    out.sort_by_key(|&(_, n)| n);
    out
}

/// Gossip rounds until the node at position `j` is told, when the informed
/// set grows by a factor `base` (= 1 + fanout) per round.
pub fn rounds(j: u64, base: u64) -> u64 {
    let (mut r, mut reach) = (0u64, 1u64);
    while reach <= j {
        reach = reach.saturating_mul(base);
        r += 1;
    }
    r
}

impl RequestModel<'_> {
    /// Schedules every purge's arrival at every node. Purges issued at or
    /// after the end of arrivals (`duration`) are ignored.
    pub(super) fn schedule_purges(&self, s: &mut Scheduler<Event>) {
        for i in 0..self.cfg.tiers.purges.len() {
            if self.cfg.tiers.purges[i].at >= SimTime::ZERO + self.cfg.duration {
                continue;
            }
            for (t, node) in arrivals(self.cfg, self.hier.nodes.len(), i) {
                s.schedule_at(
                    t,
                    Event::Purge {
                        purge: i as u32,
                        node,
                    },
                );
            }
        }
    }

    /// Purge `i` reaches `node`.
    pub(super) fn purge(&mut self, s: &mut Scheduler<Event>, i: u32, node: u32) {
        let now = s.now();
        let p = &self.cfg.tiers.purges[i as usize];
        let cat = &self.source.workload.catalogs[p.catalog];
        let ids: Vec<u64> = match p.scope {
            PurgeScope::Prefix => Vec::new(),
            _ => {
                let mut v: Vec<u64> = (p.first_rank..p.first_rank + p.count)
                    .map(|r| cat.base_id + cat.index_at_rank(r, p.at))
                    .collect();
                v.sort_unstable();
                v
            }
        };
        let catalog = p.catalog as u32;
        let whole = p.scope == PurgeScope::Prefix;
        // Every stored key of a named object (cache-busting variants
        // included), sorted so the order of removal is fixed.
        let mut keys: Vec<u64> = self.metas[node as usize]
            .iter()
            .filter(|(_, m)| {
                m.catalog == catalog && (whole || ids.binary_search(&m.object).is_ok())
            })
            .map(|(&k, _)| k)
            .collect();
        keys.sort_unstable();
        let soft = p.soft && self.cfg.tiers.freshness == Freshness::Enforced;
        let n = node as usize;
        for k in keys {
            if !self.caches[n].contains(k) {
                self.metas[n].remove(&k);
                continue;
            }
            self.m.purged_objects += 1;
            self.purged.insert((node, k));
            if soft {
                let m = self.metas[n].get_mut(&k).expect("listed");
                let pol = self.policies[m.catalog as usize][m.profile as usize];
                m.stored.response_time = now;
                m.stored.initial_age = pol.lifetime;
            } else {
                self.caches[n].remove(k);
                self.metas[n].remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn gossip_rounds_grow_the_informed_set_by_one_plus_fanout() {
        // fanout 2: positions 0 | 1..=2 | 3..=8 | 9..=26 -> rounds 0,1,2,3.
        let got: Vec<u64> = [0, 1, 2, 3, 8, 9, 26, 27]
            .iter()
            .map(|&j| super::rounds(j, 3))
            .collect();
        assert_eq!(got, [0, 1, 1, 2, 2, 3, 3, 4]);
        // fanout 1 doubles: 1, 2, 4, 8 informed.
        assert_eq!(super::rounds(7, 2), 3);
        assert_eq!(super::rounds(8, 2), 4);
    }
}
