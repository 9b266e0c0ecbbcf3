//! Where requests come from: the [`RequestSource`] seam.
//!
//! The simulator pulls requests in time order from a `RequestSource`. Two
//! kinds exist or are planned:
//!
//! - [`Synthetic`]: catalogs + arrival process, drawn from seeded streams.
//! - trace replay: the readers in `src/trace/` (CSV `time, client|region,
//!   object, size`; libCacheSim oracleGeneral) yield records; an adapter
//!   maps a record's client/region to a client group and its object key to
//!   an id, and implements this trait with `catalog = 0`, `profile = 0`
//!   and `bust = None` unless the trace says otherwise.

use super::{Arrivals, GroupClock, Workload};
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::time::SimTime;

/// One request as the simulator sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// When the client sends it.
    pub time: SimTime,
    /// Client group index (`RunConfig::groups`).
    pub group: u32,
    pub catalog: u32,
    /// Global object id.
    pub object: u64,
    /// Bytes on the wire.
    pub size: u64,
    /// Header profile index in the catalog ([`super::Catalog::profiles`]).
    pub profile: u16,
    /// Value of the cache-busting query parameter, if the request has one.
    pub bust: Option<u64>,
}

/// A time-ordered stream of requests.
pub trait RequestSource {
    /// The next request, or `None` when the source is exhausted.
    fn next_request(&mut self) -> Option<Request>;
}

/// The synthetic workload: arrivals, then a popularity draw per arrival.
#[derive(Debug)]
pub struct Synthetic {
    pub workload: Workload,
    arrivals: Arrivals,
    draws: StreamRng,
    end: SimTime,
}

impl Synthetic {
    /// From parts; requests arrive in `[0, end)`.
    pub fn new(
        workload: Workload,
        arrivals: Arrivals,
        draws: StreamRng,
        end: SimTime,
    ) -> Synthetic {
        Synthetic {
            workload,
            arrivals,
            draws,
            end,
        }
    }

    /// The scenario's workload: streams `workload/arrivals` and
    /// `workload/draws`, group longitudes from the city table.
    pub fn from_config(cfg: &RunConfig) -> Synthetic {
        let streams = Streams::new(cfg.seed);
        let groups: Vec<GroupClock> = cfg
            .groups
            .iter()
            .map(|g| GroupClock {
                share: g.share,
                lon: cfg.cities.get(g.city).loc.lon,
            })
            .collect();
        Synthetic::new(
            Workload::new(&cfg.catalogs, streams),
            Arrivals::new(
                cfg.rate,
                &groups,
                &cfg.arrivals,
                streams.stream("workload/arrivals"),
            ),
            streams.stream("workload/draws"),
            SimTime::ZERO + cfg.duration,
        )
    }
}

impl RequestSource for Synthetic {
    fn next_request(&mut self) -> Option<Request> {
        let (time, group) = self.arrivals.next(self.end)?;
        let d = self.workload.draw_at(time, &mut self.draws);
        Some(Request {
            time,
            group,
            catalog: d.catalog,
            object: d.object,
            size: d.size,
            profile: d.profile,
            bust: d.bust,
        })
    }
}
