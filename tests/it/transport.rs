//! Transport, capacity and attacks end to end through `cdnsim run`.

use super::{cdnsim, quickstart_without_world, stderr, tmp};
use serde_json::Value;
use std::path::Path;

fn run(scenario: &str, out: &Path, sets: &[&str]) -> Value {
    let mut args = vec!["run", scenario, "--quiet", "--out", out.to_str().unwrap()];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    let r = cdnsim(&args);
    assert!(r.status.success(), "{sets:?}: {}", stderr(&r));
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// (pop, attack_offered, attack_dropped, dropped) summed over pop_load.csv.
fn pop_totals(dir: &Path) -> Vec<(String, u64, u64, u64)> {
    let mut r = csv::Reader::from_path(dir.join("pop_load.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (p, ao, ad, d) = (
        col("pop"),
        col("attack_offered"),
        col("attack_dropped"),
        col("dropped"),
    );
    let mut out: Vec<(String, u64, u64, u64)> = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let n = |i: usize| rec[i].parse::<u64>().unwrap();
        match out.iter_mut().find(|x| x.0 == rec[p]) {
            Some(x) => {
                x.1 += n(ao);
                x.2 += n(ad);
                x.3 += n(d);
            }
            None => out.push((rec[p].to_string(), n(ao), n(ad), n(d))),
        }
    }
    out
}

/// scenarios/ddos.toml: an attack of 4,000 requests/s, twice one PoP's
/// capacity (2,000/s), from bots on five continents. Aimed at the anycast
/// address, BGP spreads it over eight catchments, each below capacity:
/// nothing is dropped anywhere. Aimed at fra's unicast address, fra alone
/// gets all of it and drops about half (4,000 + its clients' ~100/s
/// offered to 2,000/s); legitimate clients of fra lose requests, every
/// other PoP is untouched. Nearest-PoP (DNS-style) steering spreads it
/// like anycast.
#[test]
fn ddos_anycast_absorbs_what_one_unicast_pop_cannot() {
    let base = tmp("ddos");
    let short = ["duration=40s", "warmup=5s", "output.interval=5s"];
    let any = base.join("anycast");
    let s = run("scenarios/ddos.toml", &any, &short);
    let cap = &s["capacity"];
    assert_eq!(cap["overloaded_pops"], serde_json::json!([]), "{cap}");
    assert_eq!(cap["dropped"], 0);
    assert_eq!(cap["attack_dropped"], 0);
    let attack = cap["attack_requests"].as_u64().unwrap();
    // 4,000/s over the 30 s the attack runs after warmup (10 s to 40 s).
    assert!((attack as f64 / 120_000.0 - 1.0).abs() < 0.02, "{attack}");
    let totals = pop_totals(&any);
    let hit: Vec<_> = totals.iter().filter(|t| t.1 > 0).collect();
    assert!(hit.len() >= 6, "attack spread over {} PoPs", hit.len());
    assert!(cap["max_utilisation"].as_f64().unwrap() < 1.0);
    let any_queue = s["latency_by_class"]["hit"]["mean_breakdown_ms"]["queueing"]
        .as_f64()
        .unwrap();

    let uni = base.join("unicast");
    let mut sets = short.to_vec();
    sets.push("attacks[0].target=pop:fra");
    let s = run("scenarios/ddos.toml", &uni, &sets);
    let cap = &s["capacity"];
    assert_eq!(cap["overloaded_pops"], serde_json::json!(["fra"]), "{cap}");
    let offered = cap["attack_requests"].as_f64().unwrap();
    let dropped = cap["attack_dropped"].as_f64().unwrap();
    assert!(
        (0.4..0.6).contains(&(dropped / offered)),
        "{dropped} of {offered}"
    );
    assert!(
        cap["dropped"].as_u64().unwrap() > 0,
        "fra's clients lose requests"
    );
    for (pop, ao, ad, d) in pop_totals(&uni) {
        if pop != "fra" {
            assert_eq!((ao, ad, d), (0, 0, 0), "{pop}");
        }
    }
    let uni_queue = s["latency_by_class"]["hit"]["mean_breakdown_ms"]["queueing"]
        .as_f64()
        .unwrap();
    assert!(uni_queue > any_queue + 1.0, "{uni_queue} vs {any_queue}");

    let near = base.join("nearest");
    let mut sets = short.to_vec();
    sets.push("cdn.steering=nearest");
    let s = run("scenarios/ddos.toml", &near, &sets);
    assert_eq!(s["capacity"]["overloaded_pops"], serde_json::json!([]));
    std::fs::remove_dir_all(base).unwrap();
}

/// Mean breakdown of hits with no loss: every step of a cold connection is
/// a whole number of the same request's RTT, so the means keep the
/// protocol's ratios exactly: TLS 1.2 = (connect, tls) = (1, 2) x request,
/// QUIC = (1, 0) x request; all warm: no setup at all.
#[test]
fn breakdown_keeps_the_protocols_round_trips() {
    let dir = tmp("transport-breakdown");
    let f = dir.join("s.toml");
    std::fs::write(&f, quickstart_without_world()).unwrap();
    let f = f.to_str().unwrap();
    let common = [
        "duration=20s",
        "warmup=2s",
        "transport.model=per-request",
        "transport.clients.loss=0",
        "transport.clients.resumption=0",
    ];
    let steps = |sets: &[&str], out: &str| {
        let mut all = common.to_vec();
        all.extend_from_slice(sets);
        let s = run(f, &dir.join(out), &all);
        assert_eq!(s["transport"], "per-request");
        let b = &s["latency_by_class"]["hit"]["mean_breakdown_ms"];
        let g = |k: &str| b[k].as_f64().unwrap();
        (g("connect"), g("tls"), g("request"))
    };
    let cold = "transport.clients.warm_share=0";
    let (c, t, r) = steps(
        &[
            cold,
            "transport.clients.protocols={\"tcp-tls1.2\" = \"100%\"}",
        ],
        "tls12",
    );
    assert!(r > 5.0);
    assert!(
        (c - r).abs() < 0.002 && (t - 2.0 * r).abs() < 0.003,
        "{c} {t} {r}"
    );
    let (c, t, r) = steps(
        &[cold, "transport.clients.protocols={quic = \"100%\"}"],
        "quic",
    );
    assert!((c - r).abs() < 0.002 && t == 0.0, "{c} {t} {r}");
    let (c, t, _) = steps(&["transport.clients.warm_share=100%"], "warm");
    assert_eq!((c, t), (0.0, 0.0));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Edge compute on an all-dynamic catalog: a fixed 5 ms function adds
/// 5 ms to every dynamic request's server time (same seed); answering at
/// the edge removes every origin request.
#[test]
fn edge_compute_adds_its_time_and_can_answer_at_the_edge() {
    let dir = tmp("transport-compute");
    let f = dir.join("s.toml");
    let text = quickstart_without_world().replace(
        "share = \"100%\"\n",
        "share = \"100%\"\ncacheable = \"0%\"\n",
    );
    assert!(text.contains("cacheable = \"0%\""));
    std::fs::write(&f, text).unwrap();
    let f = f.to_str().unwrap();
    let short = ["duration=20s", "warmup=2s"];
    let server = |s: &Value| {
        s["latency_by_class"]["dynamic"]["mean_breakdown_ms"]["server"]
            .as_f64()
            .unwrap()
    };
    let plain = run(f, &dir.join("plain"), &short);
    let mut sets = short.to_vec();
    sets.push("cdn.compute={ median = \"5ms\" }");
    let fn5 = run(f, &dir.join("fn"), &sets);
    assert_eq!(fn5["edge_compute"]["invocations"], fn5["requests"]);
    assert_eq!(fn5["edge_compute"]["cold_starts"], 0);
    // The function delays each fetch by 5 ms, so fetches (and their
    // jitter draws from one stream) interleave in another order: the same
    // draws, partly assigned to other requests (warmup boundary included),
    // so the means agree to within a few microseconds, not exactly.
    let d = server(&fn5) - server(&plain);
    assert!((d - 5.0).abs() < 0.02, "{d}");
    assert_eq!(fn5["origin_requests"], plain["origin_requests"]);
    let mut sets = short.to_vec();
    sets.push("cdn.compute={ median = \"5ms\", origin_fetch = false }");
    let edge = run(f, &dir.join("edge"), &sets);
    assert_eq!(edge["origin_requests"], 0);
    assert!(server(&edge) < server(&plain));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Transport draws, queues and attack streams are seeded: the same
/// (scenario, seed) gives byte-identical files.
#[test]
fn ddos_run_is_deterministic() {
    let base = tmp("ddos-determinism");
    let sets = ["duration=15s", "warmup=2s", "attacks[0].target=pop:fra"];
    let files = |d: &Path| {
        run("scenarios/ddos.toml", d, &sets);
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (files(&base.join("a")), files(&base.join("b")));
    assert_eq!(a.len(), b.len());
    for ((na, fa), (_, fb)) in a.iter().zip(&b) {
        assert!(fa == fb, "{na} differs");
    }
    std::fs::remove_dir_all(base).unwrap();
}

/// One site's row of summary.json's `capacity.upstream`.
fn site<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["capacity"]["upstream"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["site"] == name)
        .unwrap_or_else(|| panic!("no site {name}: {}", s["capacity"]))
}

/// The quickstart without a world, with an origin shield in Ashburn.
fn shielded(dir: &Path) -> String {
    let f = dir.join("s.toml");
    let mut text = quickstart_without_world();
    text.push_str(
        "\n[cdn.tiers]\nmode = \"shield\"\nupper = [{ name = \"shield\", city = \"Ashburn\" }]\n",
    );
    std::fs::write(&f, text).unwrap();
    f.to_str().unwrap().to_string()
}

/// An upper tier with one server, every request uncacheable (so each
/// client request is one fetch through the shield: Poisson arrivals, the
/// edges' constant legs keep them Poisson): the mean wait of the fetches
/// it admits grows with its utilisation as M/D/1 says (W = rho / (2 mu
/// (1 - rho)), deterministic service of 1/mu), and with no waiting room it
/// refuses what finds the server busy: rho / (1 + rho) of the offered
/// fetches (Erlang's loss formula, insensitive to the service
/// distribution), each a failed client request.
#[test]
fn tier_queueing_grows_with_utilisation_and_a_full_room_drops() {
    let dir = tmp("tier-queueing");
    let f = shielded(&dir);
    let short = [
        "duration=20s",
        "warmup=2s",
        "output.interval=2s",
        "clients.rate=500/s",
        "workload.catalogs[0].cacheable=0%",
    ];
    let s = run(&f, &dir.join("free"), &short);
    let sh = site(&s, "shield");
    assert_eq!(sh["limited"], false);
    // Fetches per second reaching the shield (18 measured seconds).
    let lambda = sh["offered"].as_f64().unwrap() / 18.0;
    assert!((lambda / 500.0 - 1.0).abs() < 0.05, "{lambda}");
    assert_eq!(s["tiers"]["freshness"]["failed_requests"], 0);
    let mut last = 0.0;
    for rho in [0.3, 0.6, 0.85] {
        let mu = lambda / rho;
        let lim = format!("cdn.tiers.limits={{requests=\"{mu:.3}/s\", servers=1, queue=100000}}");
        let mut sets = short.to_vec();
        sets.push(&lim);
        let s = run(&f, &dir.join(format!("rho{rho}")), &sets);
        let sh = site(&s, "shield");
        assert_eq!(sh["dropped"], 0);
        let w = sh["mean_wait_ms"].as_f64().unwrap();
        let want = rho / (2.0 * mu * (1.0 - rho)) * 1e3;
        assert!(
            (w / want - 1.0).abs() < 0.25,
            "rho {rho}: wait {w} ms, M/D/1 {want} ms"
        );
        assert!(w > last, "rho {rho}: {w} after {last}");
        last = w;
    }
    let rho = 0.8;
    let lim = format!(
        "cdn.tiers.limits={{requests=\"{:.3}/s\", servers=1, queue=0}}",
        lambda / rho
    );
    let mut sets = short.to_vec();
    sets.push(&lim);
    let s = run(&f, &dir.join("no-room"), &sets);
    let sh = site(&s, "shield");
    let (off, drop) = (
        sh["offered"].as_f64().unwrap(),
        sh["dropped"].as_f64().unwrap(),
    );
    let want = rho / (1.0 + rho);
    assert!(
        (drop / off - want).abs() < 0.03,
        "{drop} of {off}, Erlang {want}"
    );
    assert_eq!(s["capacity"]["upstream_dropped"].as_f64().unwrap(), drop);
    assert_eq!(
        s["capacity"]["overloaded_sites"],
        serde_json::json!(["shield"])
    );
    // Every refused fetch fails its one client request (uncacheable: no
    // coalescing, no stale copy).
    let failed = s["tiers"]["freshness"]["failed_requests"].as_f64().unwrap();
    assert_eq!(failed, drop);
    assert_eq!(s["capacity"]["dropped"], 0, "the PoPs have no limits");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A dynamic attack goes past the PoP to the origin: 3,000/s of
/// uncacheable requests at an origin limited to 2,500/s (which carries the
/// clients' ~1,200 misses/s easily) overload it; the clients' misses are
/// refused with the attack and fail. The same attack on a cached object
/// never reaches the origin.
#[test]
fn a_dynamic_attack_overloads_a_small_origin() {
    let dir = tmp("dynamic-attack");
    let f = dir.join("s.toml");
    let mut text = quickstart_without_world();
    text.push_str(
        "\n[[attacks]]\nname = \"bots\"\nrate = \"3k/s\"\nkind = \"dynamic\"\nstart = \"5s\"\nduration = \"15s\"\nfrom = [{ continent = \"EU\" }, { continent = \"NA\" }]\n",
    );
    std::fs::write(&f, text).unwrap();
    let f = f.to_str().unwrap();
    let short = [
        "duration=20s",
        "warmup=2s",
        "output.interval=1s",
        "origin.limits={requests=\"2500/s\", servers=16, queue=200}",
    ];
    let mut quiet = short.to_vec();
    quiet.push("attacks[0].rate=1/s");
    let s = run(f, &dir.join("quiet"), &quiet);
    let o = site(&s, "origin");
    assert_eq!(
        (o["dropped"].as_u64(), o["limited"].as_bool()),
        (Some(0), Some(true))
    );
    assert!(o["max_utilisation"].as_f64().unwrap() < 0.7, "{o}");

    let s = run(f, &dir.join("dynamic"), &short);
    let o = site(&s, "origin");
    let attack = o["attack_requests"].as_f64().unwrap();
    // 3,000/s over the 15 s of the attack.
    assert!((attack / 45_000.0 - 1.0).abs() < 0.03, "{attack}");
    assert!(o["attack_dropped"].as_f64().unwrap() > 0.2 * attack, "{o}");
    assert!(o["dropped"].as_u64().unwrap() > 1000, "{o}");
    assert!(o["max_utilisation"].as_f64().unwrap() > 0.99, "{o}");
    assert_eq!(
        s["capacity"]["overloaded_sites"],
        serde_json::json!(["origin"])
    );
    let failed = s["tiers"]["freshness"]["failed_requests"].as_u64().unwrap();
    assert!(failed > 1000, "{failed}");
    assert!(s["tiers"]["freshness"]["origin_errors"].as_u64().unwrap() > 1000);

    let mut cached = short.to_vec();
    cached.push("attacks[0].kind=cached");
    let s = run(f, &dir.join("cached"), &cached);
    let o = site(&s, "origin");
    assert_eq!(
        (o["attack_requests"].as_u64(), o["dropped"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(s["capacity"]["attack_requests"].as_u64().unwrap() > 40_000);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Bots go where their group's clients go: one group (Stockholm) and bots
/// in it. Under anycast both land on the group's catchment PoP (nrt in
/// this world: Stockholm's access AS routes there); under `geo` DNS
/// steering the bots resolve through the group's resolver like the
/// clients and both land on fra, the PoP nearest the resolver.
#[test]
fn attack_bots_follow_their_groups_steering() {
    let dir = tmp("bots-steering");
    let sets = [
        "duration=10s",
        "warmup=2s",
        "output.interval=2s",
        "clients.rate=200/s",
        "attacks[0].rate=500/s",
        "attacks[0].start=2s",
        "clients.groups=[{city=\"Stockholm\",weight=1}]",
        "attacks[0].from=[{city=\"Stockholm\"}]",
    ];
    for (mode, pop) in [("anycast", "nrt"), ("geo", "fra")] {
        let out = dir.join(mode);
        let steering = format!("cdn.steering={mode}");
        let mut all = sets.to_vec();
        all.push(&steering);
        run("scenarios/ddos.toml", &out, &all);
        for (p, attack, _, _) in pop_totals(&out) {
            let clients: u64 = {
                let mut r = csv::Reader::from_path(out.join("pop_load.csv")).unwrap();
                let h = r.headers().unwrap().clone();
                let (pc, oc) = (
                    h.iter().position(|c| c == "pop").unwrap(),
                    h.iter().position(|c| c == "offered").unwrap(),
                );
                r.records()
                    .map(|x| x.unwrap())
                    .filter(|x| x[pc] == p)
                    .map(|x| x[oc].parse::<u64>().unwrap())
                    .sum()
            };
            if p == pop {
                assert!(
                    attack > 3000 && clients > 1500,
                    "{mode} {p}: {attack} {clients}"
                );
            } else {
                assert_eq!((attack, clients), (0, 0), "{mode} {p}");
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A refused fetch is an error to the cache that sent it, and the
/// freshness code decides as for an origin outage: with stale-if-error
/// the expired copy answers, without it the client gets an error.
/// 100 objects expiring after 1 s, an origin taking 100/s with no
/// waiting room (it refuses most revalidations).
#[test]
fn a_refused_fetch_is_served_stale_under_stale_if_error() {
    let dir = tmp("refused-stale");
    let f = dir.join("s.toml");
    std::fs::write(&f, quickstart_without_world()).unwrap();
    let f = f.to_str().unwrap();
    let sets = |cc: &str| {
        vec![
            "duration=15s".to_string(),
            "warmup=5s".to_string(),
            "clients.rate=1k/s".to_string(),
            "workload.catalogs[0].objects=100".to_string(),
            format!(
                "workload.catalogs[0].headers=[{{share=\"100%\", cache_control=\"{cc}\", etag=true}}]"
            ),
            "origin.limits={requests=\"100/s\", servers=1, queue=0}".to_string(),
        ]
    };
    let go = |name: &str, cc: &str| {
        let s = sets(cc);
        let r: Vec<&str> = s.iter().map(String::as_str).collect();
        run(f, &dir.join(name), &r)
    };
    let s = go("sie", "public, max-age=1, stale-if-error=600");
    let fr = &s["tiers"]["freshness"];
    let refused = site(&s, "origin")["dropped"].as_u64().unwrap();
    assert!(refused > 1000, "{refused}");
    assert!(fr["stale_if_error_serves"].as_u64().unwrap() > 1000, "{fr}");
    let with = fr["failed_requests"].as_u64().unwrap();
    let s = go("plain", "public, max-age=1");
    let fr = &s["tiers"]["freshness"];
    assert_eq!(fr["stale_if_error_serves"], 0);
    let without = fr["failed_requests"].as_u64().unwrap();
    assert!(without > 1000 && without > 5 * with, "{without} vs {with}");
    std::fs::remove_dir_all(dir).unwrap();
}
