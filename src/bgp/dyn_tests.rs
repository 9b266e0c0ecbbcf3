//! Tests of event-driven BGP against the static solvers (the oracle), and
//! of its convergence dynamics.

use super::dynamic::{Delays, Driver, Event};
use super::proptests::{Case, build, case};
use super::speaker::{Input, Network, SpeakerConfig, origin_sessions};
use super::*;
use crate::engine::Scheduler;
use crate::rng::Streams;
use crate::time::{SimDuration, SimTime};
use crate::topology::{AsGraphBuilder, AsIdx, LinkRel};
use proptest::prelude::*;

/// Route of every AS as (class, AS path, origin), from the static solver.
fn static_state(
    g: &AsGraph,
    ann: &Announcement,
    tiebreak: TieBreak,
) -> Vec<Option<(Learned, Vec<AsIdx>, AsIdx)>> {
    let r = solve(
        g,
        ann,
        &SolveOptions {
            tiebreak,
            ..Default::default()
        },
    )
    .unwrap();
    g.indices()
        .map(|i| r.route(i).map(|x| (x.learned, r.path(i), x.origin)))
        .collect()
}

fn dyn_state(net: &Network) -> Vec<Option<(Learned, Vec<AsIdx>, AsIdx)>> {
    net.graph()
        .indices()
        .map(|i| net.route(i).map(|x| (x.learned, x.path, x.origin)))
        .collect()
}

fn first_diff(
    g: &AsGraph,
    a: &[Option<(Learned, Vec<AsIdx>, AsIdx)>],
    b: &[Option<(Learned, Vec<AsIdx>, AsIdx)>],
) -> Option<String> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| {
            format!(
                "AS {}: dynamic {x:?} vs static {y:?}",
                g.asn(AsIdx(i as u32))
            )
        })
}

/// Delays and MRAI drawn from the case's knobs.
fn knobs(
    mrai_s: u64,
    withdrawals: bool,
    jitter: u64,
    tiebreak: TieBreak,
) -> (SpeakerConfig, Delays) {
    (
        SpeakerConfig {
            mrai_ns: mrai_s * 1_000_000_000,
            mrai_withdrawals: withdrawals,
            jitter_seed: jitter,
            tiebreak,
        },
        Delays::default(),
    )
}

fn announce_all<'g>(
    drv: &mut Driver<'g>,
    sched: &mut Scheduler<Event>,
    g: &AsGraph,
    ann: &Announcement,
) -> Result<(), String> {
    let s = ann.compile(g).map_err(|e| e.to_string())?;
    for (o, ses) in origin_sessions(&s) {
        drv.converge(
            sched,
            Input::SetOrigin {
                origin: o,
                sessions: Some(ses),
            },
            10_000_000,
            SimDuration::from_secs(100_000),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Sets `origin`'s policy to `policy` (None: withdraws it) and converges.
fn set(
    drv: &mut Driver,
    sched: &mut Scheduler<Event>,
    g: &AsGraph,
    ann: &Announcement,
    origin: AsIdx,
) -> Result<super::dynamic::Convergence, String> {
    let s = ann.compile(g).map_err(|e| e.to_string())?;
    let ses = origin_sessions(&s)
        .into_iter()
        .find(|(o, _)| *o == origin)
        .map(|x| x.1);
    drv.converge(
        sched,
        Input::SetOrigin {
            origin,
            sessions: ses,
        },
        10_000_000,
        SimDuration::from_secs(100_000),
    )
    .map_err(|e| e.to_string())
}

/// Adds in-band local-pref overrides (within the class of the route, so
/// Gao-Rexford safety and a unique stable state hold) to some origins.
fn with_overrides(g: &AsGraph, mut ann: Announcement, picks: &[(u8, u8)]) -> Announcement {
    for (k, o) in ann.origins.iter_mut().enumerate() {
        let Some(&(pick, band)) = picks.get(k) else {
            continue;
        };
        let oi = g.idx(o.asn).unwrap();
        let nbs: Vec<(AsIdx, crate::topology::Rel)> = g.neighbours(oi).collect();
        if nbs.is_empty() || pick % 3 == 0 {
            continue;
        }
        let (nb, rel) = nbs[pick as usize % nbs.len()];
        // What the origin is to the neighbour decides the class there.
        let class = match rel {
            crate::topology::Rel::Customer => Learned::Provider,
            crate::topology::Rel::Provider => Learned::Customer,
            _ => Learned::Peer,
        };
        let lp = class.local_pref() + (band as u32 % 100);
        if let Some(ov) = o.neighbours.iter_mut().find(|v| v.neighbour == g.asn(nb)) {
            ov.local_pref = Some(lp);
        } else {
            o.neighbours.push(NeighbourOverride {
                neighbour: g.asn(nb),
                prepend: None,
                no_export: None,
                local_pref: Some(lp),
            });
        }
    }
    ann
}

/// Graph `c` without the link between `a` and `b`.
fn without_link(c: &Case, a: u32, b: u32) -> AsGraph {
    let mut c2 = c.clone();
    c2.links
        .retain(|&(x, y, _)| !((x == a && y == b) || (x == b && y == a)));
    build(&c2).0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// After quiescence the event-driven state equals the static solver's
    /// (class, AS path, origin at every AS), from a cold start and after
    /// every step of a sequence of withdrawals, re-announcements, prepend
    /// changes, link failures and repairs, import local-pref changes of an
    /// AS toward one neighbour (within the class), with in-band local-pref
    /// overrides, MRAI on or off (advertisements only or withdrawals too).
    #[test]
    fn quiescent_state_equals_static_solver(
        c in case(),
        ops in prop::collection::vec((0u8..5, any::<u8>(), 0u8..4), 0..6),
        overrides in prop::collection::vec((any::<u8>(), any::<u8>()), 0..3),
        mrai in prop::sample::select(vec![0u64, 5, 30]),
        mrai_w in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (g, ann0) = build(&c);
        let ann0 = with_overrides(&g, ann0, &overrides);
        let tiebreak = c.router_id.map_or(TieBreak::LowestAsn, |seed| TieBreak::RouterId { seed });
        let (cfg, delays) = knobs(mrai, mrai_w, seed, tiebreak);
        let net = Network::new(&g, cfg);
        let mut drv = Driver::new(net, delays, &Streams::new(seed));
        let mut sched = Scheduler::new();
        announce_all(&mut drv, &mut sched, &g, &ann0).unwrap();
        let want = static_state(&g, &ann0, tiebreak);
        let diff = first_diff(&g, &dyn_state(&drv.net), &want);
        prop_assert!(diff.is_none(), "cold start (seed {}): {}", seed, diff.unwrap());
        prop_assert!(!drv.net.pending_mrai());
        drv.net.check_out_state();

        let mut ann = ann0.clone();
        let mut down: Option<(u32, u32)> = None;
        // Import local-prefs in force: (AS, neighbour, offset in class).
        let mut prefs: Vec<(u32, u32, i32)> = Vec::new();
        for (step, &(kind, pick, val)) in ops.iter().enumerate() {
            // Let MRAI timers lapse between events, as between real events.
            let t = sched.now() + SimDuration::from_secs(1000);
            sched.schedule_at(t, Event::Wake);
            drv.run(&mut sched, crate::engine::Budget::until(SimTime::MAX)).unwrap();
            let k = pick as usize % ann0.origins.len();
            let asn = ann0.origins[k].asn;
            let oi = g.idx(asn).unwrap();
            let mut graph_now = None;
            match kind {
                0 => {
                    // Withdraw (if still announced and not the last origin).
                    if ann.origins.len() > 1 && let Some(p) = ann.origins.iter().position(|o| o.asn == asn) {
                        ann.origins.remove(p);
                    }
                    set(&mut drv, &mut sched, &g, &ann, oi).unwrap();
                }
                1 => {
                    // Re-announce with the original policy.
                    if !ann.origins.iter().any(|o| o.asn == asn) {
                        ann.origins.push(ann0.origins[k].clone());
                    }
                    set(&mut drv, &mut sched, &g, &ann, oi).unwrap();
                }
                2 => {
                    if let Some(o) = ann.origins.iter_mut().find(|o| o.asn == asn) {
                        o.prepend = val;
                    }
                    set(&mut drv, &mut sched, &g, &ann, oi).unwrap();
                }
                4 => {
                    // An AS re-ranks one neighbour within its class (or
                    // goes back to the default).
                    if !c.links.is_empty() {
                        let (x, y, _) = c.links[pick as usize % c.links.len()];
                        let (x, y) = if val % 2 == 0 { (x, y) } else { (y, x) };
                        if x != y {
                            let rel = g.rel(AsIdx(x), AsIdx(y)).unwrap();
                            let lp = if let Some(p) = prefs.iter().position(|p| (p.0, p.1) == (x, y)) {
                                prefs.remove(p);
                                None
                            } else {
                                let off = (pick as i32 % 98) - 49;
                                let off = if off == 0 { 17 } else { off };
                                prefs.push((x, y, off));
                                Some((Learned::from_rel(rel).local_pref() as i32 + off) as u32)
                            };
                            drv.converge(&mut sched, Input::LocalPref { asn: AsIdx(x), neighbour: AsIdx(y), local_pref: lp }, 10_000_000, SimDuration::from_secs(100_000)).unwrap();
                        }
                    }
                }
                _ => {
                    // A link not touching an origin fails, or the failed one comes back.
                    if let Some((a, b)) = down.take() {
                        drv.converge(&mut sched, Input::Link { a: AsIdx(a), b: AsIdx(b), up: true }, 10_000_000, SimDuration::from_secs(100_000)).unwrap();
                    } else if !c.links.is_empty() {
                        let (x, y, _) = c.links[pick as usize % c.links.len()];
                        let (a, b) = (x.min(y), x.max(y));
                        let is_origin = |i: u32| ann0.origins.iter().any(|o| g.idx(o.asn) == Some(AsIdx(i)));
                        if a != b && !is_origin(a) && !is_origin(b) {
                            drv.converge(&mut sched, Input::Link { a: AsIdx(a), b: AsIdx(b), up: false }, 10_000_000, SimDuration::from_secs(100_000)).unwrap();
                            down = Some((a, b));
                        }
                    }
                }
            }
            if let Some((a, b)) = down {
                graph_now = Some(without_link(&c, a, b));
            }
            let gs = graph_now.as_ref().unwrap_or(&g);
            let mut ann_now = ann.clone();
            ann_now.import_local_pref = prefs
                .iter()
                .filter_map(|&(x, y, off)| {
                    let rel = gs.rel(AsIdx(x), AsIdx(y))?;
                    Some(ImportLocalPref {
                        asn: gs.asn(AsIdx(x)),
                        neighbour: gs.asn(AsIdx(y)),
                        local_pref: (Learned::from_rel(rel).local_pref() as i32 + off) as u32,
                    })
                })
                .collect();
            let want = static_state(gs, &ann_now, tiebreak);
            let diff = first_diff(&g, &dyn_state(&drv.net), &want);
            prop_assert!(diff.is_none(), "after step {} {:?} (seed {}): {}", step, (kind, pick, val), seed, diff.unwrap());
            drv.net.check_out_state();
        }
    }
}

/// Warm start: installing the static solution gives a state that the
/// protocol leaves alone, and a withdrawal from it converges to the static
/// state without the withdrawn origin, as from a cold start.
#[test]
fn warm_start_is_quiescent_and_matches_cold_start_after_a_withdrawal() {
    let cities = crate::geo::Cities::embedded();
    for seed in 0..6u64 {
        let w = crate::topology::generate::generate(300, seed, &cities).unwrap();
        let g = &w.graph;
        let stubs: Vec<AsIdx> = g.indices().filter(|&i| g.customers(i).is_empty()).collect();
        let origins: Vec<Asn> = (0..4)
            .map(|k| g.asn(stubs[(k * 37 + seed as usize * 11) % stubs.len()]))
            .collect();
        let ann = Announcement::from_origins(origins.clone());
        let routes = solve(g, &ann, &SolveOptions::default()).unwrap();
        let sessions = origin_sessions(routes.sessions());
        let mut warm = Network::new(g, SpeakerConfig::default());
        warm.install(&sessions, |i| {
            routes.route(i).map(|r| (r.next_hop, r.learned))
        });
        let mut drv = Driver::new(warm, Delays::default(), &Streams::new(seed));
        let mut sched = Scheduler::new();
        assert_eq!(
            first_diff(
                g,
                &dyn_state(&drv.net),
                &static_state(g, &ann, TieBreak::LowestAsn)
            ),
            None
        );
        // Cold network for comparison.
        let mut cold = Driver::new(
            Network::new(g, SpeakerConfig::default()),
            Delays::default(),
            &Streams::new(seed),
        );
        let mut cs = Scheduler::new();
        announce_all(&mut cold, &mut cs, g, &ann).unwrap();
        let less = Announcement::from_origins(origins[1..].iter().copied());
        let wo = g.idx(origins[0]).unwrap();
        let conv = set(&mut drv, &mut sched, g, &less, wo).unwrap();
        set(&mut cold, &mut cs, g, &less, wo).unwrap();
        let want = static_state(g, &less, TieBreak::LowestAsn);
        assert_eq!(
            first_diff(g, &dyn_state(&drv.net), &want),
            None,
            "warm, seed {seed}"
        );
        assert_eq!(
            first_diff(g, &dyn_state(&cold.net), &want),
            None,
            "cold, seed {seed}"
        );
        assert!(conv.counters.processed > 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// On generated worlds (src/topology/generate.rs): after quiescence every
    /// router's egress (neighbour and handover city, by hot potato among
    /// the equal-best sessions) equals `egress::egress` on the static routes,
    /// before and after an origin is withdrawn.
    #[test]
    fn per_router_egress_equals_static_on_generated_worlds(
        n in 60usize..200,
        wseed in 0u64..1000,
        k in 1usize..5,
        mrai in prop::sample::select(vec![0u64, 30]),
    ) {
        let cities = crate::geo::Cities::embedded();
        let w = crate::topology::generate::generate(n, wseed, &cities).unwrap();
        let g = &w.graph;
        let pick: Vec<Asn> = (0..k).map(|j| g.asn(AsIdx(((wseed as usize * 7 + j * 13) % g.len()) as u32))).collect();
        let mut origins = pick.clone();
        origins.sort();
        origins.dedup();
        let ann = Announcement::from_origins(origins.clone());
        let (cfg, delays) = knobs(mrai, false, wseed, TieBreak::LowestAsn);
        let mut drv = Driver::new(Network::new(g, cfg), delays, &Streams::new(wseed));
        let mut sched = Scheduler::new();
        announce_all(&mut drv, &mut sched, g, &ann).unwrap();
        let mut cur = ann.clone();
        for round in 0..2 {
            let routes = solve(g, &cur, &SolveOptions::default()).unwrap();
            let d = first_diff(g, &dyn_state(&drv.net), &static_state(g, &cur, TieBreak::LowestAsn));
            prop_assert!(d.is_none(), "round {}: {}", round, d.unwrap());
            for v in g.indices() {
                for &city in w.geography.footprint(v) {
                    let s = egress::egress(g, &routes, &w.geography, &cities, v, city).map(|e| (e.neighbour, e.city));
                    let dy = drv.net.egress(&w.geography, &cities, v, city).map(|e| (e.0, e.1));
                    prop_assert_eq!(dy, s, "round {} router ({}, {:?})", round, g.asn(v), city);
                }
            }
            if cur.origins.len() < 2 {
                break;
            }
            let gone = cur.origins.remove(0).asn;
            set(&mut drv, &mut sched, g, &cur, g.idx(gone).unwrap()).unwrap();
        }
    }
}

/// A cold announcement then, an hour later, a withdrawal of a
/// single-origin prefix on a generated world: (T_up, T_down, updates up,
/// updates down).
fn up_down(n: usize, seed: u64, mrai_s: u64, wrate: bool) -> (f64, f64, u64, u64) {
    let cities = crate::geo::Cities::embedded();
    let w = crate::topology::generate::generate(n, seed, &cities).unwrap();
    let g = &w.graph;
    let stubs: Vec<AsIdx> = g
        .indices()
        .filter(|&i| g.customers(i).is_empty() && g.providers(i).len() >= 2)
        .collect();
    let o = stubs[seed as usize % stubs.len()];
    let (cfg, delays) = knobs(mrai_s, wrate, seed, TieBreak::LowestAsn);
    let mut drv = Driver::new(Network::new(g, cfg), delays, &Streams::new(seed));
    let mut sched = Scheduler::new();
    let ann = Announcement::from_origins([g.asn(o)]);
    let up = set(&mut drv, &mut sched, g, &ann, o).unwrap();
    // Long after: every MRAI timer has lapsed.
    sched.schedule_at(sched.now() + SimDuration::from_secs(3600), Event::Wake);
    drv.run(&mut sched, crate::engine::Budget::until(SimTime::MAX))
        .unwrap();
    let down = drv
        .converge(
            &mut sched,
            Input::SetOrigin {
                origin: o,
                sessions: None,
            },
            10_000_000,
            SimDuration::from_secs(100_000),
        )
        .unwrap();
    assert!(
        g.indices().all(|i| drv.net.route(i).is_none()),
        "withdrawn everywhere"
    );
    (
        up.time.as_secs_f64(),
        down.time.as_secs_f64(),
        up.counters.advertisements + up.counters.withdrawals,
        down.counters.advertisements + down.counters.withdrawals,
    )
}

/// Labovitz et al. 2000 (SIGCOMM, "Delayed Internet routing convergence"):
/// with MRAI applied to every update (withdrawals too, as the routers of
/// that time did: the WRATE switch), a withdrawal (T_down) takes longer to
/// converge than an announcement (T_up): the withdrawal makes ASes explore
/// ever longer backup paths, each step waiting an MRAI round.
#[test]
fn withdrawal_converges_slower_than_announcement_with_mrai() {
    for seed in 1..6 {
        let (up, down, nu, nd) = up_down(400, seed, 30, true);
        eprintln!("seed {seed}: T_up {up:.3} s ({nu} updates), T_down {down:.3} s ({nd} updates)");
        assert!(down > up, "seed {seed}: T_down {down} <= T_up {up}");
        assert!(
            nd > nu,
            "seed {seed}: path exploration sends more updates than the announcement"
        );
    }
}

/// With RFC 4271 MRAI (advertisements only), on valley-free topologies the
/// withdrawal outruns path exploration: backup paths are exported to fewer
/// neighbours (peer and provider routes go to customers only, so a change
/// is a withdrawal toward peers and providers), and withdrawals are not
/// delayed. T_down stays well under one MRAI interval while T_up waits for
/// at least one (a better path arriving after a worse one was sent).
#[test]
fn rfc_mrai_lets_withdrawals_outrun_exploration_on_valley_free_graphs() {
    for seed in 1..4 {
        let (up, down, _, _) = up_down(400, seed, 30, false);
        assert!(
            down < 0.75 * 30.0 && up >= 0.75 * 30.0,
            "seed {seed}: T_up {up}, T_down {down}"
        );
    }
}

/// MRAI 0 vs 30 s: without MRAI more updates are sent (every transient
/// route goes out) and convergence is faster (no waiting; no CPU
/// contention is modelled, so Griffin & Premore's slow-down at very small
/// MRAI does not appear). Checked on the announcement (RFC MRAI) and on
/// the withdrawal (WRATE).
#[test]
fn mrai_zero_sends_more_updates_and_converges_faster() {
    for seed in 1..5 {
        let (u0, _, nu0, _) = up_down(400, seed, 0, false);
        let (u30, _, nu30, _) = up_down(400, seed, 30, false);
        eprintln!(
            "seed {seed}: announcement MRAI 0: {u0:.3} s, {nu0} updates; MRAI 30: {u30:.3} s, {nu30} updates"
        );
        assert!(nu0 > nu30, "seed {seed}: updates {nu0} vs {nu30}");
        assert!(u0 < u30, "seed {seed}: time {u0} vs {u30}");
        let (_, d0, _, nd0) = up_down(400, seed, 0, true);
        let (_, d30, _, nd30) = up_down(400, seed, 30, true);
        eprintln!(
            "seed {seed}: withdrawal MRAI 0: {d0:.3} s, {nd0} updates; MRAI 30: {d30:.3} s, {nd30} updates"
        );
        assert!(nd0 > nd30 && d0 < d30, "seed {seed}");
    }
}

/// Path exploration, computed by hand. All links provider -> customer;
/// 5 originates; every UPDATE takes d = 3 ms (2 ms link, 1 ms processing,
/// no iBGP delay); MRAI 0.
///
/// ```text
///        1
///       / \
///      2   3
///      |   |
///      |   4
///       \ /
///        5  (origin)
/// ```
///
/// Converged: 2 [2 5], 4 [4 5], 3 [3 4 5], 1 [1 2 5] (shorter than
/// [1 3 4 5]); 3 also holds the provider route [1 2 5] from 1 (a lower
/// class) and 1 holds [3 4 5] from 3. When 5 withdraws:
///
/// - 0:  5 withdraws to 2 and 4.
/// - d:  2 and 4 have no other route (1 and 3 do not send them paths that
///   hold them): both withdraw, to 1 and to 3.
/// - 2d: 1 falls back to the stale [3 4 5] -> [1 3 4 5], sends it to 2 and
///   withdraws toward 3 (3 is on the path); 3 falls back to the stale
///   provider route [1 2 5] -> [3 1 2 5], sends it to its customer 4 and
///   withdraws toward its provider 1 (valley-free).
/// - 3d: 2 takes [2 1 3 4 5] and 4 takes [4 3 1 2 5] (provider routes,
///   exported to no one: 5 is on the path); 1 and 3 hear each other's
///   withdrawal and have nothing left: they withdraw to 2 and 4.
/// - 4d: 2 and 4 lose their transient routes. Converged at 4d = 12 ms,
///   with 2 advertisements and 8 withdrawals.
#[test]
fn hand_made_path_exploration_sequence() {
    let mut b = AsGraphBuilder::new();
    for (p, c) in [(1, 2), (1, 3), (3, 4), (2, 5), (4, 5)] {
        b.add_link(Asn(p), Asn(c), LinkRel::ProviderToCustomer);
    }
    let (g, _) = b.build();
    let i = |a: u32| g.idx(Asn(a)).unwrap();
    let cfg = SpeakerConfig {
        mrai_ns: 0,
        ..Default::default()
    };
    let delays = Delays {
        link: SimDuration::from_millis(2),
        ibgp: SimDuration::ZERO,
        processing_min: SimDuration::from_millis(1),
        processing_max: SimDuration::from_millis(1),
    };
    let mut drv = Driver::new(Network::new(&g, cfg), delays, &Streams::new(0));
    let mut sched = Scheduler::new();
    let ann = Announcement::from_origins([Asn(5)]);
    set(&mut drv, &mut sched, &g, &ann, i(5)).unwrap();
    let p = |v: &[u32]| v.iter().map(|&a| i(a)).collect::<Vec<_>>();
    assert_eq!(drv.net.route(i(1)).unwrap().path, p(&[1, 2, 5]));
    assert_eq!(drv.net.route(i(3)).unwrap().path, p(&[3, 4, 5]));
    sched.schedule_at(SimTime::from_nanos(1_000_000_000), Event::Wake);
    drv.run(&mut sched, crate::engine::Budget::until(SimTime::MAX))
        .unwrap();
    drv.route_log = Some(Vec::new());
    let t0 = sched.now();
    let conv = drv
        .converge(
            &mut sched,
            Input::SetOrigin {
                origin: i(5),
                sessions: None,
            },
            1000,
            SimDuration::from_secs(10),
        )
        .unwrap();
    let d = 3_000_000u64;
    let mut log: Vec<(u64, u32, Vec<u32>)> = drv
        .route_log
        .take()
        .unwrap()
        .into_iter()
        .map(|(t, a, path)| {
            (
                (t.as_nanos() - t0.as_nanos()) / d,
                g.asn(a).0,
                path.iter().map(|&x| g.asn(x).0).collect(),
            )
        })
        .collect();
    log.sort();
    let want: Vec<(u64, u32, Vec<u32>)> = vec![
        (0, 5, vec![]),
        (1, 2, vec![]),
        (1, 4, vec![]),
        (2, 1, vec![1, 3, 4, 5]),
        (2, 3, vec![3, 1, 2, 5]),
        (3, 1, vec![]),
        (3, 2, vec![2, 1, 3, 4, 5]),
        (3, 3, vec![]),
        (3, 4, vec![4, 3, 1, 2, 5]),
        (4, 2, vec![]),
        (4, 4, vec![]),
    ];
    assert_eq!(log, want);
    assert_eq!(conv.time, SimDuration::from_millis(12));
    assert_eq!(
        (conv.counters.advertisements, conv.counters.withdrawals),
        (2, 8)
    );
}

/// The budget turns a run that does not settle into a typed error.
#[test]
fn budget_exhaustion_is_a_typed_error() {
    let cities = crate::geo::Cities::embedded();
    let w = crate::topology::generate::generate(200, 3, &cities).unwrap();
    let g = &w.graph;
    let mut drv = Driver::new(
        Network::new(g, SpeakerConfig::default()),
        Delays::default(),
        &Streams::new(1),
    );
    let mut sched = Scheduler::new();
    let s = Announcement::from_origins([g.asn(AsIdx(150))])
        .compile(g)
        .unwrap();
    let (o, ses) = origin_sessions(&s).remove(0);
    let err = drv
        .converge(
            &mut sched,
            Input::SetOrigin {
                origin: o,
                sessions: Some(ses.clone()),
            },
            10,
            SimDuration::from_secs(100),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            dynamic::DynError::NoConvergence {
                reason: "event budget exhausted",
                ..
            }
        ),
        "{err}"
    );
    let mut drv = Driver::new(
        Network::new(g, SpeakerConfig::default()),
        Delays::default(),
        &Streams::new(1),
    );
    let mut sched = Scheduler::new();
    let err = drv
        .converge(
            &mut sched,
            Input::SetOrigin {
                origin: o,
                sessions: Some(ses),
            },
            u64::MAX,
            SimDuration::from_millis(5),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            dynamic::DynError::NoConvergence {
                reason: "time budget exhausted",
                ..
            }
        ),
        "{err}"
    );
}

/// Same seed, same run: the sequence of best-route changes (time, AS,
/// path) and the counters are identical; another seed moves the times.
#[test]
fn same_seed_same_run() {
    let cities = crate::geo::Cities::embedded();
    let w = crate::topology::generate::generate(300, 4, &cities).unwrap();
    let g = &w.graph;
    let origins: Vec<Asn> = [10u32, 120, 250].iter().map(|&i| g.asn(AsIdx(i))).collect();
    let ann = Announcement::from_origins(origins.clone());
    let less = Announcement::from_origins(origins[1..].iter().copied());
    let run = |seed: u64| {
        let mut drv = Driver::new(
            Network::new(g, SpeakerConfig::default()),
            Delays::default(),
            &Streams::new(seed),
        );
        let mut sched = Scheduler::new();
        drv.route_log = Some(Vec::new());
        announce_all(&mut drv, &mut sched, g, &ann).unwrap();
        set(&mut drv, &mut sched, g, &less, g.idx(origins[0]).unwrap()).unwrap();
        (drv.route_log.take().unwrap(), drv.net.counters)
    };
    let (a, ca) = run(5);
    let (b, cb) = run(5);
    assert_eq!((&a, ca), (&b, cb));
    let (c, _) = run(6);
    assert_ne!(a, c, "the processing-delay stream depends on the seed");
}

/// Clock-free use of the speakers (no engine): MRAI is per session, so a
/// new per-city session of the origin advertises at once even while the
/// timer of another session with the same neighbour runs; a second
/// advertisement on one session waits for its timer (an `Arm` effect).
#[test]
fn mrai_is_per_session_and_a_timer_is_data() {
    use super::speaker::{Effect, NO_CITY, OriginSession, Timer};
    use crate::geo::CityId;
    let mut b = AsGraphBuilder::new();
    b.add_link(Asn(2), Asn(1), LinkRel::ProviderToCustomer);
    let (g, _) = b.build();
    let (o, p) = (g.idx(Asn(1)).unwrap(), g.idx(Asn(2)).unwrap());
    let ses = |city: u32, prepend: u32| OriginSession {
        neighbour: p,
        city: Some(CityId(city)),
        prepend,
        no_export: false,
        local_pref: None,
    };
    let mut net = Network::new(&g, SpeakerConfig::default());
    let sends = |eff: &[Effect]| -> Vec<(u32, bool)> {
        eff.iter()
            .filter_map(|e| match e {
                Effect::Send { update: u, .. } => Some((u.city, u.advert.is_withdrawal())),
                _ => None,
            })
            .collect()
    };
    let mut out = Vec::new();
    net.handle(
        0,
        Input::SetOrigin {
            origin: o,
            sessions: Some(vec![ses(5, 0)]),
        },
        &mut out,
    );
    assert_eq!(sends(&out), vec![(5, false)]);
    out.clear();
    net.handle(
        1_000_000,
        Input::SetOrigin {
            origin: o,
            sessions: Some(vec![ses(5, 0), ses(6, 0)]),
        },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(6, false)],
        "another session: its own timer"
    );
    out.clear();
    net.handle(
        2_000_000,
        Input::SetOrigin {
            origin: o,
            sessions: Some(vec![ses(5, 2), ses(6, 0)]),
        },
        &mut out,
    );
    assert_eq!(sends(&out), vec![]);
    let armed: Vec<_> = out
        .iter()
        .filter_map(|e| {
            if let Effect::Arm { after, timer } = e {
                Some((*after, *timer))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(armed.len(), 1);
    let (after, timer) = armed[0];
    let Timer::Mrai { edge, city } = timer;
    assert_eq!(city, 5);
    // Fires between 0.75 and 1.0 MRAI after the first advertisement.
    assert!(
        (22_500_000_000 - 2_000_000..=30_000_000_000 - 2_000_000).contains(&after),
        "{after}"
    );
    out.clear();
    net.handle(
        2_000_000 + after,
        Input::MraiExpired { edge, city },
        &mut out,
    );
    assert_eq!(sends(&out), vec![(5, false)]);
    // Withdrawals are not rate-limited (RFC 4271).
    out.clear();
    net.handle(
        2_000_000 + after + 1,
        Input::SetOrigin {
            origin: o,
            sessions: Some(vec![ses(6, 0)]),
        },
        &mut out,
    );
    assert_eq!(sends(&out), vec![(5, true)]);
    assert_ne!(city, NO_CITY);
}

/// Queue entries move through the radix levels by value: a delivery must
/// stay 32 bytes (queue entry 48 with the time and sequence number). The
/// receiving AS rides in what was the enum tag's padding.
#[test]
fn queued_delivery_is_32_bytes() {
    assert_eq!(std::mem::size_of::<super::speaker::Update>(), 28);
    assert_eq!(std::mem::size_of::<dynamic::Event>(), 32);
}

/// The decision scans read only the edges holding a route (the live bits
/// of each AS): they follow every aggregate change, on a hand-made
/// topology. All links provider -> customer; 5 originates; MRAI 0.
///
/// ```text
///        1
///      / | \
///     2  3  4
///      \ | /
///        5  (origin)
/// ```
///
/// Converged: 2, 3, 4 hold [x 5] from 5 and send it to 1; 1 picks [1 2 5]
/// (lowest neighbour) and sends it to 3 and 4 (not to 2: on the path). So
/// 1 holds routes from 2, 3, 4; 2 from 5 only; 3 and 4 from 5 and 1; 5
/// from nobody (no one sends an AS a path holding it). When the link 2-5
/// goes down, 1 moves to [1 3 5]: 2 holds 1's route only, 3 loses it, 4
/// keeps it; 1 loses 2's. When 5 withdraws, no AS holds anything.
#[test]
fn live_bits_mark_exactly_the_edges_with_a_route() {
    let mut b = AsGraphBuilder::new();
    for (p, c) in [(1, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)] {
        b.add_link(Asn(p), Asn(c), LinkRel::ProviderToCustomer);
    }
    let (g, _) = b.build();
    let i = |a: u32| g.idx(Asn(a)).unwrap();
    let cfg = SpeakerConfig {
        mrai_ns: 0,
        ..Default::default()
    };
    let mut drv = Driver::new(Network::new(&g, cfg), Delays::default(), &Streams::new(0));
    let mut sched = Scheduler::new();
    // The neighbours (ASNs) whose edge of `a` is marked live.
    let live = |net: &Network, a: u32| -> Vec<u32> {
        let mut v: Vec<u32> = net
            .live_edges(i(a))
            .into_iter()
            .map(|e| g.asn(net.far(e)).0)
            .collect();
        v.sort_unstable();
        v
    };
    let all = |net: &Network| (1..=5).map(|a| live(net, a)).collect::<Vec<_>>();
    let ann = Announcement::from_origins([Asn(5)]);
    set(&mut drv, &mut sched, &g, &ann, i(5)).unwrap();
    drv.net.check_out_state();
    assert_eq!(
        all(&drv.net),
        vec![vec![2, 3, 4], vec![5], vec![1, 5], vec![1, 5], vec![]]
    );
    let scanned = drv.net.counters.scanned;
    drv.converge(
        &mut sched,
        Input::Link {
            a: i(2),
            b: i(5),
            up: false,
        },
        1000,
        SimDuration::from_secs(10),
    )
    .unwrap();
    drv.net.check_out_state();
    assert_eq!(drv.net.route(i(1)).unwrap().next_hop, Some(i(3)));
    assert_eq!(
        all(&drv.net),
        vec![vec![3, 4], vec![1], vec![5], vec![1, 5], vec![]]
    );
    // Scans read live edges only: 2 lost its best and held nothing else
    // (0 read), 1 lost its best and read {3, 4}, 2 had no route when 1's
    // arrived and read {1}; 3 and 4 changed a non-best edge (no scan).
    // Over every edge it would be 2 + 3 + 2.
    assert_eq!(drv.net.counters.scanned - scanned, 3);
    let none = Announcement::from_origins(std::iter::empty::<Asn>());
    set(&mut drv, &mut sched, &g, &none, i(5)).unwrap();
    drv.net.check_out_state();
    assert_eq!(all(&drv.net), vec![Vec::<u32>::new(); 5]);
}
