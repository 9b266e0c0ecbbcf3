//! The discrete-event engine: a clock, a queue and a budgeted run loop.
//!
//! The engine knows no protocol. A model is anything implementing [`Model`]:
//! it receives one event at a time together with the [`Scheduler`], through
//! which it reads `now` and schedules or cancels further events.
//!
//! # Ordering guarantee
//!
//! Events run in increasing [`SimTime`]; events scheduled for the same time
//! run in the order they were scheduled (insertion sequence), including
//! events scheduled for `now` by the event currently running, which run after
//! every event already pending at `now`. This makes runs reproducible: given
//! the same seed, the same model code produces the same event sequence.
//!
//! # The stream slot
//!
//! A model fed by a stream of arrivals keeps its next arrival pending at all
//! times; [`Scheduler::schedule_stream`] holds that one event beside the
//! queue instead of in it. It is ordered with the queued events by (time,
//! sequence number) exactly as if it were queued, so a run's order, and its
//! outputs, do not depend on which way an event was scheduled; it saves the
//! queue's filing, moving and sorting of one event per arrival.
//!
//! # Looking ahead
//!
//! [`Scheduler::upcoming_n`] names queued events that run soon without
//! rearranging anything, so that a model whose events land on random
//! records of a large table can prefetch their records while the current
//! event runs ([`prefetch`]). [`run`] shows the next [`Model::hints`] of
//! them, before each event, to the model ([`Model::prefetch`]):
//! event-driven BGP asks for 4,
//! for their session records and receivers' best routes; the request model
//! for 1 once its caches outgrow a core's L2, for the index bucket of the
//! next cache lookup. It is a hint: it changes no order and no output.
//!
//! # Cancellation
//!
//! [`Scheduler::schedule_at`] returns an [`EventId`]; [`Scheduler::cancel`]
//! marks it dead and the event is discarded when it reaches the head of the
//! queue (lazy cancellation, as in NeXosim and ns-3). Cancelling costs one
//! hash-set insert; events never cancelled cost nothing extra.
//!
//! # Budget
//!
//! [`run`] stops at the budget's time limit (events at exactly the limit do
//! not run) or returns [`EngineError::EventBudget`] when the event count is
//! exhausted first, so a model that never quiesces cannot hang a run.

pub mod queue;

use crate::time::{SimDuration, SimTime};
use queue::RadixQueue;
use rustc_hash::FxHashSet;

/// Handle of a scheduled event, for cancellation. Unique within a scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

/// The clock and the pending events of one simulation.
///
/// Payloads travel inline with their queue entries, `(time, (seq, E))`.
/// A payload slab with 16-byte entries was tried and was 2x slower in wall
/// time (one cache miss per pop on the slab): docs/performance.md, "Engine".
pub struct Scheduler<E> {
    now: SimTime,
    next_seq: u64,
    queue: RadixQueue<(u64, E)>,
    /// The stream slot (module docs), laid out as a queue entry.
    stream: Option<(SimTime, (u64, E))>,
    cancelled: FxHashSet<u64>,
    executed: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    pub fn new() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            next_seq: 0,
            queue: RadixQueue::new(),
            stream: None,
            cancelled: FxHashSet::default(),
            executed: 0,
        }
    }

    /// The current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events pending (including cancelled ones not yet discarded).
    pub fn pending(&self) -> usize {
        self.queue.len() + usize::from(self.stream.is_some())
    }

    /// Up to `n` queued events that run soon ([`RadixQueue::soon_n`]: the
    /// queue's next `n` or, when its sorted run is empty, `n` of the next
    /// run's), found without rearranging anything: a hint of what to
    /// prefetch, not the order (the stream slot, and events scheduled
    /// meanwhile, may run first).
    #[inline]
    pub fn upcoming_n(&self, n: usize) -> impl Iterator<Item = &E> {
        self.queue.soon_n(n).map(|(_, e)| e)
    }

    /// Events popped and handed to the model so far.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug:
    /// it panics in debug builds and runs the event at `now` in release.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> EventId {
        let (at, seq) = self.stamp(at);
        self.queue.push(at, (seq, event));
        EventId(seq)
    }

    /// The time an event scheduled for `at` runs at (never before `now`)
    /// and its sequence number.
    #[inline(always)]
    fn stamp(&mut self, at: SimTime) -> (SimTime, u64) {
        debug_assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        (at.max(self.now), seq)
    }

    /// Schedules `event` at `at` in the stream slot (module docs): same
    /// order and same result as [`Scheduler::schedule_at`], without the
    /// queue. Meant for the one next arrival of a stream; with the slot
    /// taken, the event is queued.
    #[inline]
    pub fn schedule_stream(&mut self, at: SimTime, event: E) -> EventId {
        if self.stream.is_some() {
            return self.schedule_at(at, event);
        }
        let (at, seq) = self.stamp(at);
        self.stream = Some((at, (seq, event)));
        EventId(seq)
    }

    /// The next entry's time and whether it is the stream slot's (rather
    /// than the queue's first: earlier, or at the same time and scheduled
    /// before it). The queue's run is refilled only when its first key is
    /// at most `bound`, so the queue's floor never passes `bound` (nor the
    /// slot's time). When the time returned is above `bound` the flag may
    /// be wrong: a caller with that bound only compares the time.
    #[inline(always)]
    fn head(&mut self, bound: u64) -> Option<(SimTime, bool)> {
        let Some((t, (seq, _))) = &self.stream else {
            let k = self.queue.first_key_upto(bound)?;
            return Some((SimTime::from_nanos(k), false));
        };
        let (t, seq) = (*t, *seq);
        let Some(k) = self.queue.first_key_upto(bound.min(t.as_nanos())) else {
            return Some((t, true));
        };
        if k != t.as_nanos() {
            return Some((t.min(SimTime::from_nanos(k)), t.as_nanos() < k));
        }
        if k > bound {
            return Some((t, true));
        }
        // A tie within the bound: the run was refilled, so peeking moves
        // nothing; the sequence numbers decide.
        let (_, &(first, _)) = self.queue.peek().expect("the queue has a key");
        Some((t, seq < first))
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventId {
        self.schedule_at(self.now + delay, event)
    }

    /// Cancels a pending event. Cancelling an event that already ran or was
    /// already cancelled has no effect.
    pub fn cancel(&mut self, id: EventId) {
        if id.0 < self.next_seq {
            self.cancelled.insert(id.0);
        }
    }

    /// Time of the next live event, if any, without running it. Cancelled
    /// entries at the head are discarded on the way, and the clock advances
    /// to the time of the last one discarded (the queue is monotone: nothing
    /// may be scheduled before it afterwards).
    ///
    /// Without cancelled events nothing is rearranged, so events may still
    /// be scheduled at any time from `now` on before the next pop.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        loop {
            if self.cancelled.is_empty() {
                return self.head(0).map(|(t, _)| t);
            }
            let (t, from_stream) = self.head(u64::MAX)?;
            let seq = match &self.stream {
                Some((_, (seq, _))) if from_stream => *seq,
                _ => self.queue.peek().expect("head saw it").1.0,
            };
            if !self.cancelled.remove(&seq) {
                return Some(t);
            }
            self.take(from_stream);
            self.now = t;
        }
    }

    /// Removes the head that [`Scheduler::head`] chose (within its bound).
    #[inline(always)]
    fn take(&mut self, from_stream: bool) -> (SimTime, (u64, E)) {
        if from_stream {
            self.stream.take().expect("head saw it")
        } else {
            self.queue.pop().expect("head saw it")
        }
    }

    /// Pops the next live event and advances the clock to its time
    /// (cancelled entries on the way are discarded; with none live left,
    /// the clock stays at the last one discarded).
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            // Without a slot the queue's first is next: no `head` needed.
            // (`take` after an emptiness test moves 64-byte payloads once
            // more: +3% instructions in engine_hold.)
            let from_stream = self.stream.is_some() && self.head(u64::MAX).is_some_and(|h| h.1);
            let (t, (seq, ev)) = if from_stream {
                self.stream.take().expect("head saw it")
            } else {
                self.queue.pop()?
            };
            if self.discard(t, seq) {
                continue;
            }
            return Some((t, ev));
        }
    }

    /// Advances the clock to a popped entry's time and tells whether the
    /// entry was cancelled (else it counts as executed). A cancelled entry
    /// advances the clock too: the queue's floor moved to `t`, and nothing
    /// may be scheduled before the floor.
    #[inline(always)]
    fn discard(&mut self, t: SimTime, seq: u64) -> bool {
        self.now = t;
        if !self.cancelled.is_empty() && self.cancelled.remove(&seq) {
            return true;
        }
        self.executed += 1;
        false
    }
}

/// A simulation model driven by the engine.
pub trait Model {
    type Event;
    /// Handles one event at `sched.now()`.
    fn handle(&mut self, sched: &mut Scheduler<Self::Event>, event: Self::Event);
    /// How many upcoming events [`run`] should show the model before each
    /// one it handles ([`Model::prefetch`]). Asked when a run starts and
    /// every [`OBSERVE_EVERY`] events; 0 by default, since finding them
    /// and acting on them cost a little per event, which pays only when
    /// the memory they bring in would miss the CPU's caches.
    fn hints(&self) -> usize {
        0
    }
    /// A hint: `next` is probably handled soon after the event about to be
    /// handled ([`Scheduler::upcoming_n`]), so the model may ask the CPU for
    /// the memory it will read. Must change nothing the model computes.
    fn prefetch(&self, _next: &Self::Event) {}
}

/// Limits on one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Events at or after this time do not run.
    pub until: SimTime,
    /// Maximum events handed to the model.
    pub max_events: u64,
}

impl Budget {
    pub fn until(until: SimTime) -> Self {
        Budget {
            until,
            max_events: u64::MAX,
        }
    }
    pub fn with_max_events(mut self, n: u64) -> Self {
        self.max_events = n;
        self
    }
}

/// How a run ended (when it ended without error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No events left.
    Drained,
    /// The next event lies at or beyond the time limit.
    TimeLimit,
    /// The observer asked to stop (e.g. Ctrl-C).
    Stopped,
}

/// What the observer tells the run loop after a progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("event budget of {max_events} events exhausted at {now} with {pending} events pending")]
    EventBudget {
        max_events: u64,
        now: SimTime,
        pending: usize,
    },
}

/// Events between two observer calls.
pub const OBSERVE_EVERY: u64 = 1 << 16;

/// Asks the CPU to bring `x`'s cache line in (no effect elsewhere, and
/// none on the program's state anywhere).
#[inline(always)]
#[allow(unsafe_code)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint without architectural effect; the
    // address comes from a live reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Runs `model` until the queue drains, the time limit or the event budget.
/// `observe` is called every [`OBSERVE_EVERY`] events with the current time.
pub fn run<M: Model>(
    model: &mut M,
    sched: &mut Scheduler<M::Event>,
    budget: Budget,
    mut observe: impl FnMut(SimTime) -> Control,
) -> Result<Outcome, EngineError> {
    let start = sched.executed;
    // An event at or after the limit stays pending and nothing is
    // rearranged for it (`head`'s bound), so a run stopped at its limit may
    // be resumed after events earlier than the pending ones (from `now`
    // on) were scheduled, as the sharded request model does.
    let bound = budget.until.as_nanos().saturating_sub(1);
    let mut hints = model.hints();
    loop {
        if sched.executed - start >= budget.max_events {
            return match sched.peek_time() {
                None => Ok(Outcome::Drained),
                Some(t) if t >= budget.until => Ok(Outcome::TimeLimit),
                Some(_) => Err(EngineError::EventBudget {
                    max_events: budget.max_events,
                    now: sched.now,
                    pending: sched.pending(),
                }),
            };
        }
        let Some((t, from_stream)) = sched.head(bound) else {
            return Ok(Outcome::Drained);
        };
        if t >= budget.until {
            return Ok(Outcome::TimeLimit);
        }
        let (t, (seq, ev)) = sched.take(from_stream);
        if sched.discard(t, seq) {
            continue;
        }
        if hints > 0 {
            for next in sched.upcoming_n(hints) {
                model.prefetch(next);
            }
        }
        model.handle(sched, ev);
        if (sched.executed - start) % OBSERVE_EVERY == 0 {
            if observe(sched.now) == Control::Stop {
                return Ok(Outcome::Stopped);
            }
            hints = model.hints();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the order of events and optionally schedules follow-ups.
    struct Recorder {
        log: Vec<(u64, &'static str)>,
    }
    enum Ev {
        Note(&'static str),
        Spawn(&'static str, u64),
        Forever,
    }
    impl Model for Recorder {
        type Event = Ev;
        fn handle(&mut self, s: &mut Scheduler<Ev>, ev: Ev) {
            match ev {
                Ev::Note(n) => self.log.push((s.now().as_nanos(), n)),
                Ev::Spawn(n, delay) => {
                    self.log.push((s.now().as_nanos(), "spawn"));
                    s.schedule_in(SimDuration::from_nanos(delay), Ev::Note(n));
                }
                Ev::Forever => {
                    s.schedule_in(SimDuration::from_nanos(1), Ev::Forever);
                }
            }
        }
    }

    fn go(s: &mut Scheduler<Ev>, until: u64) -> (Vec<(u64, &'static str)>, Outcome) {
        let mut m = Recorder { log: vec![] };
        let out = run(&mut m, s, Budget::until(SimTime::from_nanos(until)), |_| {
            Control::Continue
        })
        .unwrap();
        (m.log, out)
    }

    #[test]
    fn same_time_events_run_in_scheduling_order_including_new_ones() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime::from_nanos(10), Ev::Note("a"));
        s.schedule_at(SimTime::from_nanos(10), Ev::Spawn("late", 0));
        s.schedule_at(SimTime::from_nanos(10), Ev::Note("b"));
        s.schedule_at(SimTime::from_nanos(5), Ev::Note("first"));
        let (log, out) = go(&mut s, 100);
        assert_eq!(out, Outcome::Drained);
        assert_eq!(
            log,
            vec![
                (5, "first"),
                (10, "a"),
                (10, "spawn"),
                (10, "b"),
                (10, "late")
            ]
        );
    }

    /// A model that asks for a hint is shown, before each event, the event
    /// the queue holds next (here, with distinct times, the one handled
    /// next); hints change nothing in the order.
    #[test]
    fn prefetch_sees_the_upcoming_event() {
        struct Hinted {
            seen: std::cell::RefCell<Vec<&'static str>>,
            log: Vec<&'static str>,
        }
        impl Model for Hinted {
            type Event = &'static str;
            fn hints(&self) -> usize {
                1
            }
            fn handle(&mut self, _: &mut Scheduler<&'static str>, ev: &'static str) {
                self.log.push(ev);
            }
            fn prefetch(&self, next: &&'static str) {
                self.seen.borrow_mut().push(next);
            }
        }
        let mut s = Scheduler::new();
        for (t, n) in [(30, "c"), (10, "a"), (20, "b")] {
            s.schedule_at(SimTime::from_nanos(t), n);
        }
        let mut m = Hinted {
            seen: Default::default(),
            log: vec![],
        };
        run(&mut m, &mut s, Budget::until(SimTime::MAX), |_| {
            Control::Continue
        })
        .unwrap();
        assert_eq!(m.log, ["a", "b", "c"]);
        // Before "a": "b" is next; before "b": "c"; before "c": nothing.
        assert_eq!(*m.seen.borrow(), ["b", "c"]);
    }

    #[test]
    fn cancelled_events_never_run() {
        let mut s = Scheduler::new();
        let a = s.schedule_at(SimTime::from_nanos(1), Ev::Note("a"));
        s.schedule_at(SimTime::from_nanos(2), Ev::Note("b"));
        let c = s.schedule_at(SimTime::from_nanos(2), Ev::Note("c"));
        s.cancel(a);
        s.cancel(c);
        s.cancel(a); // twice is harmless
        let (log, _) = go(&mut s, 100);
        assert_eq!(log, vec![(2, "b")]);
        assert_eq!(s.executed(), 1);
    }

    #[test]
    fn time_limit_is_exclusive_and_resumable() {
        let mut s = Scheduler::new();
        for t in [1, 5, 10, 11] {
            s.schedule_at(SimTime::from_nanos(t), Ev::Note("x"));
        }
        let (log, out) = go(&mut s, 10);
        assert_eq!(out, Outcome::TimeLimit);
        assert_eq!(log.len(), 2);
        let (log, out) = go(&mut s, 100);
        assert_eq!(out, Outcome::Drained);
        assert_eq!(log, vec![(10, "x"), (11, "x")]);
    }

    #[test]
    fn event_budget_returns_typed_error_instead_of_hanging() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime::ZERO, Ev::Forever);
        let mut m = Recorder { log: vec![] };
        let err = run(
            &mut m,
            &mut s,
            Budget::until(SimTime::MAX).with_max_events(1000),
            |_| Control::Continue,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            EngineError::EventBudget {
                max_events: 1000,
                pending: 1,
                ..
            }
        ));
        assert_eq!(s.now(), SimTime::from_nanos(999));
    }

    #[test]
    fn observer_can_stop_a_run() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime::ZERO, Ev::Forever);
        let mut m = Recorder { log: vec![] };
        let mut calls = 0;
        let out = run(&mut m, &mut s, Budget::until(SimTime::MAX), |_| {
            calls += 1;
            if calls == 3 {
                Control::Stop
            } else {
                Control::Continue
            }
        })
        .unwrap();
        assert_eq!(out, Outcome::Stopped);
        assert_eq!(s.executed(), 3 * OBSERVE_EVERY);
    }
}

#[cfg(test)]
mod reference_tests {
    //! The scheduler against an oracle: a `BinaryHeap` keyed by
    //! (time, sequence) plus a set of cancelled sequence numbers.
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::{BTreeSet, BinaryHeap};

    #[derive(Clone, Debug)]
    enum Op {
        /// Schedule at now + delay (delay scaled by 1000^scale).
        Schedule(u64, u32),
        /// The same through the stream slot.
        Stream(u64, u32),
        /// Cancel the k-th handle issued so far (modulo), possibly stale.
        Cancel(usize),
        Pop,
        /// Peek, then check that the next pop agrees.
        Peek,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..300, 0u32..4).prop_map(|(d, s)| Op::Schedule(d, s)),
            2 => (0u64..300, 0u32..4).prop_map(|(d, s)| Op::Stream(d, s)),
            1 => any::<usize>().prop_map(Op::Cancel),
            3 => Just(Op::Pop),
            1 => Just(Op::Peek),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Pops (time, payload) in exactly the oracle's order: increasing
        /// time, FIFO among equal times, cancelled events never delivered,
        /// stale cancels harmless, peek agreeing with the next pop.
        #[test]
        fn scheduler_matches_reference_with_cancellation(
            ops in proptest::collection::vec(op(), 1..600)
        ) {
            let mut s = Scheduler::new();
            let mut oracle = BinaryHeap::new();
            let mut dead = BTreeSet::new();
            let mut ids = Vec::new();
            let mut seq = 0u64;
            let oracle_pop = |oracle: &mut BinaryHeap<Reverse<(u64, u64)>>,
                                  dead: &BTreeSet<u64>| {
                while let Some(Reverse((t, q))) = oracle.pop() {
                    if !dead.contains(&q) {
                        return Some((t, q));
                    }
                }
                None
            };
            for op in ops {
                match op {
                    Op::Schedule(d, scale) | Op::Stream(d, scale) => {
                        let t = SimTime::from_nanos(s.now().as_nanos() + d * 1000u64.pow(scale));
                        let id = if matches!(op, Op::Stream(..)) {
                            s.schedule_stream(t, seq)
                        } else {
                            s.schedule_at(t, seq)
                        };
                        let t = t.as_nanos();
                        ids.push((id, seq));
                        oracle.push(Reverse((t, seq)));
                        seq += 1;
                    }
                    Op::Cancel(k) if !ids.is_empty() => {
                        let (id, q) = ids[k % ids.len()];
                        s.cancel(id);
                        dead.insert(q);
                    }
                    Op::Cancel(_) => {}
                    Op::Pop => {
                        let got = s.pop().map(|(t, q)| (t.as_nanos(), q));
                        let want = oracle_pop(&mut oracle, &dead);
                        prop_assert_eq!(got, want);
                        if let Some((_, q)) = got {
                            // Cancelling after it ran must change nothing.
                            dead.insert(q);
                        }
                    }
                    Op::Peek => {
                        let peeked = s.peek_time().map(|t| t.as_nanos());
                        let got = s.pop().map(|(t, q)| (t.as_nanos(), q));
                        prop_assert_eq!(peeked, got.map(|g| g.0));
                        let want = oracle_pop(&mut oracle, &dead);
                        prop_assert_eq!(got, want);
                        if let Some((_, q)) = got {
                            dead.insert(q);
                        }
                    }
                }
            }
            loop {
                let got = s.pop().map(|(t, q)| (t.as_nanos(), q));
                let want = oracle_pop(&mut oracle, &dead);
                prop_assert_eq!(got, want);
                if got.is_none() {
                    break;
                }
            }
            prop_assert_eq!(s.pending(), 0);
        }
    }

    /// A run stopped at its time limit leaves the queue as it was: events
    /// scheduled afterwards, earlier than every pending one but not before
    /// `now`, still run at their own time. (Peeking used to spread the
    /// lowest bucket when it held more than `RUN_MAX` entries, raising the
    /// floor to their minimum, and such an event was raised to it.)
    #[test]
    fn events_scheduled_after_a_time_limit_run_at_their_own_time() {
        struct Log(Vec<u64>);
        impl Model for Log {
            type Event = u64;
            fn handle(&mut self, s: &mut Scheduler<u64>, ev: u64) {
                assert_eq!(s.now().as_nanos(), ev, "ran at another time");
                self.0.push(ev);
            }
        }
        let mut s = Scheduler::new();
        // 300 events in one level-1 bucket (keys 1,000,000 + [0, 256)).
        for k in 0..300 {
            s.schedule_at(
                SimTime::from_nanos(1_000_000 + k % 200),
                1_000_000 + k % 200,
            );
        }
        let mut m = Log(vec![]);
        let limit = Budget::until(SimTime::from_nanos(1_000));
        assert_eq!(
            run(&mut m, &mut s, limit, |_| Control::Continue),
            Ok(Outcome::TimeLimit)
        );
        s.schedule_at(SimTime::from_nanos(2_000), 2_000);
        s.schedule_stream(SimTime::from_nanos(3_000), 3_000);
        let out = run(&mut m, &mut s, Budget::until(SimTime::MAX), |_| {
            Control::Continue
        });
        assert_eq!(out, Ok(Outcome::Drained));
        assert_eq!(&m.0[..2], &[2_000, 3_000]);
        assert_eq!(m.0.len(), 302);
    }

    /// The stream slot's event and queued events at the same time run in
    /// the order they were scheduled, whichever way.
    #[test]
    fn stream_slot_ties_break_by_scheduling_order() {
        let mut s = Scheduler::new();
        let t = SimTime::from_nanos(50);
        s.schedule_at(t, "q1");
        s.schedule_stream(t, "s1");
        s.schedule_at(t, "q2");
        // The slot is taken: this one is queued, in order all the same.
        s.schedule_stream(t, "s2");
        s.schedule_stream(SimTime::from_nanos(10), "early");
        let mut order = vec![];
        while let Some((_, e)) = s.pop() {
            order.push(e);
            if e == "q2" {
                // Slot free again, same time as the pending ones: last.
                s.schedule_stream(t, "s3");
            }
        }
        assert_eq!(order, ["early", "q1", "s1", "q2", "s2", "s3"]);
    }

    /// A cancelled event just before the limit must not let the run pop
    /// the next live event, which lies beyond the limit.
    #[test]
    fn cancelled_head_does_not_leak_past_time_limit() {
        struct Count(u32);
        impl Model for Count {
            type Event = ();
            fn handle(&mut self, _: &mut Scheduler<()>, _: ()) {
                self.0 += 1;
            }
        }
        let mut s = Scheduler::new();
        let a = s.schedule_at(SimTime::from_nanos(5), ());
        s.schedule_at(SimTime::from_nanos(20), ());
        s.cancel(a);
        let mut m = Count(0);
        let out = run(
            &mut m,
            &mut s,
            Budget::until(SimTime::from_nanos(10)),
            |_| Control::Continue,
        )
        .unwrap();
        assert_eq!(out, Outcome::TimeLimit);
        assert_eq!(m.0, 0, "the event at 20 ns ran with a 10 ns limit");
        assert_eq!(s.pending(), 1);
    }
}
