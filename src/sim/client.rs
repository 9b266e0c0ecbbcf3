//! The request model's hooks into transport and capacity, kept in one
//! place so the request path in `sim/mod.rs` calls three functions:
//!
//! - [`ClientSide::admit`] when a request reaches its PoP: the PoP's
//!   queues ([`crate::capacity`]) give the queueing delay or a drop;
//! - [`ClientSide::compute`] for a dynamic request: the edge function's
//!   time, if one handles it;
//! - [`ClientSide::finish`] once the server time is known: the client-side
//!   timing ([`crate::transport::request_timing`], or the warm-connection
//!   view) and its metrics by request class.
//!
//! Each draws from its own random stream, so turning the transport model
//! on does not shift any other component's draws.

use crate::capacity::{PopCapacity, Refused};
use crate::metrics::LatencyHistogram;
use crate::rng::{StreamRng, Streams};
use crate::scenario::RunConfig;
use crate::scenario::transport::{ClientPath, TransportModel};
use crate::time::{SimDuration, SimTime};
use crate::transport::{self, PathParams, Timing, compute::Invocation};
use rand_distr::{Distribution, LogNormal};

/// Where a request was answered from, for the latency breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Served from the edge cache (fresh, stale-while-revalidate, or a
    /// stale copy under stale-if-error).
    Hit,
    /// A cacheable object missed at the edge and found at an upper tier.
    MissUpper,
    /// A cacheable object fetched from the origin (through every tier).
    MissOrigin,
    /// Uncacheable: always fetched from the origin (or answered by the
    /// edge function when it does not fetch).
    Dynamic,
}

impl Class {
    pub const ALL: [Class; 4] = [
        Class::Hit,
        Class::MissUpper,
        Class::MissOrigin,
        Class::Dynamic,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Class::Hit => "hit",
            Class::MissUpper => "miss_upper",
            Class::MissOrigin => "miss_origin",
            Class::Dynamic => "dynamic",
        }
    }
}

/// Sums of the steps of a class's requests [ns], for mean breakdowns.
#[derive(Clone, Copy, Debug, Default)]
pub struct StepSums {
    pub dns: u128,
    pub connect: u128,
    pub tls: u128,
    pub request: u128,
    pub server: u128,
    pub transfer: u128,
    /// Of `server`: queueing at the PoP.
    pub queueing: u128,
}

#[derive(Clone, Debug, Default)]
pub struct ClassMetrics {
    pub requests: u64,
    pub ttfb: LatencyHistogram,
    pub completion: LatencyHistogram,
    pub sums: StepSums,
}

/// Per PoP and time bucket (by arrival at the PoP): legitimate and attack
/// requests offered and dropped there.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadBucket {
    pub offered: u64,
    pub dropped: u64,
    pub attack_offered: u64,
    pub attack_dropped: u64,
    /// Dynamic attack requests the PoP forwarded to the origin.
    pub attack_origin: u64,
}

/// What the hooks record.
#[derive(Clone, Debug, Default)]
pub struct ClientMetrics {
    /// Measured requests by class, [`Class::ALL`] order.
    pub classes: Vec<ClassMetrics>,
    pub completion: LatencyHistogram,
    /// Measured legitimate requests dropped at a full PoP.
    pub dropped: u64,
    pub dropped_egress: u64,
    /// Measured legitimate requests offered to a PoP (served + dropped).
    pub offered: u64,
    pub attack_offered: u64,
    pub attack_dropped: u64,
    /// Measured attack requests lost to routing events before a PoP
    /// served them (blackhole, loop, failed PoP).
    pub attack_lost: u64,
    pub compute_invocations: u64,
    pub compute_cold_starts: u64,
    /// Per PoP: one bucket per output interval (warmup included).
    pub load: Vec<Vec<LoadBucket>>,
    pub interval: SimDuration,
}

/// A request the PoP answered, as the client-side timing needs it.
#[derive(Clone, Copy, Debug)]
pub struct Served {
    pub class: Class,
    pub group: usize,
    /// DNS resolution before the request left (zero when the resolver
    /// had the answer cached; `crate::dns`).
    pub dns: SimDuration,
    /// This request's client-PoP round trip.
    pub rtt: SimDuration,
    /// Time at the PoP and above before the first byte leaves.
    pub server: SimDuration,
    /// Of `server`: queueing at the PoP.
    pub queueing: SimDuration,
    pub size: u64,
    /// Arrived after warmup.
    pub measured: bool,
}

/// The transport and capacity state of a run.
pub struct ClientSide {
    model: TransportModel,
    tcp: transport::TcpParams,
    paths: Vec<ClientPath>,
    bandwidth: Vec<Option<LogNormal<f64>>>,
    rng: StreamRng,
    compute_rng: StreamRng,
    compute: Option<(transport::EdgeCompute, bool)>,
    warmup_end: SimTime,
    pub capacity: Vec<PopCapacity>,
    pub m: ClientMetrics,
}

impl ClientSide {
    /// `suffix` is appended to the streams' labels (`""` for a run in one
    /// part; a shard's own label otherwise, `sim::shard`).
    pub fn new(cfg: &RunConfig, streams: &Streams, horizon: SimDuration, suffix: &str) -> Self {
        let buckets = cfg.duration.as_nanos().div_ceil(cfg.interval.as_nanos()) as usize;
        ClientSide {
            model: cfg.transport.model,
            tcp: cfg.transport.tcp,
            paths: cfg.transport.per_group.clone(),
            bandwidth: cfg
                .transport
                .per_group
                .iter()
                .map(|p| {
                    (p.bandwidth_sigma > 0.0)
                        .then(|| LogNormal::new(p.bandwidth_median_bps.ln(), p.bandwidth_sigma))
                        .and_then(Result::ok)
                })
                .collect(),
            rng: streams.stream(&format!("transport/requests{suffix}")),
            compute_rng: streams.stream(&format!("edge/compute{suffix}")),
            compute: cfg.compute.clone(),
            warmup_end: SimTime::ZERO + cfg.warmup,
            capacity: cfg
                .pop_capacity
                .iter()
                .map(|c| PopCapacity::new(*c, cfg.interval, horizon))
                .collect(),
            m: ClientMetrics {
                classes: vec![ClassMetrics::default(); Class::ALL.len()],
                completion: LatencyHistogram::default(),
                dropped: 0,
                dropped_egress: 0,
                offered: 0,
                attack_offered: 0,
                attack_dropped: 0,
                attack_lost: 0,
                compute_invocations: 0,
                compute_cold_starts: 0,
                load: vec![vec![LoadBucket::default(); buckets.max(1)]; cfg.pops.len()],
                interval: cfg.interval,
            },
        }
    }

    fn bucket(&mut self, pop: usize, t: SimTime) -> &mut LoadBucket {
        let row = &mut self.m.load[pop];
        let i = (t.as_nanos() / self.m.interval.as_nanos()) as usize;
        let last = row.len() - 1;
        &mut row[i.min(last)]
    }

    /// Admission of a legitimate request that `arrived` (issued) at the
    /// client and reaches `pop` at `now`: the queueing delay, or `None`
    /// when it is dropped.
    pub fn admit(
        &mut self,
        pop: usize,
        now: SimTime,
        arrived: SimTime,
        bytes: u64,
    ) -> Option<SimDuration> {
        let r = self.capacity[pop].admit(now, bytes);
        let measured = arrived >= self.warmup_end;
        let b = self.bucket(pop, now);
        b.offered += 1;
        b.dropped += u64::from(r.is_err());
        if measured {
            self.m.offered += 1;
            match r {
                Err(Refused::Requests) => self.m.dropped += 1,
                Err(Refused::Egress) => {
                    self.m.dropped += 1;
                    self.m.dropped_egress += 1;
                }
                Ok(_) => {}
            }
        }
        r.ok()
    }

    /// Admission of an attack request at `pop` at `now`; returns whether
    /// it was served. `to_origin`: a dynamic request forwarded upstream.
    pub fn admit_attack(
        &mut self,
        pop: usize,
        now: SimTime,
        issued: SimTime,
        bytes: u64,
        to_origin: bool,
    ) -> bool {
        let ok = self.capacity[pop].admit(now, bytes).is_ok();
        let measured = issued >= self.warmup_end;
        let b = self.bucket(pop, now);
        b.attack_offered += 1;
        b.attack_dropped += u64::from(!ok);
        b.attack_origin += u64::from(ok && to_origin);
        if measured {
            self.m.attack_offered += 1;
            self.m.attack_dropped += u64::from(!ok);
        }
        ok
    }

    /// The edge function for a dynamic request, if one runs, and whether
    /// it then fetches from the origin.
    pub fn compute(&mut self, arrived: SimTime) -> Option<(Invocation, bool)> {
        let (f, fetch) = self.compute.as_ref()?;
        let inv = f.invoke(&mut self.compute_rng)?;
        if arrived >= self.warmup_end {
            self.m.compute_invocations += 1;
            self.m.compute_cold_starts += u64::from(inv.cold);
        }
        Some((inv, *fetch))
    }

    /// The client-side timing of a served request; recorded by class
    /// when measured.
    pub fn finish(&mut self, r: Served) -> Timing {
        let Served {
            class,
            group,
            dns,
            rtt,
            server,
            queueing,
            size,
            measured,
        } = r;
        let t = match self.model {
            TransportModel::WarmConnection => Timing {
                dns,
                request: rtt,
                server,
                ..Timing::default()
            },
            TransportModel::PerRequest => {
                let p = &self.paths[group];
                let bandwidth_bps = match &self.bandwidth[group] {
                    Some(d) => d.sample(&mut self.rng),
                    None => p.bandwidth_median_bps,
                };
                let conn = p.conn.draw(&mut self.rng);
                let path = PathParams {
                    rtt,
                    bandwidth_bps,
                    loss: p.loss,
                };
                transport::request_timing(&conn, &path, &self.tcp, dns, server, size, &mut self.rng)
            }
        };
        if measured {
            let c = &mut self.m.classes[class as usize];
            c.requests += 1;
            c.ttfb.record(t.ttfb());
            // Warm connections have no transfer time: completion = TTFB for
            // every request, so the class's completion histogram is a copy
            // of its TTFB one, made once at the end (`finish_run`).
            if self.model != TransportModel::WarmConnection {
                c.completion.record(t.completion());
            }
            let s = &mut c.sums;
            s.dns += u128::from(t.dns.as_nanos());
            s.connect += u128::from(t.connect.as_nanos());
            s.tls += u128::from(t.tls.as_nanos());
            s.request += u128::from(t.request.as_nanos());
            s.server += u128::from(t.server.as_nanos());
            s.transfer += u128::from(t.transfer.as_nanos());
            s.queueing += u128::from(queueing.as_nanos());
        }
        t
    }

    /// Completes the histograms left to the end of the run, each equal to
    /// what recording every request into it would have given: with warm
    /// connections each class's completion histogram is its TTFB one, and
    /// the run's completion histogram is the merge of the classes' (every
    /// measured request is recorded in exactly one class). Two HDR records
    /// fewer per response.
    pub fn finish_run(&mut self) {
        let mut all = LatencyHistogram::default();
        for c in &mut self.m.classes {
            if self.model == TransportModel::WarmConnection {
                c.completion = c.ttfb.clone();
            }
            all.merge(&c.completion);
        }
        self.m.completion = all;
    }
}
