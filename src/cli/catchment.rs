//! `cdnsim catchment SCENARIO`: which PoP answers each client group under
//! anycast, by which path, without running traffic; `--explain PLACE`
//! walks one client's path hop by hop with the routes that lost.

use crate::bgp::egress::{Interconnects, egress, equal_best};
use crate::error::{Error, InputError};
use crate::output::{RunDir, csv_bytes, round};
use crate::scenario::{load_file, validate};
use crate::sim::plan::{Routed, plan};
use crate::topology::Asn;
use crate::world::catchment::{PrefixView, solve_prefix};
use crate::world::prefix::Prefix;
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CatchmentArgs {
    /// Scenario file with a [world].
    pub scenario: PathBuf,
    /// Output folder [default: results/<scenario name>-catchment].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override any scenario key (repeatable).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
    /// Explain one client's anycast path: a city (`Stockholm`), a client AS
    /// (`AS3320`), or both (`AS3320@Berlin`). Prints, writes nothing.
    #[arg(long, value_name = "PLACE")]
    pub explain: Option<String>,
}

#[derive(Serialize)]
struct Row<'a> {
    group: usize,
    city: &'a str,
    country: &'a str,
    weight: f64,
    access_asn: u32,
    router_city: &'a str,
    pop: &'a str,
    pop_city: &'a str,
    as_path: String,
    rtt_ms: f64,
    distance_km: f64,
    nearest_pop: &'a str,
    nearest_km: f64,
    past_nearest_km: f64,
    best_unicast_pop: &'a str,
    best_unicast_rtt_ms: String,
    minus_best_unicast_ms: String,
}

#[derive(Serialize)]
struct PopShare<'a> {
    pop: &'a str,
    city: &'a str,
    groups: usize,
    demand_share: f64,
}

#[derive(Serialize)]
struct Summary<'a> {
    scenario: &'a str,
    groups: usize,
    /// Demand-weighted share of groups answered by their geographically nearest PoP.
    demand_at_nearest_pop: f64,
    /// Demand-weighted share answered by their best unicast PoP.
    demand_at_best_unicast_pop: f64,
    /// Demand-weighted mean of anycast RTT minus best unicast RTT [ms].
    mean_minus_best_unicast_ms: f64,
    pops: Vec<PopShare<'a>>,
}

pub fn execute(args: &CatchmentArgs) -> crate::Result<()> {
    let loaded = load_file(&args.scenario, &args.sets)?;
    let mut cfg = validate(&loaded)?;
    let locate = |path: &str, msg: String| loaded.locator.error_at(path, msg);
    if cfg.world.is_none() {
        return Err(locate(
            "world",
            "catchments need an AS-level world: add [world] topology = \"...\"".into(),
        )
        .into());
    }
    // Catchments are anycast's by definition, whatever the run's steering.
    cfg.steering = crate::scenario::raw::Steering::Anycast;
    let (routes, routed) = plan(&cfg, &locate)?;
    let routed = routed.expect("world present");
    if let Some(place) = &args.explain {
        print!("{}", explain(&cfg, &routed, place)?);
        return Ok(());
    }

    let city = |c| cfg.cities.get(c);
    let rows: Vec<Row> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = &routed.world.access[i];
            let c = r.cells(&cfg);
            Row {
                group: i,
                city: &city(r.city).name,
                country: &city(r.city).country,
                weight: round(cfg.groups[i].share, 6),
                access_asn: routed.world.graph.asn(a.asn).0,
                router_city: &city(a.router_city).name,
                pop: &cfg.pops[r.pop].name,
                pop_city: &city(cfg.pops[r.pop].city).name,
                as_path: c.as_path,
                rtt_ms: round(r.rtt.as_millis_f64(), 3),
                distance_km: round(r.distance_km, 1),
                nearest_pop: &cfg.pops[r.nearest_pop].name,
                nearest_km: round(r.nearest_km, 1),
                past_nearest_km: round(r.distance_km - r.nearest_km, 1),
                best_unicast_pop: c.best_unicast_pop,
                best_unicast_rtt_ms: c.best_unicast_rtt_ms,
                minus_best_unicast_ms: c.minus_best_unicast_ms,
            }
        })
        .collect();
    let w = |i: usize| cfg.groups[i].share;
    let at_nearest: f64 = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.pop == r.nearest_pop)
        .map(|(i, _)| w(i))
        .sum();
    let at_best: f64 = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.best_unicast.is_some_and(|(p, _)| p == r.pop))
        .map(|(i, _)| w(i))
        .sum();
    let minus: f64 = routes
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.best_unicast
                .map(|(_, d)| w(i) * (r.rtt.as_millis_f64() - d.as_millis_f64()))
        })
        .sum();
    let pops = cfg
        .pops
        .iter()
        .enumerate()
        .map(|(p, pop)| PopShare {
            pop: &pop.name,
            city: &city(pop.city).name,
            groups: routes.iter().filter(|r| r.pop == p).count(),
            demand_share: round(
                routes
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.pop == p)
                    .map(|(i, _)| w(i))
                    .sum(),
                6,
            ),
        })
        .collect();
    let summary = Summary {
        scenario: &cfg.name,
        groups: routes.len(),
        demand_at_nearest_pop: round(at_nearest, 6),
        demand_at_best_unicast_pop: round(at_best, 6),
        mean_minus_best_unicast_ms: round(minus, 3),
        pops,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-catchment", cfg.name)));
    let dir = RunDir::create(&out)?;
    dir.write("catchments.csv", &csv_bytes(&rows)?)?;
    let mut json =
        serde_json::to_string_pretty(&summary).map_err(|e| Error::Runtime(e.to_string()))?;
    json.push('\n');
    dir.write("catchment_summary.json", json.as_bytes())?;
    let done = dir.commit()?;
    for p in &summary.pops {
        println!(
            "{:>8} {:<20} {:>4} groups  {:>6.1}% of demand",
            p.pop,
            p.city,
            p.groups,
            100.0 * p.demand_share
        );
    }
    println!(
        "demand at nearest PoP {:.1}%, at best unicast PoP {:.1}%; mean anycast - best unicast {:.1} ms",
        100.0 * summary.demand_at_nearest_pop,
        100.0 * summary.demand_at_best_unicast_pop,
        summary.mean_minus_best_unicast_ms
    );
    println!("wrote {}", done.display());
    Ok(())
}

/// The client (group index) a PLACE names.
fn resolve_place(
    cfg: &crate::scenario::RunConfig,
    routed: &Routed,
    place: &str,
) -> Result<usize, InputError> {
    let bad = |msg: String| InputError::new("--explain", "", msg);
    let (asn, city) = match place.split_once('@') {
        Some((a, c)) => (Some(a), Some(c)),
        None if place.to_ascii_uppercase().starts_with("AS")
            || place.chars().all(|c| c.is_ascii_digit()) =>
        {
            (Some(place), None)
        }
        None => (None, Some(place)),
    };
    let asn = match asn {
        Some(a) => {
            let n: u32 = a
                .trim_start_matches(['A', 'S', 'a', 's'])
                .parse()
                .map_err(|_| {
                    bad(format!(
                        "{a:?} is not an AS number (expected AS3320 or 3320)"
                    ))
                })?;
            Some(Asn(n))
        }
        None => None,
    };
    let city = match city {
        Some(c) => Some(
            cfg.cities
                .lookup(c)
                .ok_or_else(|| bad(format!("unknown city {c:?}")))?,
        ),
        None => None,
    };
    let w = &routed.world;
    let hit = (0..cfg.groups.len()).find(|&i| {
        asn.is_none_or(|a| w.graph.asn(w.access[i].asn) == a)
            && city.is_none_or(|c| cfg.groups[i].city == c)
    });
    hit.ok_or_else(|| {
        let known: Vec<String> = (0..cfg.groups.len())
            .map(|i| {
                format!(
                    "{}@{}",
                    w.graph.asn(w.access[i].asn),
                    cfg.cities.get(cfg.groups[i].city).name
                )
            })
            .collect();
        bad(format!(
            "no client group matches {place:?} (the scenario's groups: {})",
            known.join(", ")
        ))
    })
}

fn explain(
    cfg: &crate::scenario::RunConfig,
    routed: &Routed,
    place: &str,
) -> crate::Result<String> {
    use std::fmt::Write;
    let g = resolve_place(cfg, routed, place)?;
    let w = &routed.world;
    let prefix = Prefix::anycast(w, cfg);
    let routes = solve_prefix(w, &prefix)?;
    let view = PrefixView {
        geo: &w.geo,
        cdn: w.cdn,
        entry: &prefix.entry_cities,
    };
    let name = |c| {
        let c = cfg.cities.get(c);
        format!("{},{}", c.name, c.country)
    };
    let a = &w.access[g];
    let path = &routed.catchments.anycast[g];
    let mut s = String::new();
    let _ = writeln!(
        s,
        "client group {g}: {} via access {} (router in {}, {:.0} km away)",
        name(cfg.groups[g].city),
        w.graph.asn(a.asn),
        name(a.router_city),
        a.access_km
    );
    let Some(data) = &path.data else {
        let _ = writeln!(s, "no route to the anycast prefix");
        return Ok(s);
    };
    let pop = path.pop.map_or("(no PoP in that city)".to_string(), |p| {
        cfg.pops[p].name.clone()
    });
    let _ = writeln!(
        s,
        "answered by PoP {pop} in {}; RTT {:.1} ms; AS path {}",
        name(data.site),
        path.rtt.as_millis_f64(),
        path.as_path
            .iter()
            .map(|a| a.0.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let access_ms = cfg.latency.one_way_direct_ms(a.access_km);
    let _ = writeln!(
        s,
        "  access segment: {:.0} km, {:.2} ms one way",
        a.access_km, access_ms
    );
    for (k, hop) in data.hops.iter().enumerate() {
        let _ = writeln!(
            s,
            "hop {}: {} enters at {}, leaves at {} ({:.0} km, {:.2} ms one way)",
            k + 1,
            w.graph.asn(hop.asn),
            name(hop.entry),
            name(hop.exit),
            hop.km,
            hop.ms
        );
        if hop.asn == w.cdn {
            let _ = writeln!(s, "  the CDN's router in {} answers", name(hop.entry));
            break;
        }
        for line in routes
            .explain(&w.graph, hop.asn)
            .render(&w.graph, &routes)
            .lines()
        {
            let _ = writeln!(s, "  {line}");
        }
        if let Some(e) = egress(&w.graph, &routes, &view, &cfg.cities, hop.asn, hop.entry) {
            let here = cfg.cities.get(hop.entry).loc;
            let _ = writeln!(
                s,
                "  hot-potato from {}: exit to {} at {} ({:.0} km)",
                name(hop.entry),
                w.graph.asn(e.neighbour),
                name(e.city),
                e.internal_km
            );
            for (nb, _) in equal_best(&w.graph, &routes, hop.asn) {
                for &ic in view.cities(hop.asn, nb) {
                    if nb == e.neighbour && ic == e.city {
                        continue;
                    }
                    let km = here.distance_km(cfg.cities.get(ic).loc);
                    let step = if km > e.internal_km {
                        "hot-potato"
                    } else {
                        "tie-break (same distance)"
                    };
                    let _ = writeln!(
                        s,
                        "    tied route via {} at {} ({:.0} km): lost at {step}",
                        w.graph.asn(nb),
                        name(ic),
                        km
                    );
                }
            }
        }
    }
    Ok(s)
}
