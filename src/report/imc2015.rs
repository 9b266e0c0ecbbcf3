//! The IMC 2015 study's outputs: Figures 1-9 (plots and the CSV behind
//! each), `paper_vs_simulated.csv` / `.md`, `summary.json` and the page.
//! Computations are in `study::imc2015::figures`; this module turns them
//! into distributions, numbers and files. docs/reproducing-imc2015.md.

use super::figure::{Axis, Body, Figure, Series, Tone};
use crate::error::Error;
use crate::study::imc2015::StudyData;
use crate::study::imc2015::campaign::{DAY, NONE};
use crate::study::imc2015::figures as f;
use std::fmt::Write;

/// Points per plotted distribution (quantiles 0, 1/N, ..., 1).
const QUANTILES: usize = 200;

/// Weighted quantiles of (value, weight): (value, q) for q = 0..1.
pub fn quantiles(vals: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = vals.iter().copied().filter(|x| x.1 > 0.0).collect();
    if v.is_empty() {
        return Vec::new();
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut out = Vec::with_capacity(QUANTILES + 1);
    let (mut i, mut acc) = (0usize, v[0].1);
    for k in 0..=QUANTILES {
        let q = k as f64 / QUANTILES as f64;
        while acc < q * total * (1.0 - 1e-12) && i + 1 < v.len() {
            i += 1;
            acc += v[i].1;
        }
        out.push((v[i].0, q));
    }
    out
}

/// One figure's data and its plot.
pub struct Built {
    pub id: &'static str,
    pub csv_name: &'static str,
    pub csv: Vec<u8>,
    pub figure: Figure,
}

/// One number the paper quotes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Compared {
    pub figure: String,
    pub quantity: String,
    pub paper: f64,
    pub simulated: Option<f64>,
    pub unit: String,
    pub near: bool,
}

/// Near: within 0.03 or 15% of the paper's value for shares (whichever
/// is larger), within 25% for distances.
pub fn is_near(paper: f64, sim: f64, share: bool) -> bool {
    let tol = if share {
        (0.15 * paper.abs()).max(0.03)
    } else {
        0.25 * paper.abs()
    };
    (sim - paper).abs() <= tol
}

fn r(x: f64, d: i32) -> f64 {
    crate::output::round(x, d)
}

fn csv_of(x_col: &str, y_col: &str, series: &[Series]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| Error::Runtime(format!("CSV: {e}"));
    w.write_record(["series", x_col, y_col]).map_err(e)?;
    for s in series {
        for &(x, y) in &s.points {
            w.write_record([s.name.clone(), r(x, 4).to_string(), r(y, 5).to_string()])
                .map_err(e)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::Runtime(format!("CSV: {e}")))
}

#[allow(clippy::too_many_arguments)]
fn build(
    id: &'static str,
    csv_name: &'static str,
    title: &str,
    caption: &str,
    x: Axis,
    y: Axis,
    (x_col, y_col): (&str, &str),
    series: Vec<Series>,
) -> Result<Built, Error> {
    Ok(Built {
        id,
        csv_name,
        csv: csv_of(x_col, y_col, &series)?,
        figure: Figure {
            title: title.into(),
            caption: caption.into(),
            x,
            y,
            body: Body::Lines {
                series,
                shade: None,
            },
        },
    })
}

fn cdf_series(name: &str, tone: usize, vals: &[(f64, f64)], floor: Option<f64>) -> Series {
    Series {
        name: name.into(),
        tone: Tone::Pal(tone),
        points: quantiles(vals)
            .into_iter()
            .map(|(x, q)| (floor.map_or(x, |fl| x.max(fl)), q))
            .collect(),
    }
}

fn ccdf_series(name: &str, tone: usize, vals: &[(f64, f64)]) -> Series {
    Series {
        name: name.into(),
        tone: Tone::Pal(tone),
        points: quantiles(vals)
            .into_iter()
            .map(|(x, q)| (x, 1.0 - q))
            .collect(),
    }
}

/// Thresholds of Fig. 5 and 6 [ms].
pub const THRESHOLDS: [f64; 5] = [0.0, 10.0, 25.0, 50.0, 100.0];

/// Everything the study writes: files (name, bytes), figures, the table.
pub struct Outputs {
    pub built: Vec<Built>,
    pub compared: Vec<Compared>,
    pub summary: serde_json::Value,
}

/// Computes Figures 1-9 and the compared numbers.
pub fn outputs(d: &StudyData) -> Result<Outputs, Error> {
    let groups = d.share.len();
    let n_pops = d.pop_names.len();
    let days = d.study.days;
    let base = &d.snapshots[0];
    let order: Vec<Vec<usize>> = d
        .pop_km
        .iter()
        .map(|km| {
            let mut o: Vec<usize> = (0..n_pops).collect();
            o.sort_by(|&a, &b| km[a].total_cmp(&km[b]).then(a.cmp(&b)));
            o
        })
        .collect();
    let rtt: Vec<Vec<Option<f32>>> = (0..groups)
        .map(|g| (0..n_pops).map(|p| base.unicast(g, p)).collect())
        .collect();
    let mut built = Vec::new();
    let mut cmp = Vec::new();
    let mut push = |figure: &str, quantity: &str, paper: f64, sim: Option<f64>, unit: &str| {
        let share = unit == "share";
        cmp.push(Compared {
            figure: figure.into(),
            quantity: quantity.into(),
            paper,
            simulated: sim.map(|x| r(x, if share { 4 } else { 1 })),
            unit: unit.into(),
            near: sim.is_some_and(|s| is_near(paper, s, share)),
        });
    };

    // Fig. 1: lowest unicast RTT among the k nearest front-ends.
    let ks: Vec<usize> = [1, 2, 3, 4, 5, 10]
        .into_iter()
        .filter(|&k| k <= n_pops)
        .collect();
    let mins = f::min_over_nearest(&order, &rtt, &ks);
    let s1: Vec<Series> = ks
        .iter()
        .zip(&mins)
        .enumerate()
        .map(|(i, (k, m))| {
            let vals: Vec<(f64, f64)> = m
                .iter()
                .zip(&d.share)
                .filter_map(|(x, w)| x.map(|x| (f64::from(x), *w)))
                .collect();
            let name = if *k == 1 {
                "nearest front-end".to_string()
            } else {
                format!("best of {k} nearest")
            };
            cdf_series(&name, i, &vals, None)
        })
        .collect();
    built.push(build(
        "imc2015-fig1",
        "fig1_min_latency.csv",
        "Fig. 1: lowest latency vs number of nearest front-ends measured",
        "Per /24 (weighted by demand), the lowest unicast path RTT among its k geographically nearest front-ends, at the study's start (fig1_min_latency.csv).",
        Axis::linear("lowest path RTT [ms]").range(0.0, 250.0),
        Axis::linear("CDF of demand").range(0.0, 1.0),
        ("rtt_ms", "cdf"),
        s1,
    )?);

    // Fig. 2: distance to the k-th nearest front-end.
    let kth = |k: usize| -> Vec<(f64, f64)> {
        (0..groups)
            .filter(|_| k <= n_pops)
            .map(|g| (d.pop_km[g][order[g][k - 1]], d.share[g]))
            .collect()
    };
    let s2: Vec<Series> = (1..=4usize.min(n_pops))
        .map(|k| {
            let name = ["1st", "2nd", "3rd", "4th"][k - 1];
            cdf_series(&format!("{name} nearest"), k - 1, &kth(k), Some(1.0))
        })
        .collect();
    let near1 = kth(1);
    let unweighted: Vec<(f64, f64)> = near1.iter().map(|x| (x.0, 1.0)).collect();
    push(
        "2",
        "clients within 2,000 km of the nearest front-end",
        0.82,
        f::share_where(&unweighted, |x| x <= 2000.0),
        "share",
    );
    push(
        "2",
        "demand within 2,000 km of the nearest front-end",
        0.87,
        f::share_where(&near1, |x| x <= 2000.0),
        "share",
    );
    built.push(build(
        "imc2015-fig2",
        "fig2_nearest_distance.csv",
        "Fig. 2: distance to the nearest front-ends",
        "Per /24 weighted by demand, great-circle distance to its 1st to 4th nearest front-end (fig2_nearest_distance.csv; 0 km drawn at 1 km).",
        Axis::log("distance [km]").range(1.0, 20_000.0),
        Axis::linear("CDF of demand").range(0.0, 1.0),
        ("distance_km", "cdf"),
        s2,
    )?);

    // Fig. 3: anycast minus best of three unicast, per beacon.
    let mut w3 = Vec::new();
    let mut e3 = Vec::new();
    let mut u3 = Vec::new();
    for b in &d.beacons {
        let Some(best) = b.best_unicast_ms().filter(|_| b.anycast_pop != NONE) else {
            continue;
        };
        let x = (f64::from(b.anycast_ms) - f64::from(best), 1.0);
        w3.push(x);
        if d.europe[b.group as usize] {
            e3.push(x);
        }
        if d.us[b.group as usize] {
            u3.push(x);
        }
    }
    push(
        "3",
        "requests with anycast >= 25 ms slower than the best of three unicast",
        0.20,
        f::share_where(&w3, |x| x >= 25.0),
        "share",
    );
    push(
        "3",
        "requests with anycast >= 100 ms slower (paper: just under 10%)",
        0.10,
        f::share_where(&w3, |x| x >= 100.0),
        "share",
    );
    built.push(build(
        "imc2015-fig3",
        "fig3_anycast_minus_unicast.csv",
        "Fig. 3: anycast minus best of three unicast, per beacon",
        "CCDF over beacons of the anycast fetch latency minus the lowest of the beacon's three unicast fetches (fig3_anycast_minus_unicast.csv).",
        Axis::linear("anycast - best unicast [ms]").range(-25.0, 200.0),
        Axis::linear("CCDF of requests").range(0.0, 1.0),
        ("anycast_minus_best_unicast_ms", "ccdf"),
        vec![
            ccdf_series("World", 0, &w3),
            ccdf_series("Europe", 1, &e3),
            ccdf_series("United States", 2, &u3),
        ],
    )?);

    // Fig. 4: distance to the anycast front-end and past the closest.
    let any0: Vec<Option<usize>> = base
        .anycast
        .iter()
        .map(|a| a.map(|x| x.0 as usize))
        .collect();
    let pc = f::past_closest(&d.pop_km, &any0);
    let take = |i: usize, weighted: bool| -> Vec<(f64, f64)> {
        pc.iter()
            .zip(&d.share)
            .filter_map(|(x, w)| {
                x.map(|x| {
                    (
                        if i == 0 { x.0 } else { x.1 },
                        if weighted { *w } else { 1.0 },
                    )
                })
            })
            .collect()
    };
    let past_w = take(1, true);
    push(
        "4",
        "demand at its closest front-end (0 km past the closest)",
        0.55,
        f::share_where(&past_w, |x| x <= 0.0),
        "share",
    );
    push(
        "4",
        "demand within 400 km past the closest",
        0.75,
        f::share_where(&past_w, |x| x <= 400.0),
        "share",
    );
    push(
        "4",
        "demand within 1,375 km past the closest",
        0.90,
        f::share_where(&past_w, |x| x <= 1375.0),
        "share",
    );
    built.push(build(
        "imc2015-fig4",
        "fig4_anycast_distance.csv",
        "Fig. 4: distance to the anycast front-end and past the closest",
        "Per /24 at the study's start, distance to its anycast front-end and how much farther that is than its nearest front-end; clients counted once or weighted by demand (fig4_anycast_distance.csv; 0 km drawn at 1 km).",
        Axis::log("distance [km]").range(1.0, 20_000.0),
        Axis::linear("CDF").range(0.0, 1.0),
        ("distance_km", "cdf"),
        vec![
            cdf_series("anycast front-end, clients", 0, &take(0, false), Some(1.0)),
            cdf_series("anycast front-end, weighted", 1, &take(0, true), Some(1.0)),
            cdf_series("past closest, clients", 2, &take(1, false), Some(1.0)),
            cdf_series("past closest, weighted", 3, &past_w, Some(1.0)),
        ],
    )?);

    // Fig. 5: daily prevalence of poor anycast paths.
    let min_daily = d.study.daily_min_samples as usize;
    let daily = f::daily_anycast_minus_unicast(&d.beacons, groups, days, min_daily);
    let s5: Vec<Series> = THRESHOLDS
        .iter()
        .enumerate()
        .map(|(i, &t)| Series {
            name: format!("> {t} ms"),
            tone: Tone::Pal(i),
            points: (0..days as usize)
                .filter_map(|day| f::poor_share(&daily, day, t).map(|s| ((day + 1) as f64, s)))
                .collect(),
        })
        .collect();
    let mean_share = |t: f64| -> Option<f64> {
        let v: Vec<f64> = (0..days as usize)
            .filter_map(|day| f::poor_share(&daily, day, t))
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    push(
        "5",
        "/24s per day whose anycast is slower than the best unicast (> 0 ms)",
        0.19,
        mean_share(0.0),
        "share",
    );
    push(
        "5",
        "/24s per day improvable by >= 10 ms",
        0.12,
        mean_share(10.0),
        "share",
    );
    push(
        "5",
        "/24s per day improvable by >= 50 ms",
        0.04,
        mean_share(50.0),
        "share",
    );
    built.push(build(
        "imc2015-fig5",
        "fig5_poor_path_prevalence.csv",
        "Fig. 5: daily poor-path prevalence",
        "Per day, the share of /24s whose median anycast latency exceeds the lowest median unicast latency (targets with enough measurements that day) by more than each threshold (fig5_poor_path_prevalence.csv).",
        Axis::linear("day").range(0.5, f64::from(days) + 0.5),
        Axis::linear("share of /24s").range(0.0, 0.5),
        ("day", "share_of_24s"),
        s5,
    )?);

    // Fig. 6: how long poor paths last.
    let s6: Vec<Series> = THRESHOLDS
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let runs: Vec<(f64, f64)> = daily
                .iter()
                .flat_map(|g| f::poor_runs(g, t))
                .map(|x| (f64::from(x), 1.0))
                .collect();
            cdf_series(&format!("> {t} ms"), i, &runs, None)
        })
        .collect();
    built.push(build(
        "imc2015-fig6",
        "fig6_poor_path_duration.csv",
        "Fig. 6: poor-path duration",
        "CDF over poor episodes (runs of consecutive days a /24's anycast is slower than its best unicast by more than the threshold) of their length (fig6_poor_path_duration.csv).",
        Axis::linear("duration [days]").range(0.0, f64::from(days) + 0.5),
        Axis::linear("CDF of episodes").range(0.0, 1.0),
        ("duration_days", "cdf"),
        s6,
    )?);

    // Fig. 7: cumulative front-end switches.
    let (first_change, sw) = f::switches(&d.beacons, groups);
    let mut seen = vec![false; groups];
    for b in d.beacons.iter().filter(|b| b.anycast_pop != NONE) {
        seen[b.group as usize] = true;
    }
    let n_seen = seen.iter().filter(|x| **x).count().max(1) as f64;
    let switched_by = |t: crate::time::SimTime| {
        first_change
            .iter()
            .filter(|c| c.is_some_and(|c| c < t))
            .count() as f64
            / n_seen
    };
    let hours = days as u64 * 24;
    let s7 = Series {
        name: "clients (/24s) switched at least once".into(),
        tone: Tone::Ink,
        points: (0..=hours)
            .map(|h| {
                let t = crate::time::SimTime::ZERO + crate::time::SimDuration::from_secs(h * 3600);
                (h as f64 / 24.0, switched_by(t))
            })
            .collect(),
    };
    let day_end = |k: u64| {
        crate::time::SimTime::ZERO
            + crate::time::SimDuration::from_secs(k * DAY.as_nanos() / 1_000_000_000)
    };
    push(
        "7",
        "/24s that switched front-end by the end of day 1",
        0.07,
        Some(switched_by(day_end(1))),
        "share",
    );
    push(
        "7",
        "/24s that switched front-end by the end of the week (day 7)",
        0.21,
        Some(switched_by(day_end(u64::from(days.min(7))))),
        "share",
    );
    built.push(build(
        "imc2015-fig7",
        "fig7_cumulative_switches.csv",
        "Fig. 7: cumulative front-end switches",
        "Share of /24s (with beacons) whose beacons have seen an anycast front-end other than their first, by time (fig7_cumulative_switches.csv).",
        Axis::linear("time [days]").range(0.0, f64::from(days)),
        Axis::linear("share of /24s").range(0.0, 0.5),
        ("time_days", "share_of_24s"),
        vec![s7],
    )?);

    // Fig. 8: distance change on a switch.
    let dist: Vec<(f64, f64)> = sw
        .iter()
        .map(|&(g, a, b)| {
            let km = &d.pop_km[g as usize];
            ((km[b as usize] - km[a as usize]).abs(), 1.0)
        })
        .collect();
    push(
        "8",
        "median change in client-front-end distance on a switch",
        483.0,
        f::weighted_median(&dist),
        "km",
    );
    built.push(build(
        "imc2015-fig8",
        "fig8_switch_distance.csv",
        "Fig. 8: distance change when the front-end changes",
        "CDF over switches between consecutive beacons of a /24 of |distance to new front-end - distance to old| (fig8_switch_distance.csv; 0 km drawn at 1 km).",
        Axis::log("change in distance [km]").range(1.0, 20_000.0),
        Axis::linear("CDF of switches").range(0.0, 1.0),
        ("distance_change_km", "cdf"),
        vec![cdf_series("switches", 0, &dist, Some(1.0))],
    )?);

    // Fig. 9: prediction by LDNS and by ECS /24.
    let q = d.study.prediction_percentile;
    let ms = d.study.min_samples as usize;
    let ecs_keys: Vec<usize> = (0..groups).collect();
    let ecs = f::predict(&d.beacons, &ecs_keys, groups, days, q, ms, min_daily);
    let ldns = f::predict(&d.beacons, &d.ldns, d.resolvers, days, q, ms, min_daily);
    let vals = |e: &[f::Evaluation], p75: bool| -> Vec<(f64, f64)> {
        e.iter()
            .map(|x| (if p75 { x.p75_ms } else { x.median_ms }, x.beacons as f64))
            .collect()
    };
    let (em, ldm) = (vals(&ecs, false), vals(&ldns, false));
    push(
        "9",
        "ECS prediction: requests improved (median)",
        0.30,
        f::share_where(&em, |x| x > 0.0),
        "share",
    );
    push(
        "9",
        "ECS prediction: requests made worse (median)",
        0.10,
        f::share_where(&em, |x| x < 0.0),
        "share",
    );
    push(
        "9",
        "LDNS prediction: requests improved (median)",
        0.27,
        f::share_where(&ldm, |x| x > 0.0),
        "share",
    );
    push(
        "9",
        "LDNS prediction: requests made worse (median)",
        0.17,
        f::share_where(&ldm, |x| x < 0.0),
        "share",
    );
    built.push(build(
        "imc2015-fig9",
        "fig9_prediction.csv",
        "Fig. 9: improvement from LDNS and ECS prediction",
        "Per key and day, anycast minus predicted-target latency on the next day at the median and 75th percentile (0 where the prediction stays on anycast), weighted by the key's beacons that day (fig9_prediction.csv).",
        Axis::linear("improvement over anycast [ms]").range(-50.0, 100.0),
        Axis::linear("CDF of requests").range(0.0, 1.0),
        ("improvement_ms", "cdf"),
        vec![
            cdf_series("ECS, median", 0, &em, None),
            cdf_series("ECS, 75th percentile", 1, &vals(&ecs, true), None),
            cdf_series("LDNS, median", 2, &ldm, None),
            cdf_series("LDNS, 75th percentile", 3, &vals(&ldns, true), None),
        ],
    )?);

    let summary = serde_json::json!({
        "study": "imc2015",
        "days": days,
        "groups": groups,
        "front_ends": n_pops,
        "resolvers": d.resolvers,
        "beacons": d.beacons.len(),
        "routing_changes": d.changes.len(),
        "routing_snapshots": d.snapshots.len(),
        "prefix_solves": d.solves,
        "switches": sw.len(),
        "prediction_evaluations": {"ecs": ecs.len(), "ldns": ldns.len()},
        "paper_numbers_near": cmp.iter().filter(|c| c.near).count(),
        "paper_numbers": cmp.len(),
    });
    Ok(Outputs {
        built,
        compared: cmp,
        summary,
    })
}

/// `paper_vs_simulated.md`: the table as markdown.
pub fn markdown(rows: &[Compared]) -> String {
    let mut s = String::from(
        "| Fig. | quantity | paper | simulated | unit | near |\n|---|---|---:|---:|---|---|\n",
    );
    for c in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            c.figure,
            c.quantity,
            c.paper,
            c.simulated.map_or("-".into(), |x| x.to_string()),
            c.unit,
            if c.near { "yes" } else { "no" }
        );
    }
    s
}

/// The page's table of compared numbers.
fn html_table(rows: &[Compared]) -> String {
    use super::html::esc;
    let mut h = String::from(
        "<table>\n<tr><th>Fig.</th><th class=\"k\">quantity</th><th>paper</th><th>simulated</th><th class=\"k\">unit</th><th class=\"k\">near</th></tr>\n",
    );
    for c in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"k\">{}</td><td>{}</td><td>{}</td><td class=\"k\">{}</td><td class=\"k\">{}</td></tr>",
            esc(&c.figure),
            esc(&c.quantity),
            c.paper,
            c.simulated.map_or("-".into(), |x| x.to_string()),
            esc(&c.unit),
            if c.near { "yes" } else { "no" }
        );
    }
    h.push_str("</table>\n");
    h
}

/// Writes every output of the study into `dir` (not committed).
pub fn write(
    dir: &crate::output::RunDir,
    d: &StudyData,
    config_toml: &str,
) -> Result<Outputs, Error> {
    let o = outputs(d)?;
    let figs: Vec<(&'static str, Figure)> =
        o.built.iter().map(|b| (b.id, b.figure.clone())).collect();
    let rendered = super::render_all(figs)?;
    for b in &o.built {
        dir.write(b.csv_name, &b.csv)?;
    }
    for x in &rendered {
        let (svg, png) = super::plot_files(x.id);
        dir.write(&svg, x.svg.as_bytes())?;
        dir.write(&png, &x.png)?;
    }
    dir.write(
        "paper_vs_simulated.csv",
        &crate::output::csv_bytes(&o.compared)?,
    )?;
    dir.write("paper_vs_simulated.md", markdown(&o.compared).as_bytes())?;
    let mut changes = String::from("time_s,change\n");
    for (t, c) in &d.changes {
        let _ = writeln!(changes, "{},{}", t.as_nanos() / 1_000_000_000, c);
    }
    dir.write("routing_changes.csv", changes.as_bytes())?;
    let summary = serde_json::to_string_pretty(&o.summary)
        .map_err(|e| Error::Runtime(format!("summary.json: {e}")))?;
    dir.write("summary.json", format!("{summary}\n").as_bytes())?;
    dir.write("config.toml", config_toml.as_bytes())?;
    let intro = format!(
        "Calder et al., \"Analyzing the Performance of an Anycast CDN\" (IMC 2015), on a simulated world: {} days, {} /24 client groups, {} front-ends, {} beacons, {} routing changes. How each figure is computed: docs/reproducing-imc2015.md.",
        d.study.days,
        d.share.len(),
        d.pop_names.len(),
        d.beacons.len(),
        d.changes.len()
    );
    let mut files = String::from("<ul>\n");
    for b in &o.built {
        let _ = writeln!(files, "<li><a href=\"{0}\">{0}</a></li>", b.csv_name);
    }
    for n in [
        "paper_vs_simulated.csv",
        "paper_vs_simulated.md",
        "routing_changes.csv",
        "summary.json",
        "config.toml",
    ] {
        let _ = writeln!(files, "<li><a href=\"{n}\">{n}</a></li>");
    }
    files.push_str("</ul>\n");
    let page = super::html::study_page(
        "cdnsim study: IMC 2015 anycast CDN",
        &intro,
        &rendered,
        &[
            ("Paper vs simulated".into(), html_table(&o.compared)),
            ("Files".into(), files),
        ],
    );
    dir.write("index.html", page.as_bytes())?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles() {
        let q = quantiles(&[(3.0, 1.0), (1.0, 1.0), (2.0, 2.0)]);
        assert_eq!(q.len(), QUANTILES + 1);
        assert_eq!(q[0], (1.0, 0.0));
        assert_eq!(q[QUANTILES / 4], (1.0, 0.25));
        assert_eq!(q[QUANTILES / 2].0, 2.0);
        assert_eq!(q[QUANTILES], (3.0, 1.0));
        assert!(quantiles(&[]).is_empty());
    }

    #[test]
    fn nearness() {
        assert!(is_near(0.20, 0.17, true));
        assert!(!is_near(0.20, 0.16, true));
        assert!(!is_near(0.55, 0.45, true));
        assert!(is_near(0.04, 0.065, true));
        assert!(!is_near(0.04, 0.08, true));
        assert!(is_near(483.0, 400.0, false));
        assert!(!is_near(483.0, 300.0, false));
    }
}
