//! Plots of a sweep: headline metrics against each numeric axis (one
//! series per combination of the other axes, mean over seeds), bars per
//! combination when no axis is numeric, and the sweep file's own
//! `[[plot]]`s (one sweep.csv column against another). Drawn from
//! sweep.csv's data only, with the run report's renderer.

use super::spec::{Source, Sweep};
use super::table::{METRICS, Row};
use crate::error::{Error, InputError};
use crate::report::figure::{Axis, Bar, Body, Figure, Series, Tone};
use crate::scenario::load::Seg;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Metrics plotted against every numeric axis: (column, axis label).
pub const PLOTTED: &[(&str, &str)] = &[
    ("ttfb_p50_ms", "TTFB p50 [ms]"),
    ("ttfb_p99_ms", "TTFB p99 [ms]"),
    ("hit_ratio", "edge hit ratio (requests)"),
    ("origin_requests", "origin requests"),
    ("origin_bytes", "origin bytes [GB]"),
];

/// Byte metrics are plotted in GB (tick labels stay short).
const IN_GB: &[&str] = &["origin_bytes", "bytes_served"];

fn label_of(column: &str) -> String {
    if IN_GB.contains(&column) {
        return format!("{} [GB]", column.replace('_', " "));
    }
    PLOTTED
        .iter()
        .find(|(c, _)| *c == column)
        .map_or_else(|| column.to_string(), |(_, l)| l.to_string())
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Point indices per combination of axis values (seeds grouped), in the
/// sweep's order.
fn combos(sweep: &Sweep) -> BTreeMap<Vec<usize>, Vec<usize>> {
    let mut m: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for p in &sweep.points {
        m.entry(p.at.clone()).or_default().push(p.index);
    }
    m
}

/// Mean over seeds of a metric, in plot units (GB for bytes).
fn mean(rows: &[Row], idx: &[usize], column: &str) -> Option<f64> {
    let v: Vec<f64> = idx.iter().filter_map(|&i| rows[i].num(column)).collect();
    let scale = if IN_GB.contains(&column) { 1e-9 } else { 1.0 };
    (!v.is_empty()).then(|| scale * v.iter().sum::<f64>() / v.len() as f64)
}

fn combo_name(sweep: &Sweep, at: &[usize], skip: Option<usize>) -> String {
    sweep
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(i, a)| format!("{}={}", a.short, a.shown[at[i]]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value of a sweep.csv column for one combination: a metric's mean
/// over seeds, or a numeric axis's x.
fn value(sweep: &Sweep, rows: &[Row], at: &[usize], idx: &[usize], column: &str) -> Option<f64> {
    if let Some(ai) = sweep.axes.iter().position(|a| a.column == column) {
        return sweep.axes[ai].numeric.as_ref().map(|x| x[at[ai]]);
    }
    mean(rows, idx, column)
}

fn plottable(sweep: &Sweep, column: &str) -> bool {
    METRICS.iter().any(|(c, _)| *c == column)
        || sweep
            .axes
            .iter()
            .any(|a| a.column == column && a.numeric.is_some())
}

/// Checks the sweep file's `[[plot]]`s name plottable columns.
pub fn check(sweep: &Sweep, src: &Source) -> Result<(), InputError> {
    for (i, p) in sweep.plots.iter().enumerate() {
        for (k, col) in [("x", &p.x), ("y", &p.y)] {
            if !plottable(sweep, col) {
                let mut valid: Vec<&str> = METRICS.iter().map(|(c, _)| *c).collect();
                valid.extend(
                    sweep
                        .axes
                        .iter()
                        .filter(|a| a.numeric.is_some())
                        .map(|a| a.column.as_str()),
                );
                return Err(src.error(
                    &[Seg::Key("plot".into()), Seg::Index(i), Seg::Key(k.into())],
                    format!(
                        "{col:?} is not a numeric sweep.csv column (expected one of {})",
                        valid.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every figure of a sweep, with its file stem.
pub fn figures(sweep: &Sweep, rows: &[Row]) -> Vec<(String, Figure)> {
    let groups = combos(sweep);
    let mut out = Vec::new();
    let numeric: Vec<usize> = (0..sweep.axes.len())
        .filter(|&i| sweep.axes[i].numeric.is_some())
        .collect();
    for &ai in &numeric {
        let a = &sweep.axes[ai];
        let xs = a.numeric.as_ref().expect("numeric axis");
        for (col, ylabel) in PLOTTED {
            // Series: combinations of the other axes, in sweep order.
            let mut series: Vec<(Vec<usize>, Series)> = Vec::new();
            for (at, idx) in &groups {
                let mut other = at.clone();
                other[ai] = usize::MAX;
                let Some(y) = mean(rows, idx, col) else {
                    continue;
                };
                let pos = match series.iter().position(|(o, _)| *o == other) {
                    Some(p) => p,
                    None => {
                        let name = if sweep.axes.len() > 1 {
                            combo_name(sweep, at, Some(ai))
                        } else {
                            ylabel.to_string()
                        };
                        let tone = if sweep.axes.len() > 1 {
                            Tone::Pal(series.len())
                        } else {
                            Tone::Ink
                        };
                        series.push((
                            other,
                            Series {
                                name,
                                tone,
                                points: Vec::new(),
                            },
                        ));
                        series.len() - 1
                    }
                };
                series[pos].1.points.push((xs[at[ai]], y));
            }
            if series.is_empty() {
                continue;
            }
            let mut series: Vec<Series> = series.into_iter().map(|(_, s)| s).collect();
            for s in &mut series {
                s.points.sort_by(|p, q| p.0.total_cmp(&q.0));
            }
            let x = if a.log {
                Axis::log(&a.unit_label)
            } else {
                Axis::linear(&a.unit_label)
            };
            out.push((
                format!("{}-vs-{}", slug(col), slug(&a.short)),
                Figure {
                    title: format!("{ylabel} vs {}", a.short),
                    caption: format!(
                        "Column {col} of sweep.csv against {} (mean over {} seed(s)).",
                        a.column,
                        sweep.seeds.len()
                    ),
                    x,
                    y: Axis::linear(ylabel),
                    body: Body::Lines {
                        series,
                        shade: None,
                    },
                },
            ));
        }
    }
    if numeric.is_empty() && !sweep.axes.is_empty() {
        for (col, ylabel) in PLOTTED {
            let bars: Vec<Bar> = groups
                .iter()
                .enumerate()
                .filter_map(|(i, (at, idx))| {
                    Some(Bar {
                        label: combo_name(sweep, at, None),
                        value: mean(rows, idx, col)?,
                        tone: Tone::Pal(i),
                    })
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            out.push((
                format!("{}-by-point", slug(col)),
                Figure {
                    title: format!("{ylabel} per point"),
                    caption: format!(
                        "Column {col} of sweep.csv (mean over {} seed(s)).",
                        sweep.seeds.len()
                    ),
                    x: Axis::linear(""),
                    y: Axis::linear(ylabel),
                    body: Body::Bars(bars),
                },
            ));
        }
    }
    for p in &sweep.plots {
        let series_axis = p
            .series
            .as_ref()
            .and_then(|s| sweep.axes.iter().position(|a| &a.column == s));
        let mut series: Vec<(usize, Series)> = Vec::new();
        for (at, idx) in &groups {
            let (Some(x), Some(y)) = (
                value(sweep, rows, at, idx, &p.x),
                value(sweep, rows, at, idx, &p.y),
            ) else {
                continue;
            };
            let key = series_axis.map_or(0, |ai| at[ai]);
            let pos = match series.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    let (name, tone) = match series_axis {
                        Some(ai) => (
                            format!("{}={}", sweep.axes[ai].short, sweep.axes[ai].shown[key]),
                            Tone::Pal(series.len()),
                        ),
                        None => (label_of(&p.y), Tone::Ink),
                    };
                    series.push((
                        key,
                        Series {
                            name,
                            tone,
                            points: Vec::new(),
                        },
                    ));
                    series.len() - 1
                }
            };
            series[pos].1.points.push((x, y));
        }
        let mut series: Vec<Series> = series.into_iter().map(|(_, s)| s).collect();
        for s in &mut series {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let title = p
            .title
            .clone()
            .unwrap_or_else(|| format!("{} vs {}", label_of(&p.y), label_of(&p.x)));
        let axis_label = |c: &str| {
            sweep
                .axes
                .iter()
                .find(|a| a.column == c)
                .map_or_else(|| label_of(c), |a| a.unit_label.clone())
        };
        out.push((
            format!("{}-vs-{}", slug(&p.y), slug(&p.x)),
            Figure {
                title,
                caption: format!(
                    "Columns {} against {} of sweep.csv, one point per combination (mean over seeds).",
                    p.y, p.x
                ),
                x: Axis::linear(&axis_label(&p.x)),
                y: Axis::linear(&axis_label(&p.y)),
                body: Body::Lines {
                    series,
                    shade: None,
                },
            },
        ));
    }
    // Unique file stems.
    let mut seen: Vec<String> = Vec::new();
    for (id, _) in &mut out {
        let base = id.clone();
        let mut k = 2;
        while seen.contains(id) {
            *id = format!("{base}-{k}");
            k += 1;
        }
        seen.push(id.clone());
    }
    out
}

/// Renders figures (in parallel): (file stem, SVG, PNG).
pub fn render(figs: Vec<(String, Figure)>) -> Result<Vec<(String, String, Vec<u8>)>, Error> {
    use crate::report::render;
    render::register_fonts();
    figs.into_par_iter()
        .map(|(id, f)| {
            let svg =
                render::svg(&f).map_err(|e| Error::Runtime(format!("plot {id} (SVG): {e}")))?;
            let png =
                render::png(&f).map_err(|e| Error::Runtime(format!("plot {id} (PNG): {e}")))?;
            Ok((format!("plot-{id}"), svg, png))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::spec::{Axis as SweepAxis, Point};

    /// capacity (numeric: 1, 2 GB) x policy (lru, sieve) x seeds (1, 2).
    fn sweep() -> Sweep {
        let axis = |column: &str, shown: &[&str], numeric: Option<Vec<f64>>| SweepAxis {
            column: column.into(),
            short: column.rsplit('.').next().unwrap().into(),
            keys: vec![column.into()],
            shown: shown.iter().map(|s| s.to_string()).collect(),
            numeric,
            unit_label: column.into(),
            log: false,
            labelled: false,
        };
        let mut points = Vec::new();
        for c in 0..2 {
            for p in 0..2 {
                for seed in [1, 2] {
                    points.push(Point {
                        index: points.len(),
                        name: format!("p{}", points.len()),
                        seed,
                        at: vec![c, p],
                        sets: vec![],
                    });
                }
            }
        }
        Sweep {
            name: "t".into(),
            file: String::new(),
            scenario: Default::default(),
            scenario_fnv: String::new(),
            axes: vec![
                axis("cdn.edge.capacity", &["1GB", "2GB"], Some(vec![1.0, 2.0])),
                axis("cdn.edge.policy", &["lru", "sieve"], None),
            ],
            seeds: vec![1, 2],
            plots: vec![],
            points,
            key_columns: vec![],
        }
    }

    fn rows(hit: &[f64]) -> Vec<Row> {
        hit.iter()
            .map(|h| Row {
                metrics: METRICS
                    .iter()
                    .map(|(c, _)| match *c {
                        "hit_ratio" => h.to_string(),
                        "origin_bytes" => "3000000000".into(),
                        _ => String::new(),
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn metric_against_numeric_axis_one_series_per_other_value_mean_over_seeds() {
        let sw = sweep();
        // Point order: capacity, policy, seed.
        let r = rows(&[0.1, 0.3, 0.5, 0.7, 0.2, 0.4, 0.6, 0.8]);
        let figs = figures(&sw, &r);
        let ids: Vec<&str> = figs.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids,
            ["hit_ratio-vs-capacity", "origin_bytes-vs-capacity"],
            "metrics without values are skipped"
        );
        let f = &figs[0].1;
        let lru = f.series_named("policy=lru").unwrap();
        let sieve = f.series_named("policy=sieve").unwrap();
        let close = |a: &[(f64, f64)], b: &[(f64, f64)]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(p, q)| p.0 == q.0 && (p.1 - q.1).abs() < 1e-12)
        };
        assert!(close(&lru.points, &[(1.0, 0.2), (2.0, 0.3)]), "{lru:?}");
        assert!(close(&sieve.points, &[(1.0, 0.6), (2.0, 0.7)]), "{sieve:?}");
        // Bytes in GB.
        let b = &figs[1].1;
        assert_eq!(b.y.label, "origin bytes [GB]");
        assert_eq!(b.series()[0].points[0], (1.0, 3.0));
    }

    #[test]
    fn custom_plot_one_point_per_combination() {
        let mut sw = sweep();
        sw.plots.push(crate::sweep::spec::RawPlot {
            x: "origin_bytes".into(),
            y: "hit_ratio".into(),
            series: Some("cdn.edge.policy".into()),
            title: None,
        });
        let r = rows(&[0.1, 0.3, 0.5, 0.7, 0.2, 0.4, 0.6, 0.8]);
        let figs = figures(&sw, &r);
        let (id, f) = figs.last().unwrap();
        assert_eq!(id, "hit_ratio-vs-origin_bytes");
        assert_eq!(f.x.label, "origin bytes [GB]");
        let names: Vec<&str> = f.series().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["policy=lru", "policy=sieve"]);
        assert_eq!(f.series()[0].points.len(), 2);
    }
}
