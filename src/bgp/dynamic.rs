//! The driver of event-driven BGP on the engine.
//!
//! [`Driver`] implements [`engine::Model`] over [`Event`]: it hands each
//! event to the clock-free [`Network`] and turns the returned effects into
//! scheduled events, adding the delays the protocol does not know about:
//!
//! - **propagation** of an UPDATE over the eBGP session: the latency model's
//!   one-way delay between the two border routers, which sit in the same
//!   interconnection city (0 km, one hop: `LatencyModel::one_way_ms(0, 1)`);
//! - **iBGP**: a constant `ibgp_delay` before the rest of the receiving AS
//!   (and so its other eBGP sessions) sees the route (full mesh, one hop);
//! - **processing**: each UPDATE is processed a delay after it arrives,
//!   drawn uniformly from `[processing_min, processing_max]` (stream
//!   `bgp/processing`); updates on one session are processed in order
//!   (TCP), but a router does not queue updates of different sessions
//!   behind each other (no CPU contention is modelled).
//!
//! Every run is budgeted ([`Budget`]: events and simulated time) and ends
//! with [`DynError::NoConvergence`] rather than hanging when a policy
//! oscillates. [`Stats`] counts updates and withdrawals sent, messages
//! processed, and the time of the last update processed anywhere.

use super::speaker::{Counters, Effect, Input, Network, Timer, Update};
use crate::engine::{self, Budget, Control, Model, Outcome, Scheduler};
use crate::rng::{StreamRng, Streams};
use crate::time::{SimDuration, SimTime};
use crate::topology::AsIdx;
use rand::RngExt;

/// Default iBGP delay: one full-mesh hop inside an AS. Assumed.
pub const DEFAULT_IBGP_DELAY: SimDuration = SimDuration::from_millis(5);
/// Default per-update processing delay range. Assumed (a busy router).
pub const DEFAULT_PROCESSING_MIN: SimDuration = SimDuration::from_millis(1);
pub const DEFAULT_PROCESSING_MAX: SimDuration = SimDuration::from_millis(10);
/// Default event budget of one convergence.
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;
/// Queued events whose records are prefetched before each event is
/// handled (`Scheduler::upcoming_n`). One event ahead leaves little time
/// for a miss (an event takes ~400 ns), and with the run empty the hint
/// reads the next bucket unsorted. The next 4 events' records and best
/// routes took 15-17% less CPU time at 78k ASes than the next event's
/// session record alone, for 5% more instructions; 8 no less than 4
/// (docs/performance.md, 2026-12-04 evening).
const HINTED_EVENTS: usize = 4;
/// Default simulated-time budget of one convergence.
pub const DEFAULT_MAX_TIME: SimDuration = SimDuration::from_secs(6 * 3600);

/// Delays the driver adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delays {
    /// eBGP propagation \[ns\].
    pub link: SimDuration,
    pub ibgp: SimDuration,
    pub processing_min: SimDuration,
    pub processing_max: SimDuration,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            link: SimDuration::from_millis_f64(
                crate::geo::LatencyModel::default().one_way_ms(0.0, 1),
            ),
            ibgp: DEFAULT_IBGP_DELAY,
            processing_min: DEFAULT_PROCESSING_MIN,
            processing_max: DEFAULT_PROCESSING_MAX,
        }
    }
}

/// Events of a BGP run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An UPDATE is processed by its receiver.
    Deliver(Update),
    /// A protocol timer fires.
    Timer(Timer),
    /// A change from outside (origin, link).
    Change(Box<Input>),
    /// Nothing: advances the clock (e.g. to let MRAI timers lapse).
    Wake,
}

/// Why a run did not converge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DynError {
    #[error(
        "BGP did not converge: {reason} at {now} after {processed} updates ({pending} events pending)"
    )]
    NoConvergence {
        reason: &'static str,
        now: SimTime,
        processed: u64,
        pending: usize,
    },
}

impl From<DynError> for crate::Error {
    fn from(e: DynError) -> Self {
        crate::Error::Runtime(e.to_string())
    }
}

/// Counters of a run (cumulative over the driver's life).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub counters: Counters,
    /// Time of the last UPDATE processed anywhere.
    pub last_update: SimTime,
    /// Time of the last best-route change anywhere.
    pub last_change: SimTime,
    /// Engine events handled.
    pub events: u64,
}

/// The result of [`Driver::converge`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Convergence {
    /// When the run started (the change's time).
    pub start: SimTime,
    /// Last update processed minus start (zero if none).
    pub time: SimDuration,
    /// Counters of this convergence only.
    pub counters: Counters,
    pub events: u64,
}

/// Drives a [`Network`] on the engine.
pub struct Driver<'g> {
    pub net: Network<'g>,
    delays: Delays,
    rng: StreamRng,
    /// Per session (by its sending edge): time its last UPDATE is
    /// processed (FIFO).
    last_done: Vec<u64>,
    effects: Vec<Effect>,
    pub stats: Stats,
    /// When set, every FIB change is logged as (time, AS).
    pub fib_log: Option<Vec<(SimTime, AsIdx)>>,
    /// When set, every best-route change is logged as (time, AS, new AS path).
    pub route_log: Option<Vec<(SimTime, AsIdx, Vec<AsIdx>)>>,
}

impl<'g> Driver<'g> {
    pub fn new(net: Network<'g>, delays: Delays, streams: &Streams) -> Self {
        let m = net.edges();
        Driver {
            net,
            delays,
            rng: streams.stream("bgp/processing"),
            last_done: vec![0; m],
            effects: Vec::new(),
            stats: Stats::default(),
            fib_log: None,
            route_log: None,
        }
    }

    fn apply(&mut self, sched: &mut Scheduler<Event>, input: Input) {
        let now = sched.now();
        let before = self.net.counters;
        self.net.handle(now.as_nanos(), input, &mut self.effects);
        if self.net.counters.processed != before.processed {
            self.stats.last_update = now;
        }
        if self.net.counters.best_changes != before.best_changes {
            self.stats.last_change = now;
        }
        let (lo, hi) = (
            self.delays.processing_min.as_nanos(),
            self.delays
                .processing_max
                .as_nanos()
                .max(self.delays.processing_min.as_nanos()),
        );
        let fixed = (self.delays.link + self.delays.ibgp).as_nanos();
        for eff in self.effects.drain(..) {
            match eff {
                Effect::Send { update: u, from } => {
                    let proc = if hi > lo {
                        self.rng.random_range(lo..=hi)
                    } else {
                        lo
                    };
                    // Indexed by the sending edge, one per session as the
                    // receiving edge is: an export walks its AS's edges in
                    // order, so these reads stream instead of landing on
                    // random receivers (a cache miss per UPDATE).
                    let f = from as usize;
                    let at = (now.as_nanos() + fixed + proc).max(self.last_done[f]);
                    self.last_done[f] = at;
                    sched.schedule_at(SimTime::from_nanos(at), Event::Deliver(u));
                }
                Effect::Arm { after, timer } => {
                    sched.schedule_in(SimDuration::from_nanos(after), Event::Timer(timer));
                }
                Effect::Fib { asn } => {
                    if let Some(log) = &mut self.fib_log {
                        log.push((now, asn));
                    }
                }
                Effect::Best { asn } => {
                    if let Some(log) = &mut self.route_log {
                        let path = self.net.route(asn).map_or(Vec::new(), |r| r.path);
                        log.push((now, asn, path));
                    }
                }
            }
        }
        self.stats.counters = self.net.counters;
    }

    /// Applies `input` now and runs to quiescence within `budget` (its
    /// `until` is relative to now).
    pub fn converge(
        &mut self,
        sched: &mut Scheduler<Event>,
        input: Input,
        max_events: u64,
        max_time: SimDuration,
    ) -> Result<Convergence, DynError> {
        let start = sched.now();
        let c0 = self.net.counters;
        let e0 = sched.executed();
        self.stats.last_update = start;
        self.apply(sched, input);
        self.run(
            sched,
            Budget::until(start + max_time).with_max_events(max_events),
        )?;
        let c1 = self.net.counters;
        Ok(Convergence {
            start,
            time: self.stats.last_update.saturating_since(start),
            counters: Counters {
                advertisements: c1.advertisements - c0.advertisements,
                withdrawals: c1.withdrawals - c0.withdrawals,
                processed: c1.processed - c0.processed,
                best_changes: c1.best_changes - c0.best_changes,
                scanned: c1.scanned - c0.scanned,
                exported: c1.exported - c0.exported,
            },
            events: sched.executed() - e0,
        })
    }

    /// Runs until the queue drains; a time or event budget hit first is
    /// [`DynError::NoConvergence`].
    pub fn run(&mut self, sched: &mut Scheduler<Event>, budget: Budget) -> Result<(), DynError> {
        let r = engine::run(self, sched, budget, |_| Control::Continue);
        let processed = self.net.counters.processed;
        match r {
            Ok(Outcome::Drained) => Ok(()),
            Ok(_) => Err(DynError::NoConvergence {
                reason: "time budget exhausted",
                now: sched.now(),
                processed,
                pending: sched.pending(),
            }),
            Err(engine::EngineError::EventBudget { now, pending, .. }) => {
                Err(DynError::NoConvergence {
                    reason: "event budget exhausted",
                    now,
                    processed,
                    pending,
                })
            }
        }
    }
}

impl Model for Driver<'_> {
    type Event = Event;
    fn hints(&self) -> usize {
        HINTED_EVENTS
    }
    /// The next events' session records are likely cache misses (an UPDATE
    /// lands on a random edge of a table of ~1 M edges, 64 MB at Internet
    /// scale), and so are their receivers' best routes: they are fetched
    /// while this event runs (docs/performance.md).
    fn prefetch(&self, next: &Event) {
        match next {
            Event::Deliver(u) => self.net.prefetch_update(u),
            Event::Timer(Timer::Mrai { edge, .. }) => self.net.prefetch_edge(*edge),
            _ => {}
        }
    }
    fn handle(&mut self, sched: &mut Scheduler<Event>, event: Event) {
        self.stats.events += 1;
        let input = match event {
            Event::Wake => return,
            Event::Deliver(u) => Input::Deliver(u),
            Event::Timer(Timer::Mrai { edge, city }) => Input::MraiExpired { edge, city },
            Event::Change(i) => *i,
        };
        self.apply(sched, input);
    }
}
