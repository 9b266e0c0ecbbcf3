//! Hand-computed cases of the transport model (see the module docs).

use super::*;
use crate::rng::Streams;

const MS: fn(u64) -> SimDuration = SimDuration::from_millis;

fn path(rtt_ms: u64, bps: f64, loss: f64) -> PathParams {
    PathParams {
        rtt: MS(rtt_ms),
        bandwidth_bps: bps,
        loss,
    }
}

fn lossless(size: u64, p: &PathParams) -> (SimDuration, TransferStats) {
    let mut rng = Streams::new(7).stream("t");
    transfer(size, p, &TcpParams::default(), 1, &mut rng)
}

/// Slow start from IW = 10 segments of 1460 B, no bandwidth cap: round k
/// sends 10 * 2^k segments, so after r rounds 10 (2^r - 1) have left.
///
/// | bytes     | segments | cumulative by round  | rounds | extra RTTs |
/// |-----------|----------|----------------------|--------|------------|
/// | 14,600    | 10       | 10                   | 1      | 0          |
/// | 14,601    | 11       | 10, 30               | 2      | 1          |
/// | 43,800    | 30       | 10, 30               | 2      | 1          |
/// | 43,801    | 31       | 10, 30, 70           | 3      | 2          |
/// | 102,400   | 71       | 10, 30, 70, 150      | 4      | 3          |
/// | 1,000,000 | 685      | 10 ... 630, 1270     | 7      | 6          |
#[test]
fn slow_start_rounds_match_hand_computation() {
    let p = path(100, f64::INFINITY, 0.0);
    for (size, segs, rounds) in [
        (14_600, 10, 1),
        (14_601, 11, 2),
        (43_800, 30, 2),
        (43_801, 31, 3),
        (102_400, 71, 4),
        (1_000_000, 685, 7),
    ] {
        let (t, st) = lossless(size, &p);
        assert_eq!(st.segments, segs, "{size} B");
        assert_eq!(st.rounds, rounds, "{size} B");
        assert_eq!(t, MS(100 * (u64::from(rounds) - 1)), "{size} B");
    }
    assert_eq!(
        lossless(0, &p),
        (SimDuration::ZERO, TransferStats::default())
    );
}

/// 1 MB at 10 Mbit/s over 100 ms: the pipe holds 10e6 * 0.1 / (8 * 1460)
/// = 85.6 segments. Rounds of 10, 20, 40, 80 (150 segments) take 4 RTTs;
/// then the window (160) covers the pipe and the remaining
/// 1,000,000 - 150 * 1460 = 781,000 B stream at 10 Mbit/s: 624.8 ms.
/// Total 400 + 624.8 = 1024.8 ms.
#[test]
fn bandwidth_caps_the_window_once_it_fills_the_pipe() {
    let (t, st) = lossless(1_000_000, &path(100, 10e6, 0.0));
    assert_eq!(st.rounds, 5);
    assert_eq!(t, SimDuration::from_micros(1_024_800));
    // One flight of 10 segments: only its serialization, 14,600 * 8 / 1e7.
    let (t, st) = lossless(14_600, &path(100, 10e6, 0.0));
    assert_eq!((t, st.rounds), (SimDuration::from_micros(11_680), 1));
}

#[test]
fn mss_and_initial_window_are_parameters() {
    // IW 4 of 1000 B: 4, 8, 16 -> 28 segments in 3 rounds.
    let tcp = TcpParams {
        mss: 1000,
        initial_window: 4,
        rto_min: DEFAULT_RTO_MIN,
    };
    let mut rng = Streams::new(1).stream("t");
    let (t, st) = transfer(28_000, &path(50, f64::INFINITY, 0.0), &tcp, 1, &mut rng);
    assert_eq!((st.segments, st.rounds, t), (28, 3, MS(100)));
}

fn cold(protocol: Protocol, session: Session) -> Conn {
    Conn {
        protocol,
        warm: false,
        session,
        streams: 1,
    }
}

/// TTFB of a one-segment response at RTT R, server time S, no loss:
/// TLS 1.2 full 4R, TLS 1.3 full 3R, TLS 1.3 0-RTT 2R, QUIC 2R, QUIC
/// 0-RTT R, warm R (each + S).
#[test]
fn handshake_round_trips_by_protocol() {
    let p = path(40, f64::INFINITY, 0.0);
    let tcp = TcpParams::default();
    let s = MS(5);
    let ttfb = |c: Conn| {
        let mut rng = Streams::new(1).stream("t");
        request_timing(&c, &p, &tcp, SimDuration::ZERO, s, 1000, &mut rng).ttfb()
    };
    let r = |k: u64| MS(40 * k) + s;
    let tls12 = ttfb(cold(Protocol::TcpTls12, Session::Full));
    let tls13 = ttfb(cold(Protocol::TcpTls13, Session::Full));
    assert_eq!(tls12, r(4));
    assert_eq!(tls13, r(3));
    assert_eq!(tls12 - tls13, MS(40), "TLS 1.3 saves one RTT");
    assert_eq!(ttfb(cold(Protocol::TcpTls12, Session::Resumed)), r(3));
    assert_eq!(ttfb(cold(Protocol::TcpTls13, Session::Resumed)), r(3));
    let zero = ttfb(cold(Protocol::TcpTls13, Session::ZeroRtt));
    assert_eq!(tls13 - zero, MS(40), "0-RTT removes the TLS round trip");
    assert_eq!(ttfb(cold(Protocol::TcpTls12, Session::ZeroRtt)), r(3));
    let quic = ttfb(cold(Protocol::Quic, Session::Full));
    assert_eq!(quic, r(2));
    assert_eq!(
        tls13 - quic,
        MS(40),
        "QUIC folds TCP's handshake into TLS's"
    );
    assert_eq!(ttfb(cold(Protocol::Quic, Session::ZeroRtt)), r(1));
    let mut warm = cold(Protocol::TcpTls12, Session::Full);
    warm.warm = true;
    assert_eq!(ttfb(warm), r(1));
}

#[test]
fn breakdown_adds_up() {
    let p = path(30, 20e6, 0.0);
    let mut rng = Streams::new(1).stream("t");
    let t = request_timing(
        &cold(Protocol::TcpTls12, Session::Full),
        &p,
        &TcpParams::default(),
        MS(12),
        MS(7),
        50_000,
        &mut rng,
    );
    assert_eq!(t.dns, MS(12));
    assert_eq!(t.connect, MS(30));
    assert_eq!(t.tls, MS(60));
    assert_eq!(t.request, MS(30));
    assert_eq!(t.server, MS(7));
    assert_eq!(t.ttfb(), MS(139));
    // 35 segments: 10 + 20 + 5 (BDP 51 segments not reached) -> 2 RTTs,
    // then the last flight's 50,000 - 30 * 1460 = 6,200 B at 20 Mbit/s.
    assert_eq!(t.transfer, MS(60) + SimDuration::from_micros(2_480));
    assert_eq!(t.completion(), t.ttfb() + t.transfer);
}

/// A lost tail segment (no 3 duplicate ACKs can follow it) waits for the
/// RTO: max(200 ms, 3 x 100 ms) = 300 ms; at RTT 20 ms the 200 ms floor
/// applies; with RFC 6298's floor, 1 s.
#[test]
fn tail_loss_costs_a_retransmission_timeout() {
    let mut rng = Streams::new(1).stream("t");
    let tcp = TcpParams::default();
    let (t, st) = transfer(1000, &path(100, f64::INFINITY, 1.0), &tcp, 1, &mut rng);
    assert_eq!((st.timeouts, st.fast_retransmits, t), (1, 0, MS(300)));
    let (t, _) = transfer(1000, &path(20, f64::INFINITY, 1.0), &tcp, 1, &mut rng);
    assert_eq!(t, MS(200));
    let rfc = TcpParams {
        rto_min: RFC6298_RTO_MIN,
        ..tcp
    };
    let (t, _) = transfer(1000, &path(20, f64::INFINITY, 1.0), &rfc, 1, &mut rng);
    assert_eq!(t, MS(1000));
}

/// Mean extra time of a 10-segment response at 1% loss: the first 7
/// segments are repaired by fast retransmit (1 RTT each), the last 3 by
/// an RTO: 0.01 (7 x 100 + 3 x 300) = 16 ms on average.
#[test]
fn mean_loss_delay_matches_the_model() {
    let mut rng = Streams::new(3).stream("t");
    let p = path(100, f64::INFINITY, 0.01);
    let n = 200_000;
    let total: f64 = (0..n)
        .map(|_| transfer(14_600, &p, &TcpParams::default(), 1, &mut rng).0)
        .map(|d| d.as_millis_f64())
        .sum();
    let mean = total / f64::from(n);
    assert!((mean - 16.0).abs() < 0.8, "mean {mean} ms");
}

/// Head-of-line blocking: with 4 streams on one TCP connection, a loss in
/// any stream stalls this one; QUIC with 4 streams behaves as a lone TCP
/// stream (same draws, same times).
#[test]
fn tcp_head_of_line_blocking_vs_quic_per_stream_loss() {
    let p = path(50, 50e6, 0.02);
    let tcp = TcpParams::default();
    let mean = |protocol: Protocol, streams: u32| {
        let mut rng = Streams::new(9).stream("hol");
        let c = Conn {
            protocol,
            warm: true,
            session: Session::Full,
            streams,
        };
        let n = 20_000;
        let v: Vec<SimDuration> = (0..n)
            .map(|_| request_timing(&c, &p, &tcp, SimDuration::ZERO, MS(1), 60_000, &mut rng))
            .map(|t| t.transfer)
            .collect();
        (
            v.iter().map(|d| d.as_millis_f64()).sum::<f64>() / f64::from(n),
            v,
        )
    };
    let (tcp4, _) = mean(Protocol::TcpTls13, 4);
    let (quic4, q) = mean(Protocol::Quic, 4);
    let (tcp1, t1) = mean(Protocol::TcpTls13, 1);
    assert_eq!(q, t1, "QUIC with 4 streams = one TCP stream");
    assert!(tcp4 > quic4 + 10.0, "TCP x4 {tcp4} ms vs QUIC {quic4} ms");
    assert_eq!(quic4, tcp1);
}

#[test]
fn handshake_loss_costs_the_initial_rto() {
    // Every flight lost: 6 retries of 1, 2, 4, ... s on the SYN.
    let mut rng = Streams::new(1).stream("t");
    let t = request_timing(
        &cold(Protocol::Quic, Session::Full),
        &path(10, f64::INFINITY, 1.0),
        &TcpParams::default(),
        SimDuration::ZERO,
        SimDuration::ZERO,
        0,
        &mut rng,
    );
    assert_eq!(
        t.connect,
        MS(10) + SimDuration::from_secs(1 + 2 + 4 + 8 + 16 + 32)
    );
}

#[test]
fn connection_draws_follow_the_shares() {
    let c = ClientTransport {
        mix: [0.2, 0.5, 0.3],
        warm_share: warm_share_of_requests_per_connection(4.0),
        resumption_share: 0.5,
        zero_rtt_share: 0.5,
        streams: 2,
    };
    let mut rng = Streams::new(5).stream("c");
    let n = 50_000;
    let mut by = [0u32; 3];
    let (mut warm, mut zero) = (0, 0);
    for _ in 0..n {
        let x = c.draw(&mut rng);
        by[Protocol::ALL.iter().position(|p| *p == x.protocol).unwrap()] += 1;
        warm += u32::from(x.warm);
        zero += u32::from(x.session == Session::ZeroRtt);
        assert_eq!(x.streams, 2);
    }
    let f = |k: u32| f64::from(k) / f64::from(n);
    for (i, want) in [0.2, 0.5, 0.3].into_iter().enumerate() {
        assert!((f(by[i]) - want).abs() < 0.01, "{by:?}");
    }
    assert!((f(warm) - 0.75).abs() < 0.01);
    assert!((f(zero) - 0.25).abs() < 0.01);
}
