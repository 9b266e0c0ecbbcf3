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

use super::{Arrivals, GroupClock, SizeMemo, Workload};
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
    /// Wire sizes of the objects drawn so far (the same sizes, cheaper).
    sizes: SizeMemo,
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
            sizes: SizeMemo::new(&workload),
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
        let d = self
            .workload
            .draw_at_memo(time, &mut self.draws, &mut self.sizes);
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

/// Requests per batch handed from the producer thread to the simulation.
pub const PREFETCH_BATCH: usize = 4096;
/// Batches in flight between the producer and the simulation (bounds the
/// memory: `PREFETCH_BATCHES * PREFETCH_BATCH` requests of 48 bytes).
pub const PREFETCH_BATCHES: usize = 4;

/// A [`Synthetic`] source run ahead on a second thread.
///
/// The open-loop source (arrivals, catalog, object, size draws) reads no
/// simulation state, so a producer thread can draw its requests in
/// batches into a bounded channel while the simulation consumes them. The
/// producer owns the source and its streams and draws exactly the sequence
/// [`Synthetic::next_request`] gives inline, in the same order, so the
/// simulation sees the same requests whichever way they were made (tested:
/// `sim::prefetch_tests`). Batches are recycled through a second channel.
#[derive(Debug)]
pub struct Prefetched {
    rx: Option<std::sync::mpsc::Receiver<Vec<Request>>>,
    back: std::sync::mpsc::Sender<Vec<Request>>,
    batch: Vec<Request>,
    next: usize,
    producer: Option<std::thread::JoinHandle<()>>,
}

impl Prefetched {
    /// Starts the producer thread on `source`.
    pub fn spawn(mut source: Synthetic) -> std::io::Result<Prefetched> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Request>>(PREFETCH_BATCHES);
        let (back, spare) = std::sync::mpsc::channel::<Vec<Request>>();
        let producer = std::thread::Builder::new()
            .name("cdnsim-requests".into())
            .spawn(move || {
                loop {
                    let mut buf = spare
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(PREFETCH_BATCH));
                    buf.clear();
                    while buf.len() < PREFETCH_BATCH {
                        match source.next_request() {
                            Some(r) => buf.push(r),
                            None => break,
                        }
                    }
                    let last = buf.len() < PREFETCH_BATCH;
                    // The simulation hung up (stopped early): stop drawing.
                    if tx.send(buf).is_err() || last {
                        return;
                    }
                }
            })?;
        Ok(Prefetched {
            rx: Some(rx),
            back,
            batch: Vec::new(),
            next: 0,
            producer: Some(producer),
        })
    }
}

impl RequestSource for Prefetched {
    fn next_request(&mut self) -> Option<Request> {
        loop {
            if let Some(r) = self.batch.get(self.next) {
                self.next += 1;
                return Some(*r);
            }
            let rx = self.rx.as_ref()?;
            match rx.recv() {
                Ok(b) => {
                    let used = std::mem::replace(&mut self.batch, b);
                    self.next = 0;
                    // The producer may be gone already; the buffer is then
                    // just dropped.
                    let _ = self.back.send(used);
                }
                Err(_) => {
                    // The producer finished (or panicked: pass that on
                    // rather than end the run early and silently).
                    self.rx = None;
                    if let Some(h) = self.producer.take()
                        && let Err(e) = h.join()
                    {
                        std::panic::resume_unwind(e);
                    }
                    return None;
                }
            }
        }
    }
}

impl Drop for Prefetched {
    fn drop(&mut self) {
        // Hang up first so that a producer blocked on a full channel
        // returns, then wait for it.
        self.rx = None;
        if let Some(h) = self.producer.take() {
            let _ = h.join();
        }
    }
}
