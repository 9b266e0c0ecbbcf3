//! Transport: how long one request takes on the wire, from the client's
//! side. Clock-free: pure functions of a request's path, connection and
//! server time, plus the random draws the caller passes a generator for.
//!
//! A request's time is the sum of the steps a real request takes
//! ([`Timing`]): DNS (given by the caller), connection setup (TCP's
//! handshake, or QUIC's combined one), the TLS handshake, the request and
//! the response's first byte (one RTT), the server's time (edge processing,
//! edge compute, the miss path: given by the caller), and the transfer of
//! the rest of the response under slow start ([`transfer`]).
//!
//! Setup by protocol and session state ([`setup_rtts`]; RFC 8446, RFC 9001):
//!
//! | protocol   | full           | resumed        | 0-RTT        |
//! |------------|----------------|----------------|--------------|
//! | TCP+TLS1.2 | 1 + 2 RTT      | 1 + 1 RTT      | (as resumed) |
//! | TCP+TLS1.3 | 1 + 1 RTT      | 1 + 1 RTT      | 1 + 0 RTT    |
//! | QUIC       | 1 RTT          | 1 RTT          | 0 RTT        |
//!
//! A request on a warm (already open) connection pays none of it.
//! Handshake flights can be lost: each lost flight costs the initial
//! retransmission timeout, 1 s (RFC 6298 §2.1; QUIC's first PTO,
//! RFC 9002 §6.2.2, is 999 ms), doubling on each further loss.
//!
//! Loss during the transfer ([`transfer`]) is a Reno-style round model: a
//! segment lost with at least 3 segments after it is repaired by fast
//! retransmit (RFC 5681 §3.2): one extra RTT and the window halves (slow
//! start ends); a loss among the last 3 segments of the response cannot
//! raise 3 duplicate ACKs and waits for the retransmission timeout,
//! `max(rto_min, 3 x RTT)` (RFC 6298 §2.2 after one RTT sample: SRTT = R,
//! RTTVAR = R/2). `rto_min` is 200 ms by default (Linux's `TCP_RTO_MIN`);
//! RFC 6298 §2.4's 1 s floor is the alternative.
//!
//! Head-of-line blocking: with `streams` concurrent responses multiplexed
//! on one connection, TCP delivers bytes in order, so a loss in *any*
//! stream's segments stalls this response for the repair; QUIC (RFC 9000
//! §2.2) delays only the stream whose packet was lost. The other streams'
//! segments count for loss exposure only (the window is this response's).
//!
//! The full model and every default with its source: docs/transport.md.

pub mod compute;

pub use compute::EdgeCompute;

use crate::time::SimDuration;
use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};

/// TCP maximum segment size [bytes] (Ethernet MTU 1500 - 40).
pub const DEFAULT_MSS: u32 = 1460;
/// Initial congestion window [segments] (RFC 6928).
pub const DEFAULT_INITIAL_WINDOW: u32 = 10;
/// Floor of the retransmission timeout: Linux's `TCP_RTO_MIN` (200 ms).
pub const DEFAULT_RTO_MIN: SimDuration = SimDuration::from_millis(200);
/// RFC 6298 §2.4's floor of the retransmission timeout (1 s).
pub const RFC6298_RTO_MIN: SimDuration = SimDuration::from_secs(1);
/// Timeout before the first retransmission of a handshake flight
/// (RFC 6298 §2.1: 1 s; RFC 9002's first PTO is 999 ms).
pub const INITIAL_RTO: SimDuration = SimDuration::from_secs(1);
/// Duplicate ACKs that trigger fast retransmit (RFC 5681 §3.2).
pub const DUPACK_THRESHOLD: u64 = 3;
/// Retransmissions of one handshake flight before the model stops
/// counting (Linux `tcp_syn_retries` = 6).
pub const MAX_HANDSHAKE_RETRIES: u32 = 6;

/// Protocol shares when a scenario gives none, in [`Protocol::ALL`] order:
/// TLS 1.2 10%, TLS 1.3 over TCP 60%, QUIC 30% (rounded shares of the
/// kind public CDN reports give, e.g. Cloudflare Radar; an assumption).
pub const DEFAULT_PROTOCOL_MIX: [f64; 3] = [0.1, 0.6, 0.3];
/// Share of requests on an open connection (assumption: about 2 requests
/// per connection).
pub const DEFAULT_WARM_SHARE: f64 = 0.5;
/// Share of new connections that resume a TLS session (assumption).
pub const DEFAULT_RESUMPTION_SHARE: f64 = 0.4;
/// Share of resumed connections with 0-RTT early data: off by default, as
/// in most servers (0-RTT is replayable, RFC 8446 §8).
pub const DEFAULT_ZERO_RTT_SHARE: f64 = 0.0;
/// Concurrent responses on a connection.
pub const DEFAULT_STREAMS: u32 = 1;
/// Median client bandwidth [bit/s] (assumption: 25 Mbit/s).
pub const DEFAULT_BANDWIDTH_MEDIAN_BPS: f64 = 25e6;
/// Log-space spread of the client bandwidth.
pub const DEFAULT_BANDWIDTH_SIGMA: f64 = 1.0;
/// Packet loss probability (assumption: 0.1%).
pub const DEFAULT_LOSS: f64 = 0.001;

/// Transport and security protocol of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Protocol {
    /// TCP + TLS 1.2 (RFC 5246): full handshake 2 RTT.
    #[serde(rename = "tcp-tls1.2")]
    TcpTls12,
    /// TCP + TLS 1.3 (RFC 8446): full handshake 1 RTT, 0-RTT early data.
    #[serde(rename = "tcp-tls1.3")]
    TcpTls13,
    /// QUIC (RFC 9000/9001): transport and TLS 1.3 in one RTT, 0-RTT.
    #[serde(rename = "quic")]
    Quic,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::TcpTls12, Protocol::TcpTls13, Protocol::Quic];
    pub fn name(self) -> &'static str {
        match self {
            Protocol::TcpTls12 => "tcp-tls1.2",
            Protocol::TcpTls13 => "tcp-tls1.3",
            Protocol::Quic => "quic",
        }
    }
    /// Whether a loss in one stream delays every stream of the connection.
    pub fn head_of_line_blocking(self) -> bool {
        !matches!(self, Protocol::Quic)
    }
}

/// TLS session state of a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Session {
    /// No ticket: full handshake.
    Full,
    /// A session ticket / PSK: abbreviated handshake (TLS 1.2, RFC 5077)
    /// or PSK resumption (TLS 1.3, RFC 8446 §2.2); same RTTs in TLS 1.3.
    Resumed,
    /// Resumption with early data (TLS 1.3 §2.3, QUIC 0-RTT): the request
    /// goes with the first flight. TLS 1.2 has no 0-RTT: treated as resumed.
    ZeroRtt,
}

/// The state of the connection a request is sent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conn {
    pub protocol: Protocol,
    /// Reuses an open connection (no setup).
    pub warm: bool,
    /// Session state when a new connection is opened.
    pub session: Session,
    /// Concurrent responses multiplexed on the connection (>= 1).
    pub streams: u32,
}

/// Round trips spent before the request can be sent on a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetupRtts {
    /// Transport handshake (TCP SYN/SYN-ACK; QUIC's combined handshake).
    pub connect: u32,
    /// TLS handshake on top of TCP (0 for QUIC: inside `connect`).
    pub tls: u32,
}

/// Handshake round trips of a new connection (module table).
pub fn setup_rtts(p: Protocol, s: Session) -> SetupRtts {
    let (connect, tls) = match (p, s) {
        (Protocol::TcpTls12, Session::Full) => (1, 2),
        (Protocol::TcpTls12, Session::Resumed | Session::ZeroRtt) => (1, 1),
        (Protocol::TcpTls13, Session::Full | Session::Resumed) => (1, 1),
        (Protocol::TcpTls13, Session::ZeroRtt) => (1, 0),
        (Protocol::Quic, Session::Full | Session::Resumed) => (1, 0),
        (Protocol::Quic, Session::ZeroRtt) => (0, 0),
    };
    SetupRtts { connect, tls }
}

/// The client's path to the server for one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathParams {
    /// Round-trip time of this request (path + access + jitter).
    pub rtt: SimDuration,
    /// Bottleneck bandwidth towards the client [bit/s].
    pub bandwidth_bps: f64,
    /// Probability that a packet is lost (each independently).
    pub loss: f64,
}

/// Congestion-control constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpParams {
    /// Maximum segment size [bytes].
    pub mss: u32,
    /// Initial window [segments] (also after idle on a warm connection:
    /// RFC 5681 §4.1 restart, Linux's `tcp_slow_start_after_idle` = 1).
    pub initial_window: u32,
    /// Floor of the retransmission timeout.
    pub rto_min: SimDuration,
}

impl Default for TcpParams {
    fn default() -> Self {
        TcpParams {
            mss: DEFAULT_MSS,
            initial_window: DEFAULT_INITIAL_WINDOW,
            rto_min: DEFAULT_RTO_MIN,
        }
    }
}

impl TcpParams {
    /// Retransmission timeout after one RTT sample: `max(rto_min, 3 R)`.
    pub fn rto(&self, rtt: SimDuration) -> SimDuration {
        rtt.saturating_mul(3).max(self.rto_min)
    }
}

/// One request's time, step by step (client side).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub dns: SimDuration,
    /// Transport handshake (incl. lost-flight timeouts).
    pub connect: SimDuration,
    /// TLS handshake (incl. lost-flight timeouts).
    pub tls: SimDuration,
    /// Request out and first response byte back: one RTT (+ a timeout if
    /// the request or the first response packet is lost).
    pub request: SimDuration,
    /// Time at the server(s) before the first byte leaves (edge processing,
    /// queueing, compute, the miss path).
    pub server: SimDuration,
    /// First byte to last byte at the client.
    pub transfer: SimDuration,
}

impl Timing {
    /// Time to first byte.
    pub fn ttfb(&self) -> SimDuration {
        self.dns + self.connect + self.tls + self.request + self.server
    }
    /// Completion time (last byte at the client).
    pub fn completion(&self) -> SimDuration {
        self.ttfb() + self.transfer
    }
}

/// What happened during one transfer (for tests and counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// Segments of the response.
    pub segments: u64,
    /// Send rounds (RTTs of flights) before the window filled the pipe or
    /// the response ended; 1 = the whole response in the first flight.
    pub rounds: u32,
    /// Losses repaired by fast retransmit (1 RTT each).
    pub fast_retransmits: u32,
    /// Losses repaired by a retransmission timeout.
    pub timeouts: u32,
}

fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    Binomial::new(n, p.min(1.0)).map_or(0, |b| b.sample(rng))
}

/// Serialization time of `bytes` at `bps` [bit/s].
fn serialize(bytes: u64, bps: f64) -> SimDuration {
    if bps.is_finite() && bps > 0.0 {
        SimDuration::from_secs_f64(bytes as f64 * 8.0 / bps)
    } else {
        SimDuration::ZERO
    }
}

/// Time from the response's first byte reaching the client to its last,
/// under slow start from the initial window, capped by the bottleneck
/// bandwidth, with per-segment loss `loss` (module docs). `exposure` is the
/// number of streams whose segments can stall this one: 1 for QUIC or a
/// lone request; the connection's concurrent streams for TCP.
///
/// Rounds: round k sends `min(cwnd_k, remaining)` segments, `cwnd_0 = IW`,
/// doubling each round; round k's last byte arrives at `k RTT` plus its
/// serialization at the bottleneck. Once the window covers the
/// bandwidth-delay product, the rest streams at the bottleneck rate.
/// Without loss the result is exact in these terms (hand-checked in tests).
pub fn transfer<R: Rng + ?Sized>(
    size: u64,
    path: &PathParams,
    tcp: &TcpParams,
    exposure: u32,
    rng: &mut R,
) -> (SimDuration, TransferStats) {
    let mss = u64::from(tcp.mss.max(1));
    let n = size.div_ceil(mss);
    let mut st = TransferStats {
        segments: n,
        ..TransferStats::default()
    };
    if n == 0 {
        return (SimDuration::ZERO, st);
    }
    let rtt = path.rtt;
    let bdp_segments = if path.bandwidth_bps.is_finite() && path.bandwidth_bps > 0.0 {
        path.bandwidth_bps * rtt.as_secs_f64() / (8.0 * mss as f64)
    } else {
        f64::INFINITY
    };
    let tail_start = n.saturating_sub(DUPACK_THRESHOLD); // segments >= this are tail
    let exposure = u64::from(exposure.max(1));
    let rto = tcp.rto(rtt);
    let mut cwnd = u64::from(tcp.initial_window.max(1));
    let mut slow_start = true;
    let mut sent = 0u64;
    let mut t = SimDuration::ZERO;
    // Losses among segments [from, to): non-tail ones (times the exposure,
    // for head-of-line blocking) are fast-retransmitted, own tail ones time out.
    let losses = |from: u64, to: u64, rng: &mut R, st: &mut TransferStats| -> (u64, u64) {
        let body = to.min(tail_start).saturating_sub(from);
        let tail = to - from - body;
        let fast = binomial(body * exposure, path.loss, rng)
            + binomial(tail * (exposure - 1), path.loss, rng);
        let slow = binomial(tail, path.loss, rng);
        st.fast_retransmits += fast as u32;
        st.timeouts += slow as u32;
        (fast, slow)
    };
    loop {
        st.rounds += 1;
        if cwnd as f64 >= bdp_segments {
            // The window fills the pipe: the rest streams at the bottleneck.
            let (fast, slow) = losses(sent, n, rng, &mut st);
            t += serialize(size - sent * mss, path.bandwidth_bps);
            t += rtt.saturating_mul(fast) + rto.saturating_mul(slow);
            break;
        }
        let send = cwnd.min(n - sent);
        let (fast, slow) = losses(sent, sent + send, rng, &mut st);
        sent += send;
        if sent == n {
            let last = size - (sent - send) * mss;
            t += serialize(last, path.bandwidth_bps);
            t += rtt.saturating_mul(fast) + rto.saturating_mul(slow);
            break;
        }
        t += rtt;
        if fast + slow > 0 {
            // Repair costs a round; the window halves and slow start ends.
            t += rtt.saturating_mul(fast) + rto.saturating_mul(slow);
            cwnd = (cwnd / 2).max(2);
            slow_start = false;
        } else if slow_start {
            cwnd *= 2;
        } else {
            cwnd += 1;
        }
    }
    (t, st)
}

/// Time lost to retransmitting one flight of a handshake or request
/// exchange: each attempt (a flight out and one back) fails with
/// probability `1 - (1 - loss)^2`, costing `first` and doubling.
fn flight_delay<R: Rng + ?Sized>(loss: f64, first: SimDuration, rng: &mut R) -> SimDuration {
    if loss <= 0.0 {
        return SimDuration::ZERO;
    }
    let fail = 1.0 - (1.0 - loss.min(1.0)).powi(2);
    let mut d = SimDuration::ZERO;
    let mut rto = first;
    for _ in 0..MAX_HANDSHAKE_RETRIES {
        if rng.random::<f64>() >= fail {
            break;
        }
        d += rto;
        rto = rto.saturating_mul(2);
    }
    d
}

/// One request's client-side timing: `dns` and `server` are given by the
/// caller; setup, the request round trip and the transfer of `size` bytes
/// are modelled here.
pub fn request_timing<R: Rng + ?Sized>(
    conn: &Conn,
    path: &PathParams,
    tcp: &TcpParams,
    dns: SimDuration,
    server: SimDuration,
    size: u64,
    rng: &mut R,
) -> Timing {
    let rtt = path.rtt;
    let (mut connect, mut tls) = (SimDuration::ZERO, SimDuration::ZERO);
    if !conn.warm {
        let s = setup_rtts(conn.protocol, conn.session);
        for _ in 0..s.connect {
            connect += rtt + flight_delay(path.loss, INITIAL_RTO, rng);
        }
        for _ in 0..s.tls {
            tls += rtt + flight_delay(path.loss, tcp.rto(rtt), rng);
        }
    }
    let request = rtt + flight_delay(path.loss, tcp.rto(rtt), rng);
    let exposure = if conn.protocol.head_of_line_blocking() {
        conn.streams
    } else {
        1
    };
    // The first segment arrives with the first byte: the rest is transfer.
    let (transfer, _) = transfer(size, path, tcp, exposure, rng);
    Timing {
        dns,
        connect,
        tls,
        request,
        server,
        transfer,
    }
}

/// How a client population opens its connections.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientTransport {
    /// Protocol shares (sum to 1), in [`Protocol::ALL`] order.
    pub mix: [f64; 3],
    /// Share of requests sent on an already-open connection.
    pub warm_share: f64,
    /// Share of new connections that resume a TLS session.
    pub resumption_share: f64,
    /// Share of resumed connections that send 0-RTT early data (where the
    /// protocol allows it).
    pub zero_rtt_share: f64,
    /// Concurrent responses on one connection.
    pub streams: u32,
}

impl ClientTransport {
    /// Draws the connection state of one request.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Conn {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let mut protocol = Protocol::ALL[2];
        for (p, share) in Protocol::ALL.iter().zip(self.mix) {
            acc += share;
            if u < acc {
                protocol = *p;
                break;
            }
        }
        let warm = rng.random::<f64>() < self.warm_share;
        let session = if rng.random::<f64>() < self.resumption_share {
            if rng.random::<f64>() < self.zero_rtt_share {
                Session::ZeroRtt
            } else {
                Session::Resumed
            }
        } else {
            Session::Full
        };
        Conn {
            protocol,
            warm,
            session,
            streams: self.streams.max(1),
        }
    }
}

/// Warm share implied by `n` requests per connection: all but the first.
pub fn warm_share_of_requests_per_connection(n: f64) -> f64 {
    if n <= 1.0 { 0.0 } else { 1.0 - 1.0 / n }
}

#[cfg(test)]
mod tests;
