//! The plots: one function per plot, from a run's files to a [`Figure`], and
//! the registries that list them. A function returns `None` when the run
//! lacks its data (older folder, capability not used), and the plot is left
//! out. To add a plot: write `fn my_plot(run: &RunData) -> Option<Figure>`
//! and add a line to [`RUN_PLOTS`] (or [`OVERLAYS`] for `cdnsim compare`).

use super::RunData;
use super::figure::{Axis, Bar, BarSet, Body, Figure, MapData, Panel, Place, Series, Shade, Tone};

/// A plot of one run.
pub struct PlotDef {
    /// File stem: `plot-<id>.svg`, `plot-<id>.png`.
    pub id: &'static str,
    pub build: fn(&RunData) -> Option<Figure>,
}

/// A plot overlaying several runs, each with its label.
pub struct OverlayDef {
    pub id: &'static str,
    pub build: fn(&[(String, &RunData)]) -> Option<Figure>,
}

/// Every plot of a run report, in page order.
pub const RUN_PLOTS: &[PlotDef] = &[
    PlotDef {
        id: "ttfb_cdf",
        build: ttfb_cdf,
    },
    PlotDef {
        id: "ttfb_ccdf",
        build: ttfb_ccdf,
    },
    PlotDef {
        id: "ttfb_cdf_continent",
        build: ttfb_cdf_continent,
    },
    PlotDef {
        id: "origin_requests",
        build: origin_requests,
    },
    PlotDef {
        id: "origin_bytes",
        build: origin_bytes,
    },
    PlotDef {
        id: "hit_ratio",
        build: hit_ratio,
    },
    PlotDef {
        id: "pop_requests",
        build: pop_requests,
    },
    PlotDef {
        id: "pop_load",
        build: pop_load,
    },
    PlotDef {
        id: "pop_load_stacked",
        build: pop_load_stacked,
    },
    PlotDef {
        id: "catchment",
        build: catchment,
    },
    PlotDef {
        id: "catchment_events",
        build: catchment_events,
    },
    PlotDef {
        id: "anycast_minus_unicast",
        build: anycast_minus_unicast,
    },
    PlotDef {
        id: "pop_distance",
        build: pop_distance,
    },
    PlotDef {
        id: "map",
        build: world_map,
    },
];

/// Every overlay of a comparison, in page order.
pub const OVERLAYS: &[OverlayDef] = &[
    OverlayDef {
        id: "ttfb_cdf",
        build: overlay_ttfb_cdf,
    },
    OverlayDef {
        id: "ttfb_ccdf",
        build: overlay_ttfb_ccdf,
    },
    OverlayDef {
        id: "origin_requests",
        build: overlay_origin_requests,
    },
    OverlayDef {
        id: "hit_ratio",
        build: overlay_hit_ratio,
    },
];

const CDF: &str = "latency_cdf.csv";
const SERIES: &str = "timeseries.csv";
const POPS: &str = "pops.csv";
const CLIENTS: &str = "clients.csv";

/// The TTFB distribution of (`scope`, `name`) from latency_cdf.csv as
/// (ttfb_ms, quantile) points, in quantile order.
pub fn cdf_points(run: &RunData, scope: &str, name: &str) -> Option<Vec<(f64, f64)>> {
    let t = run.table(CDF)?;
    let (s, n) = (t.strs("scope")?, t.strs("name")?);
    let (q, ms) = (t.f64s("quantile")?, t.f64s("ttfb_ms")?);
    let pts: Vec<(f64, f64)> = (0..t.rows.len())
        .filter(|&i| s[i] == scope && n[i] == name)
        .map(|i| (ms[i], q[i]))
        .collect();
    (!pts.is_empty()).then_some(pts)
}

/// CDF points turned into CCDF points (ttfb_ms, 1 - quantile); the
/// maximum (quantile 1, where the CCDF is 0) cannot be drawn on a log axis
/// and is dropped.
pub fn ccdf(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter(|p| p.1 < 1.0)
        .map(|&(x, q)| (x, round_sig(1.0 - q)))
        .collect()
}

/// 1 - q computed in floating point leaves noise (0.0010000000000000009);
/// quantiles are multiples of 1e-5, so round there.
fn round_sig(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

/// Names of a scope in file order (first appearance).
fn names_of(run: &RunData, scope: &str) -> Vec<String> {
    let Some(t) = run.table(CDF) else {
        return Vec::new();
    };
    let (Some(s), Some(n)) = (t.strs("scope"), t.strs("name")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for (s, n) in s.iter().zip(&n) {
        if *s == scope && !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

/// Palette index of each PoP: its row in pops.csv.
fn pop_tone(run: &RunData, pop: &str) -> Tone {
    let i = run
        .table(POPS)
        .and_then(|t| t.strs("pop"))
        .and_then(|p| p.iter().position(|x| *x == pop));
    i.map_or(Tone::Ink, Tone::Pal)
}

/// Overall and per-PoP distributions of a run, transformed by `f`.
/// Points of a plot line.
type Points = Vec<(f64, f64)>;

fn ttfb_by_pop(run: &RunData, f: fn(&[(f64, f64)]) -> Points) -> Option<Vec<Series>> {
    let mut series = vec![Series {
        name: "all".into(),
        tone: Tone::Ink,
        points: f(&cdf_points(run, "all", "all")?),
    }];
    for pop in names_of(run, "pop") {
        if let Some(p) = cdf_points(run, "pop", &pop) {
            series.push(Series {
                tone: pop_tone(run, &pop),
                name: pop,
                points: f(&p),
            });
        }
    }
    Some(series)
}

fn lines(title: &str, caption: &str, x: Axis, y: Axis, series: Vec<Series>) -> Figure {
    Figure {
        title: title.into(),
        caption: caption.into(),
        x,
        y,
        body: Body::Lines {
            series,
            shade: None,
        },
    }
}

pub fn ttfb_cdf(run: &RunData) -> Option<Figure> {
    Some(lines(
        "Time to first byte: CDF, overall and per PoP",
        "Share of measured requests with TTFB at most x (latency_cdf.csv, scopes all and pop). Log x axis.",
        Axis::log("TTFB [ms]"),
        Axis::linear("fraction of requests").range(0.0, 1.0),
        ttfb_by_pop(run, |p| p.to_vec())?,
    ))
}

pub fn ttfb_ccdf(run: &RunData) -> Option<Figure> {
    Some(lines(
        "Time to first byte: tail (CCDF), overall and per PoP",
        "Share of measured requests with TTFB above x, down to 1e-5 (latency_cdf.csv). Log-log axes.",
        Axis::log("TTFB [ms]"),
        Axis::log("fraction of requests above").range(1e-5, 1.0),
        ttfb_by_pop(run, ccdf)?,
    ))
}

pub fn ttfb_cdf_continent(run: &RunData) -> Option<Figure> {
    let series: Vec<Series> = names_of(run, "client_continent")
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            Some(Series {
                points: cdf_points(run, "client_continent", &c)?,
                name: format!("clients in {c}"),
                tone: Tone::Pal(i),
            })
        })
        .collect();
    (!series.is_empty()).then(|| {
        lines(
            "Time to first byte by client continent: CDF",
            "TTFB distribution of the client groups of each continent, merged (latency_cdf.csv, scope client_continent). Log x axis.",
            Axis::log("TTFB [ms]"),
            Axis::linear("fraction of requests").range(0.0, 1.0),
            series,
        )
    })
}

/// A per-second rate of column `col` of timeseries.csv, scaled by `scale`,
/// at each bucket's end time; `None` if the column is absent.
pub fn rate_points(run: &RunData, col: &str, scale: f64) -> Option<Vec<(f64, f64)>> {
    let t = run.table(SERIES)?;
    let (a, b, v) = (t.f64s("t_start_s")?, t.f64s("t_end_s")?, t.f64s(col)?);
    Some(
        (0..v.len())
            .filter(|&i| b[i] > a[i])
            .map(|i| (b[i], v[i] * scale / (b[i] - a[i])))
            .collect(),
    )
}

/// The warmup interval: buckets flagged `warmup`.
pub fn warmup_shade(run: &RunData) -> Option<Shade> {
    let t = run.table(SERIES)?;
    let (w, b) = (t.strs("warmup")?, t.f64s("t_end_s")?);
    let end = (0..b.len())
        .filter(|&i| w[i] == "true")
        .map(|i| b[i])
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))?;
    Some(Shade {
        label: "warmup (not measured)".into(),
        from: 0.0,
        to: end,
    })
}

fn over_time(run: &RunData, title: &str, caption: &str, y: Axis, series: Vec<Series>) -> Figure {
    Figure {
        title: title.into(),
        caption: caption.into(),
        x: Axis::linear("simulated time [s]"),
        y,
        body: Body::Lines {
            series,
            shade: warmup_shade(run),
        },
    }
}

pub fn origin_requests(run: &RunData) -> Option<Figure> {
    let points = rate_points(run, "origin_requests", 1.0)?;
    Some(over_time(
        run,
        "Origin load: requests",
        "Requests fetched from the origin per second, per output interval by arrival time (timeseries.csv).",
        Axis::linear("origin requests [1/s]"),
        vec![Series {
            name: "origin requests".into(),
            tone: Tone::Ink,
            points,
        }],
    ))
}

pub fn origin_bytes(run: &RunData) -> Option<Figure> {
    let points = rate_points(run, "origin_bytes", 1e-6)?;
    Some(over_time(
        run,
        "Origin load: bytes",
        "Bytes fetched from the origin per second, per output interval by arrival time (timeseries.csv).",
        Axis::linear("origin traffic [MB/s]"),
        vec![Series {
            name: "origin bytes".into(),
            tone: Tone::Ink,
            points,
        }],
    ))
}

/// Hit ratio per bucket of every cache tier in timeseries.csv: a column
/// `<tier>_hits` over `<tier>_requests`, or over `requests` when the tier
/// has no requests column (the edge sees every request). Buckets without
/// requests have no point.
pub fn hit_ratio_series(run: &RunData) -> Vec<Series> {
    let Some(t) = run.table(SERIES) else {
        return Vec::new();
    };
    let Some(end) = t.f64s("t_end_s") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, c) in t.columns.iter().enumerate() {
        let Some(tier) = c.strip_suffix("_hits") else {
            continue;
        };
        let den = format!("{tier}_requests");
        let den = if t.col(&den).is_some() {
            den
        } else {
            "requests".into()
        };
        let (Some(h), Some(r)) = (t.f64s(c), t.f64s(&den)) else {
            continue;
        };
        let points: Vec<(f64, f64)> = (0..h.len())
            .filter(|&k| r[k] > 0.0)
            .map(|k| (end[k], h[k] / r[k]))
            .collect();
        // A tier no request reached (e.g. `upper` with tier mode `none`)
        // has no line.
        if points.is_empty() {
            continue;
        }
        out.push(Series {
            name: format!("{tier} hit ratio"),
            tone: if tier == "edge" {
                Tone::Ink
            } else {
                Tone::Pal(i)
            },
            points,
        });
    }
    out
}

pub fn hit_ratio(run: &RunData) -> Option<Figure> {
    let series = hit_ratio_series(run);
    (!series.is_empty()).then(|| {
        over_time(
            run,
            "Cache hit ratio over time",
            "Requests answered from cache over requests reaching the tier, per output interval (timeseries.csv).",
            Axis::linear("hit ratio").range(0.0, 1.0),
            series,
        )
    })
}

pub fn pop_requests(run: &RunData) -> Option<Figure> {
    let t = run.table(POPS)?;
    let (p, r) = (t.strs("pop")?, t.f64s("requests")?);
    Some(Figure {
        title: "Measured requests per PoP".into(),
        caption: "Requests each PoP's edge served after warmup (pops.csv).".into(),
        x: Axis::linear("PoP"),
        y: Axis::linear("requests"),
        body: Body::Bars(
            p.iter()
                .zip(&r)
                .enumerate()
                .map(|(i, (p, r))| Bar {
                    label: p.to_string(),
                    value: *r,
                    tone: Tone::Pal(i),
                })
                .collect(),
        ),
    })
}

/// PoPs and client groups on a map, each client coloured by the PoP that
/// served it (pops.csv and clients.csv with their lat/lon columns).
pub fn world_map(run: &RunData) -> Option<Figure> {
    let pt = run.table(POPS)?;
    let (names, plat, plon) = (pt.strs("pop")?, pt.f64s("lat")?, pt.f64s("lon")?);
    let pops: Vec<Place> = (0..names.len())
        .map(|i| Place {
            name: names[i].to_string(),
            lat: plat[i],
            lon: plon[i],
            tone: Tone::Pal(i),
        })
        .collect();
    let ct = run.table(CLIENTS)?;
    let (city, served, clat, clon) = (
        ct.strs("city")?,
        ct.strs("pop")?,
        ct.f64s("lat")?,
        ct.f64s("lon")?,
    );
    // With routing events, the catchment after the last event's
    // quiescence (catchment_event_groups.csv) replaces the static one.
    let last = final_catchment(run, city.len());
    let served: Vec<&str> = match &last {
        Some(f) => f.iter().map(String::as_str).collect(),
        None => served,
    };
    let mut clients = Vec::new();
    let mut links = Vec::new();
    for i in 0..city.len() {
        let pop = names.iter().position(|n| *n == served[i]);
        if let Some(p) = pop {
            links.push((i, p));
        }
        clients.push(Place {
            name: city[i].to_string(),
            lat: clat[i],
            lon: clon[i],
            tone: pop.map_or(Tone::Ink, Tone::Pal),
        });
    }
    let (title, caption) = match last {
        None => (
            "PoPs (triangles) and client groups (dots) coloured by serving PoP",
            "Equirectangular map; land outlines from Natural Earth 1:110m (public domain). Lines join each client group to its PoP (clients.csv, pops.csv).",
        ),
        Some(_) => (
            "PoPs (triangles) and client groups (dots) coloured by final catchment",
            "Equirectangular map; land outlines from Natural Earth 1:110m (public domain). Client groups are coloured by, and joined to, the PoP their anycast route ends at after the last routing event has converged (catchment_event_groups.csv, phase after of the last event); black dots without a line are blackholed or looping then. The PoPs are all drawn, withdrawn ones included (pops.csv).",
        ),
    };
    Some(Figure {
        title: title.into(),
        caption: caption.into(),
        x: Axis::linear("longitude [°]").range(-180.0, 180.0),
        y: Axis::linear("latitude [°]").range(-58.0, 80.0),
        body: Body::Map(MapData {
            pops,
            clients,
            links,
        }),
    })
}

/// One series per run, built by `f`; `None` if no run has the data.
fn per_run(
    runs: &[(String, &RunData)],
    f: impl Fn(&RunData) -> Option<Vec<(f64, f64)>>,
) -> Option<Vec<Series>> {
    let series: Vec<Series> = runs
        .iter()
        .enumerate()
        .filter_map(|(i, (label, run))| {
            Some(Series {
                name: label.clone(),
                tone: Tone::Pal(i),
                points: f(run)?,
            })
        })
        .collect();
    (!series.is_empty()).then_some(series)
}

pub fn overlay_ttfb_cdf(runs: &[(String, &RunData)]) -> Option<Figure> {
    Some(lines(
        "Time to first byte: CDF per run",
        "Overall TTFB distribution of each run (latency_cdf.csv, scope all). Log x axis.",
        Axis::log("TTFB [ms]"),
        Axis::linear("fraction of requests").range(0.0, 1.0),
        per_run(runs, |r| cdf_points(r, "all", "all"))?,
    ))
}

pub fn overlay_ttfb_ccdf(runs: &[(String, &RunData)]) -> Option<Figure> {
    Some(lines(
        "Time to first byte: tail (CCDF) per run",
        "Share of requests with TTFB above x for each run (latency_cdf.csv, scope all). Log-log axes.",
        Axis::log("TTFB [ms]"),
        Axis::log("fraction of requests above").range(1e-5, 1.0),
        per_run(runs, |r| Some(ccdf(&cdf_points(r, "all", "all")?)))?,
    ))
}

pub fn overlay_origin_requests(runs: &[(String, &RunData)]) -> Option<Figure> {
    Some(lines(
        "Origin load per run: requests",
        "Requests fetched from the origin per second, per output interval (timeseries.csv). Warmup included.",
        Axis::linear("simulated time [s]"),
        Axis::linear("origin requests [1/s]"),
        per_run(runs, |r| rate_points(r, "origin_requests", 1.0))?,
    ))
}

pub fn overlay_hit_ratio(runs: &[(String, &RunData)]) -> Option<Figure> {
    Some(lines(
        "Edge hit ratio per run",
        "Edge hit ratio per output interval (timeseries.csv). Warmup included.",
        Axis::linear("simulated time [s]"),
        Axis::linear("hit ratio").range(0.0, 1.0),
        per_run(runs, |r| {
            hit_ratio_series(r)
                .into_iter()
                .find(|s| s.name == "edge hit ratio")
                .map(|s| s.points)
        })?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunData {
        let f = |n: &str, s: &str| (n.to_string(), s.as_bytes().to_vec());
        RunData::from_files(&[
            f("summary.json", r#"{"requests": 10}"#),
            f(
                "latency_cdf.csv",
                "scope,name,quantile,ttfb_ms\n\
                 all,all,0,1\nall,all,0.5,2\nall,all,0.999,9\nall,all,1,12\n\
                 pop,b,0,1\npop,b,1,3\npop,a,0,2\npop,a,1,4\n\
                 client_continent,EU,0,1\nclient_continent,EU,1,2\n",
            ),
            f(
                "pops.csv",
                "pop,lat,lon,requests\na,50.1,8.7,6\nb,51.5,-0.1,4\n",
            ),
            f(
                "clients.csv",
                "group,city,lat,lon,pop\n0,London,51.5,-0.13,b\n1,Berlin,52.5,13.4,a\n",
            ),
            f(
                "timeseries.csv",
                "t_start_s,t_end_s,warmup,requests,edge_hits,bytes,origin_requests,origin_bytes\n\
                 0,10,true,100,20,1000,80,800\n10,20,false,50,40,500,10,2000000\n20,30,false,0,0,0,0,0\n",
            ),
        ])
        .unwrap()
    }

    #[test]
    fn cdf_has_overall_then_pops_coloured_by_pops_csv_row() {
        let f = ttfb_cdf(&run()).unwrap();
        let names: Vec<&str> = f.series().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["all", "b", "a"], "file order of latency_cdf.csv");
        assert_eq!(f.series_named("all").unwrap().points[1], (2.0, 0.5));
        assert_eq!(f.series_named("a").unwrap().tone, Tone::Pal(0));
        assert_eq!(f.series_named("b").unwrap().tone, Tone::Pal(1));
        assert!(f.x.log && !f.y.log);
    }

    #[test]
    fn ccdf_is_one_minus_quantile_without_the_maximum() {
        let f = ttfb_ccdf(&run()).unwrap();
        let all = &f.series_named("all").unwrap().points;
        assert_eq!(all, &vec![(1.0, 1.0), (2.0, 0.5), (9.0, 0.001)]);
        assert!(f.x.log && f.y.log);
    }

    #[test]
    fn origin_rates_are_per_second_at_bucket_ends_with_warmup_shaded() {
        let r = run();
        let f = origin_requests(&r).unwrap();
        assert_eq!(
            f.series()[0].points,
            vec![(10.0, 8.0), (20.0, 1.0), (30.0, 0.0)]
        );
        let Body::Lines { shade, .. } = &f.body else {
            panic!()
        };
        assert_eq!(shade.as_ref().unwrap().to, 10.0);
        let b = origin_bytes(&r).unwrap();
        assert_eq!(b.series()[0].points[1], (20.0, 0.2), "2 MB in 10 s");
    }

    #[test]
    fn hit_ratio_skips_empty_buckets_and_finds_tiers_by_column_name() {
        let f = hit_ratio(&run()).unwrap();
        assert_eq!(f.series().len(), 1);
        assert_eq!(f.series()[0].name, "edge hit ratio");
        assert_eq!(f.series()[0].points, vec![(10.0, 0.2), (20.0, 0.8)]);
        // A shield tier with its own denominator appears without code changes.
        let mut r = run();
        let t = r.tables.get_mut("timeseries.csv").unwrap();
        t.columns
            .extend(["shield_requests".into(), "shield_hits".into()]);
        for (row, v) in t
            .rows
            .iter_mut()
            .zip([("80", "40"), ("10", "1"), ("0", "0")])
        {
            row.extend([v.0.to_string(), v.1.to_string()]);
        }
        let f = hit_ratio(&r).unwrap();
        let s = f.series_named("shield hit ratio").unwrap();
        assert_eq!(s.points, vec![(10.0, 0.5), (20.0, 0.1)]);
        // A tier no request reached has no line.
        let t = r.tables.get_mut("timeseries.csv").unwrap();
        t.columns
            .extend(["upper_requests".into(), "upper_hits".into()]);
        for row in t.rows.iter_mut() {
            row.extend(["0".to_string(), "0".to_string()]);
        }
        let f = hit_ratio(&r).unwrap();
        assert!(f.series_named("upper hit ratio").is_none());
        assert_eq!(f.series().len(), 2);
    }

    #[test]
    fn map_colours_each_client_by_its_serving_pop() {
        let f = world_map(&run()).unwrap();
        let Body::Map(m) = &f.body else { panic!() };
        assert_eq!(m.pops.len(), 2);
        assert_eq!(m.clients[0].name, "London");
        assert_eq!(m.clients[0].tone, Tone::Pal(1), "London is served by b");
        assert_eq!(m.clients[1].tone, Tone::Pal(0));
        assert_eq!(m.links, vec![(0, 1), (1, 0)]);
        assert_eq!((m.clients[1].lat, m.clients[1].lon), (52.5, 13.4));
    }

    #[test]
    fn bars_and_continents_and_missing_data() {
        let r = run();
        let Body::Bars(b) = pop_requests(&r).unwrap().body else {
            panic!()
        };
        assert_eq!(
            b.iter()
                .map(|b| (b.label.as_str(), b.value))
                .collect::<Vec<_>>(),
            [("a", 6.0), ("b", 4.0)]
        );
        let c = ttfb_cdf_continent(&r).unwrap();
        assert_eq!(c.series()[0].name, "clients in EU");
        // A folder without latency_cdf.csv: the latency plots are skipped.
        let mut r = r;
        r.tables.remove("latency_cdf.csv");
        assert!(ttfb_cdf(&r).is_none() && ttfb_ccdf(&r).is_none());
        assert!(origin_requests(&r).is_some());
    }

    #[test]
    fn stacked_load_layers_per_pop_sum_to_the_cdn_load() {
        let mut r = run();
        let f = |n: &str, s: &str| (n.to_string(), s.as_bytes().to_vec());
        let extra = RunData::from_files(&[
            f("summary.json", "{}"),
            f(
                "pop_load.csv",
                "t_start_s,t_end_s,warmup,pop,offered,attack_offered\n\
                 0,10,true,a,100,0\n10,20,false,a,50,10\n\
                 0,10,true,b,20,0\n10,20,false,b,30,0\n",
            ),
        ])
        .unwrap();
        r.tables.extend(extra.tables);
        let fig = pop_load_stacked(&r).unwrap();
        assert!(fig.caption.contains("legitimate and attack"));
        let Body::Stacked { series, shade } = &fig.body else {
            panic!()
        };
        assert_eq!(series[0].points, vec![(10.0, 10.0), (20.0, 6.0)]);
        assert_eq!(series[1].points, vec![(10.0, 2.0), (20.0, 3.0)]);
        let tops = super::super::figure::stack(series);
        assert_eq!(tops[1], vec![(10.0, 12.0), (20.0, 9.0)]);
        assert_eq!(shade.as_ref().unwrap().to, 10.0);
        // One PoP: nothing to stack.
        let t = r.tables.get_mut("pop_load.csv").unwrap();
        t.rows.retain(|row| row[3] == "a");
        assert!(pop_load_stacked(&r).is_none());
    }

    #[test]
    fn catchment_events_panels_and_final_map() {
        let mut r = run();
        let f = |n: &str, s: &str| (n.to_string(), s.as_bytes().to_vec());
        let head = "event,at_s,applied_s,kind,target,phase,t_s,pop,demand_share\n";
        let mut ce = String::from(head);
        for (ph, t, a, b, bh) in [
            ("before", "5.0", "0.6", "0.4", "0.0"),
            ("after", "7.5", "0.0", "1.0", "0.0"),
        ] {
            for (pop, x) in [("a", a), ("b", b), ("blackhole", bh), ("loop", "0.0")] {
                ce.push_str(&format!("1,5.0,5.0,withdraw,a,{ph},{t},{pop},{x}\n"));
            }
        }
        let extra = RunData::from_files(&[
            f("summary.json", "{}"),
            f("catchment_events.csv", &ce),
            f(
                "catchment_event_groups.csv",
                "event,group,city,before,after\n1,0,London,b,b\n1,1,Berlin,a,b\n",
            ),
        ])
        .unwrap();
        r.tables.extend(extra.tables);
        let fig = catchment_events(&r).unwrap();
        let Body::Grouped(p) = &fig.body else {
            panic!()
        };
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].title, "event 1: withdraw a at 5 s");
        assert_eq!(p[0].categories, ["a", "b"], "no blackhole/loop bars");
        assert_eq!(p[0].sets[0].name, "before (5 s)");
        assert_eq!(p[0].sets[0].values, vec![0.6, 0.4]);
        assert_eq!(p[0].sets[1].values, vec![0.0, 1.0]);
        // The map takes the final catchment: Berlin moved from a to b.
        let m = world_map(&r).unwrap();
        assert!(m.title.contains("final catchment"));
        let Body::Map(m) = &m.body else { panic!() };
        assert_eq!(m.clients[1].tone, Tone::Pal(1));
        assert_eq!(m.links, vec![(0, 1), (1, 1)]);
    }

    #[test]
    fn overlays_have_one_series_per_run_in_order() {
        let (a, b) = (run(), run());
        let runs = vec![("one".to_string(), &a), ("two".to_string(), &b)];
        let f = overlay_ttfb_cdf(&runs).unwrap();
        let names: Vec<&str> = f.series().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["one", "two"]);
        assert_eq!(f.series()[1].tone, Tone::Pal(1));
        let o = overlay_origin_requests(&runs).unwrap();
        assert_eq!(o.series()[0].points[0], (10.0, 8.0));
        let h = overlay_hit_ratio(&runs).unwrap();
        assert_eq!(h.series()[1].points, vec![(10.0, 0.2), (20.0, 0.8)]);
    }
}

/// A request-weighted empirical distribution of per-group `values` as step
/// points (x, share of requests with value <= x), in x order. Groups with
/// no requests carry no weight; `None` when no group has any.
pub fn weighted_cdf(values: &[f64], weights: &[f64]) -> Option<Vec<(f64, f64)>> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut v: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .filter(|p| p.1 > 0.0)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = Vec::with_capacity(2 * v.len() + 1);
    let mut acc = 0.0;
    out.push((v[0].0, 0.0));
    let mut i = 0;
    while i < v.len() {
        let x = v[i].0;
        while i < v.len() && v[i].0 == x {
            acc += v[i].1;
            i += 1;
        }
        let before = out.last().map_or(0.0, |p| p.1);
        out.push((x, before));
        out.push((x, (acc / total).min(1.0)));
    }
    out.dedup();
    Some(out)
}

/// Per client group, the column `col` and the group's measured requests.
fn per_group(run: &RunData, col: &str) -> Option<(Vec<f64>, Vec<f64>)> {
    let t = run.table(CLIENTS)?;
    Some((t.f64s(col)?, t.f64s("requests")?))
}

/// IMC 2015 Fig. 3: how much slower anycast is than the best unicast PoP,
/// per request (each client group's requests weigh its difference).
pub fn anycast_minus_unicast(run: &RunData) -> Option<Figure> {
    let (diff, w) = per_group(run, "minus_best_unicast_ms")?;
    let cdf = weighted_cdf(&diff, &w)?;
    let ccdf: Vec<(f64, f64)> = cdf.iter().map(|&(x, q)| (x, round_sig(1.0 - q))).collect();
    Some(lines(
        "Anycast minus best unicast RTT: CCDF over requests",
        "Share of requests whose anycast path RTT exceeds that of the best unicast PoP by more than x (clients.csv: minus_best_unicast_ms, weighted by requests), as in IMC 2015 Fig. 3.",
        Axis::linear("anycast RTT - best unicast RTT [ms]"),
        Axis::linear("fraction of requests").range(0.0, 1.0),
        vec![Series {
            name: "all clients".into(),
            tone: Tone::Ink,
            points: ccdf,
        }],
    ))
}

/// IMC 2015 Fig. 4: distance to the serving PoP, and past the nearest PoP.
pub fn pop_distance(run: &RunData) -> Option<Figure> {
    let (dist, w) = per_group(run, "distance_km")?;
    let (near, _) = per_group(run, "nearest_km")?;
    let past: Vec<f64> = dist
        .iter()
        .zip(&near)
        .map(|(d, n)| (d - n).max(0.0))
        .collect();
    Some(lines(
        "Distance to the serving PoP: CDF over requests",
        "Great-circle distance from each client group to the PoP that served it, and how far that is past the geographically nearest PoP (clients.csv, weighted by requests), as in IMC 2015 Fig. 4.",
        Axis::linear("distance [km]"),
        Axis::linear("fraction of requests").range(0.0, 1.0),
        vec![
            Series {
                name: "to serving PoP".into(),
                tone: Tone::Pal(0),
                points: weighted_cdf(&dist, &w)?,
            },
            Series {
                name: "past the nearest PoP".into(),
                tone: Tone::Pal(1),
                points: weighted_cdf(&past, &w)?,
            },
        ],
    ))
}

#[cfg(test)]
mod weighted_tests {
    use super::weighted_cdf;

    #[test]
    fn weighted_cdf_steps_by_request_share() {
        // Values 10 (weight 1), 0 (weight 3), 10 (weight 0 ignored), 5 (weight 0: none).
        let c = weighted_cdf(&[10.0, 0.0, 10.0, 5.0], &[1.0, 3.0, 0.0, 0.0]).unwrap();
        assert_eq!(c, vec![(0.0, 0.0), (0.0, 0.75), (10.0, 0.75), (10.0, 1.0)]);
        assert!(weighted_cdf(&[1.0], &[0.0]).is_none());
    }
}

/// Requests offered to each PoP per second over time, legitimate and
/// attack together, with the PoPs' request capacities (pop_load.csv).
pub fn pop_load(run: &RunData) -> Option<Figure> {
    let t = run.table("pop_load.csv")?;
    let (pop, a, b) = (t.strs("pop")?, t.f64s("t_start_s")?, t.f64s("t_end_s")?);
    let (off, att) = (t.f64s("offered")?, t.f64s("attack_offered")?);
    let cap = t.strs("capacity_rps")?;
    let mut names: Vec<&str> = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    let mut caps: Vec<f64> = Vec::new();
    for i in 0..pop.len() {
        if b[i] <= a[i] {
            continue;
        }
        let k = match names.iter().position(|n| *n == pop[i]) {
            Some(k) => k,
            None => {
                names.push(pop[i]);
                series.push(Series {
                    name: pop[i].to_string(),
                    tone: Tone::Pal(names.len() - 1),
                    points: Vec::new(),
                });
                names.len() - 1
            }
        };
        series[k]
            .points
            .push((b[i], (off[i] + att[i]) / (b[i] - a[i])));
        if let Ok(c) = cap[i].parse::<f64>() {
            if !caps.contains(&c) {
                caps.push(c);
            }
        }
    }
    let (lo, hi) = (
        a.iter().copied().fold(f64::INFINITY, f64::min),
        b.iter().copied().fold(0.0, f64::max),
    );
    for c in caps {
        series.push(Series {
            name: format!("capacity {c}/s"),
            tone: Tone::Ink,
            points: vec![(lo.max(0.0), c), (hi, c)],
        });
    }
    Some(over_time(
        run,
        "Load per PoP",
        "Requests offered to each PoP per second (legitimate and attack), per output interval by arrival at the PoP, and the PoPs' request capacities (pop_load.csv).",
        Axis::linear("offered [requests/s]"),
        series,
    ))
}

/// Share of client demand whose anycast route ends at each PoP over time,
/// with the blackholed and looping shares, during routing events
/// (catchment_timeseries.csv).
pub fn catchment(run: &RunData) -> Option<Figure> {
    let t = run.table("catchment_timeseries.csv")?;
    let (start, pop, share) = (
        t.f64s("interval_start_s")?,
        t.strs("pop")?,
        t.f64s("demand_share")?,
    );
    let mut series: Vec<Series> = Vec::new();
    for i in 0..pop.len() {
        let k = match series.iter().position(|s| s.name == pop[i]) {
            Some(k) => k,
            None => {
                let tone = match pop[i] {
                    "blackhole" | "loop" => Tone::Ink,
                    _ => Tone::Pal(series.len()),
                };
                series.push(Series {
                    name: pop[i].to_string(),
                    tone,
                    points: Vec::new(),
                });
                series.len() - 1
            }
        };
        series[k].points.push((start[i], share[i]));
    }
    // Blackhole / loop lines only when they happened.
    series.retain(|s| {
        !matches!(s.name.as_str(), "blackhole" | "loop") || s.points.iter().any(|p| p.1 > 0.0)
    });
    Some(over_time(
        run,
        "Anycast catchment over time",
        "Share of client demand whose anycast route ends at each PoP (and blackholed or looping), per output interval, time-weighted, as BGP converges after each routing event (catchment_timeseries.csv, events.csv).",
        Axis::linear("share of demand").range(0.0, 1.0),
        series,
    ))
}

/// Per client group (by `group` index), where its anycast route ends after
/// the last routing event (catchment_event_groups.csv); `None` without
/// events or when the file does not cover every group.
pub fn final_catchment(run: &RunData, groups: usize) -> Option<Vec<String>> {
    let t = run.table("catchment_event_groups.csv")?;
    let (ev, g, after) = (t.f64s("event")?, t.f64s("group")?, t.strs("after")?);
    let last = ev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut out: Vec<Option<String>> = vec![None; groups];
    for i in 0..ev.len() {
        if ev[i] == last {
            *out.get_mut(g[i] as usize)? = Some(after[i].to_string());
        }
    }
    out.into_iter().collect()
}

/// Requests reaching each PoP per second (legitimate and attack), stacked
/// so the top is the load on the whole CDN (pop_load.csv). Only with more
/// than one PoP.
pub fn pop_load_stacked(run: &RunData) -> Option<Figure> {
    let t = run.table("pop_load.csv")?;
    let (pop, a, b) = (t.strs("pop")?, t.f64s("t_start_s")?, t.f64s("t_end_s")?);
    let (off, att) = (t.f64s("offered")?, t.f64s("attack_offered")?);
    let mut series: Vec<Series> = Vec::new();
    for i in 0..pop.len() {
        if b[i] <= a[i] {
            continue;
        }
        let k = match series.iter().position(|s| s.name == pop[i]) {
            Some(k) => k,
            None => {
                series.push(Series {
                    name: pop[i].to_string(),
                    tone: Tone::Pal(series.len()),
                    points: Vec::new(),
                });
                series.len() - 1
            }
        };
        series[k]
            .points
            .push((b[i], (off[i] + att[i]) / (b[i] - a[i])));
    }
    // Layers are matched by bucket: every PoP must have every bucket.
    let n = series.first()?.points.len();
    if series.len() < 2 || series.iter().any(|s| s.points.len() != n) {
        return None;
    }
    let attack = att.iter().any(|&x| x > 0.0);
    Some(Figure {
        title: "Load per PoP, stacked".into(),
        caption: format!(
            "Requests reaching each PoP per second ({}), per output interval by arrival at the PoP, stacked in pops.csv order: the top is the whole CDN's load (pop_load.csv: offered{}).",
            if attack {
                "legitimate and attack"
            } else {
                "legitimate; no attack traffic in this run"
            },
            if attack { " + attack_offered" } else { "" },
        ),
        x: Axis::linear("simulated time [s]"),
        y: Axis::linear("requests reaching the PoP [1/s]"),
        body: Body::Stacked {
            series,
            shade: warmup_shade(run),
        },
    })
}

/// Share of demand per PoP just before each routing event and after its
/// quiescence, one panel of grouped bars per event (catchment_events.csv).
/// `blackhole` and `loop` appear only when they have demand.
pub fn catchment_events(run: &RunData) -> Option<Figure> {
    let t = run.table("catchment_events.csv")?;
    let (ev, phase, pop, share) = (
        t.strs("event")?,
        t.strs("phase")?,
        t.strs("pop")?,
        t.f64s("demand_share")?,
    );
    let (kind, target, applied, ts) = (
        t.strs("kind")?,
        t.strs("target")?,
        t.f64s("applied_s")?,
        t.f64s("t_s")?,
    );
    let mut panels: Vec<(String, Panel)> = Vec::new();
    for i in 0..ev.len() {
        let k = match panels.iter().position(|p| p.0 == ev[i]) {
            Some(k) => k,
            None => {
                panels.push((
                    ev[i].to_string(),
                    Panel {
                        title: format!(
                            "event {}: {} {} at {} s",
                            ev[i],
                            kind[i],
                            target[i],
                            super::render::tick(applied[i])
                        ),
                        categories: Vec::new(),
                        sets: Vec::new(),
                    },
                ));
                panels.len() - 1
            }
        };
        let p = &mut panels[k].1;
        let c = match p.categories.iter().position(|c| c == pop[i]) {
            Some(c) => c,
            None => {
                p.categories.push(pop[i].to_string());
                for s in &mut p.sets {
                    s.values.push(0.0);
                }
                p.categories.len() - 1
            }
        };
        let s = match p.sets.iter().position(|s| s.name.starts_with(phase[i])) {
            Some(s) => s,
            None => {
                p.sets.push(BarSet {
                    name: format!("{} ({} s)", phase[i], super::render::tick(ts[i])),
                    tone: if phase[i] == "before" {
                        Tone::Pal(7)
                    } else {
                        Tone::Pal(0)
                    },
                    values: vec![0.0; p.categories.len()],
                });
                p.sets.len() - 1
            }
        };
        p.sets[s].values[c] = share[i];
    }
    let mut panels: Vec<Panel> = panels.into_iter().map(|p| p.1).collect();
    for p in &mut panels {
        // Drop blackhole / loop where no demand went there.
        let keep: Vec<bool> = p
            .categories
            .iter()
            .enumerate()
            .map(|(c, name)| {
                !matches!(name.as_str(), "blackhole" | "loop")
                    || p.sets.iter().any(|s| s.values[c] > 0.0)
            })
            .collect();
        let mut it = keep.iter();
        p.categories.retain(|_| *it.next().unwrap_or(&true));
        for s in &mut p.sets {
            let mut it = keep.iter();
            s.values.retain(|_| *it.next().unwrap_or(&true));
        }
    }
    (!panels.is_empty()).then(|| Figure {
        title: "Catchment before and after each routing event".into(),
        caption: "Share of client demand whose anycast route ends at each PoP just before the change was applied and once BGP has converged (catchment_events.csv; per group in catchment_event_groups.csv). Each set of bars sums to 1.".into(),
        x: Axis::linear("PoP"),
        y: Axis::linear("share of demand").range(0.0, 1.0),
        body: Body::Grouped(panels),
    })
}
