//! The sweep file: plain serde data (unknown keys rejected), read with
//! located errors and expanded into an ordered list of points.

use crate::error::InputError;
use crate::scenario::load::{Seg, format_path, locate, parse_path, parse_toml};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Value;

/// Most points one sweep may expand to.
pub const MAX_POINTS: usize = 100_000;

/// A sweep file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// The base scenario, relative to the sweep file's folder.
    pub scenario: String,
    /// Names the sweep (default output folder `results/sweeps/<name>`);
    /// default: the sweep file's stem.
    #[serde(default)]
    pub name: Option<String>,
    /// Runs per parameter combination, with seeds `seed`, `seed+1`, ...
    /// (the scenario's seed after `[set]`). Default 1.
    #[serde(default)]
    pub replications: Option<u64>,
    /// Explicit seeds, one run each (instead of `replications`).
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
    /// Overrides applied to every point, as `--set KEY=VALUE` would.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// Swept parameters; points are their Cartesian product, the first
    /// axis outermost.
    #[serde(default)]
    pub axis: Vec<RawAxis>,
    /// Extra plots of one sweep.csv column against another.
    #[serde(default)]
    pub plot: Vec<RawPlot>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAxis {
    /// One scenario key (a `--set` path) ...
    #[serde(default)]
    pub key: Option<String>,
    /// ... or several keys varied together: each value is a list with one
    /// entry per key.
    #[serde(default)]
    pub keys: Option<Vec<String>>,
    pub values: Vec<Value>,
    /// Names of the values, used in folder names, sweep.csv and plots.
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// Names the axis (sweep.csv column of the labels, folder names).
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPlot {
    /// sweep.csv column on the x axis (a metric, or a numeric parameter).
    pub x: String,
    /// sweep.csv column on the y axis.
    pub y: String,
    /// Axis name whose values become one series each (default: none).
    #[serde(default)]
    pub series: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// One `--set` a point applies, with where it came from in the sweep file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PointSet {
    /// `key.path=value`, as `--set` takes it.
    pub arg: String,
    /// Field path in the sweep file (`axis[0].values[2]`); empty when the
    /// override came from the command line.
    pub origin: String,
}

/// A swept parameter column of sweep.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Axis {
    /// Column name: the axis name when it has labels, else the key.
    pub column: String,
    /// Short name used in folder names.
    pub short: String,
    /// Scenario keys it sets.
    pub keys: Vec<String>,
    /// Per value: the text in sweep.csv and folder names.
    pub shown: Vec<String>,
    /// Per value: the numeric x of a plot, when every value has one.
    pub numeric: Option<Vec<f64>>,
    /// x-axis label for plots (key and unit).
    pub unit_label: String,
    /// Whether plots should use a log x axis.
    pub log: bool,
    /// Whether the values are labels (then each key also gets a column).
    pub labelled: bool,
}

/// One run of the sweep.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// Position in the sweep's canonical order (0-based).
    pub index: usize,
    /// Folder name under `points/`.
    pub name: String,
    pub seed: u64,
    /// Index into each axis's values.
    pub at: Vec<usize>,
    /// Overrides, in the order applied (fixed, command line, axes, seed).
    pub sets: Vec<PointSet>,
}

/// A sweep, read and expanded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Sweep {
    pub name: String,
    /// The sweep file as given.
    pub file: String,
    /// The base scenario's path (as given, joined to the sweep's folder).
    pub scenario: PathBuf,
    /// FNV-1a of the base scenario's text, hex: a finished point is only
    /// reused when the scenario did not change.
    pub scenario_fnv: String,
    pub axes: Vec<Axis>,
    pub seeds: Vec<u64>,
    pub plots: Vec<RawPlot>,
    pub points: Vec<Point>,
    /// Extra columns of sweep.csv per labelled axis key: (column, axis,
    /// key index, per-value text).
    pub key_columns: Vec<(String, usize, usize, Vec<String>)>,
}

/// Sweep file text, kept to locate errors found after parsing.
pub struct Source {
    pub file: String,
    pub text: String,
}

impl Source {
    pub fn error(&self, segs: &[Seg], message: impl Into<String>) -> InputError {
        let err = InputError::new(&self.file, format_path(segs), message);
        match locate(&self.text, false, segs) {
            Some((l, c)) => err.with_position(l, c),
            None => err,
        }
    }
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// FNV-1a, 64 bits: a stable fingerprint (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A value as `--set` reads it (TOML syntax).
pub fn toml_repr(v: &Value) -> String {
    match v {
        Value::String(s) => Value::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

/// A value as people read it in sweep.csv: strings unquoted.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `path` looks like a sweep file rather than a scenario: TOML
/// with a top-level `scenario` key (a key scenarios do not have).
pub fn is_sweep_file(path: &Path) -> bool {
    !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok())
            .is_some_and(|t| t.contains_key("scenario"))
}

/// Reads a sweep file (TOML) and expands it. `cli_sets` are `--set`
/// arguments of the command line, applied to every point after `[set]`.
/// Points are not validated here (see [`super::check`]).
pub fn load(path: &Path, cli_sets: &[String]) -> Result<(Sweep, Source), InputError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(
            &file,
            "",
            format!("cannot read sweep file: {e} (expected a readable TOML file)"),
        )
    })?;
    let src = Source { file, text };
    let table = parse_toml(&src.file, &src.text)?;
    let raw: RawSweep = serde_path_to_error::deserialize(Value::Table(table)).map_err(|e| {
        let p = e.path().to_string();
        let p = if p == "." { String::new() } else { p };
        let segs = parse_path(&p).unwrap_or_default();
        src.error(&segs, e.inner().message().replace('`', "\""))
    })?;
    let sweep = expand(&raw, path, &src, cli_sets)?;
    Ok((sweep, src))
}

fn check_key(src: &Source, at: &[Seg], k: &str) -> Result<Vec<Seg>, InputError> {
    let segs = parse_path(k)
        .filter(|s| matches!(s.first(), Some(Seg::Key(_))))
        .ok_or_else(|| {
            src.error(
                at,
                format!("invalid key path {k:?} (expected dotted keys as for --set, e.g. cdn.edge.capacity or workload.catalogs[0].zipf_alpha)"),
            )
        })?;
    if segs == [key("seed")] {
        return Err(src.error(
            at,
            "the seed is not an axis: use replications = N or seeds = [...]",
        ));
    }
    Ok(segs)
}

fn overlaps(a: &[Seg], b: &[Seg]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Folder-name text of a value: letters, digits and `.-+` kept, the rest
/// `_`, at most 40 characters.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if out.is_empty() { "_".into() } else { out }
}

/// Shortest unique suffixes (in key segments, indices dropped) of keys.
fn short_names(keys: &[String]) -> Vec<String> {
    let parts: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            parse_path(k)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| match s {
                    Seg::Key(k) => Some(k),
                    Seg::Index(_) => None,
                })
                .collect()
        })
        .collect();
    let suffix = |p: &Vec<String>, n: usize| p[p.len().saturating_sub(n)..].join(".");
    (0..keys.len())
        .map(|i| {
            let p = &parts[i];
            for n in 1..=p.len() {
                let s = suffix(p, n);
                let clash = (0..keys.len()).any(|j| j != i && suffix(&parts[j], n) == s);
                if !clash {
                    return s;
                }
            }
            keys[i].clone()
        })
        .collect()
}

/// Numeric x of plain values: numbers as they are; sizes in the largest
/// SI unit that keeps the smallest value >= 1 (label says which);
/// durations in seconds; rates per second.
fn numeric(key: &str, values: &[Value]) -> (Option<Vec<f64>>, String, bool) {
    let nums: Option<Vec<f64>> = values
        .iter()
        .map(|v| match v {
            Value::Integer(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        })
        .collect();
    let strs: Option<Vec<&str>> = values.iter().map(|v| v.as_str()).collect();
    let (xs, label) = if let Some(n) = nums {
        (Some(n), key.to_string())
    } else if let Some(s) = strs {
        if let Some(b) = s
            .iter()
            .map(|x| crate::units::parse_bytes(x).ok().map(|b| b as f64))
            .collect::<Option<Vec<f64>>>()
            .filter(|_| s.iter().any(|x| x.ends_with('B')))
        {
            let lo = b.iter().copied().fold(f64::INFINITY, f64::min);
            let (scale, unit) = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
                .into_iter()
                .find(|(k, _)| lo >= *k)
                .unwrap_or((1.0, "B"));
            (
                Some(b.iter().map(|x| x / scale).collect()),
                format!("{key} [{unit}]"),
            )
        } else if let Some(d) = s
            .iter()
            .map(|x| {
                crate::units::parse_duration(x)
                    .ok()
                    .map(|d| d.as_secs_f64())
            })
            .collect::<Option<Vec<f64>>>()
        {
            (Some(d), format!("{key} [s]"))
        } else if let Some(r) = s
            .iter()
            .map(|x| crate::units::parse_rate(x).ok())
            .collect::<Option<Vec<f64>>>()
        {
            (Some(r), format!("{key} [1/s]"))
        } else {
            (None, key.to_string())
        }
    } else {
        (None, key.to_string())
    };
    let log = xs.as_ref().is_some_and(|x| {
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        lo > 0.0 && hi / lo >= 8.0
    });
    (xs, label, log)
}

fn expand(
    raw: &RawSweep,
    path: &Path,
    src: &Source,
    cli_sets: &[String],
) -> Result<Sweep, InputError> {
    let name = match &raw.name {
        Some(n) => n.clone(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into()),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(src.error(
            &[key("name")],
            format!("invalid sweep name {name:?} (expected letters, digits, '-', '_' or '.')"),
        ));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let scenario = base.join(&raw.scenario);
    let scenario_text = std::fs::read(&scenario).map_err(|e| {
        src.error(
            &[key("scenario")],
            format!(
                "cannot read {}: {e} (expected a scenario file, relative to the sweep file's folder)",
                scenario.display()
            ),
        )
    })?;

    // Fixed overrides.
    let mut fixed: Vec<(Vec<Seg>, PointSet)> = Vec::new();
    let mut flat = Vec::new();
    for (k, v) in &raw.set {
        flatten(k, vec![key("set"), key(k)], v, &mut flat);
    }
    for (k, at, v) in flat {
        let segs = check_key(src, &at, &k)?;
        fixed.push((
            segs,
            PointSet {
                arg: format!("{k}={}", toml_repr(v)),
                origin: format_path(&at),
            },
        ));
    }
    for s in cli_sets {
        let k = s.split_once('=').map_or(s.as_str(), |(k, _)| k).trim();
        let segs = parse_path(k).unwrap_or_default();
        fixed.push((
            segs,
            PointSet {
                arg: s.clone(),
                origin: String::new(),
            },
        ));
    }

    // Axes.
    let mut axes = Vec::new();
    let mut axis_sets: Vec<Vec<Vec<PointSet>>> = Vec::new();
    let mut seen: Vec<(Vec<Seg>, usize)> = Vec::new();
    let mut key_columns = Vec::new();
    for (ai, a) in raw.axis.iter().enumerate() {
        let at = |rest: &[Seg]| {
            let mut v = vec![key("axis"), Seg::Index(ai)];
            v.extend_from_slice(rest);
            v
        };
        let (keys, multi) = match (&a.key, &a.keys) {
            (Some(k), None) => (vec![k.clone()], false),
            (None, Some(ks)) if !ks.is_empty() => (ks.clone(), true),
            (None, Some(_)) => {
                return Err(src.error(&at(&[key("keys")]), "needs at least one key"));
            }
            _ => {
                return Err(src.error(
                    &at(&[]),
                    "give exactly one of key = \"a.b\" or keys = [\"a.b\", \"c.d\"]",
                ));
            }
        };
        for (ki, k) in keys.iter().enumerate() {
            let kat = if multi {
                at(&[key("keys"), Seg::Index(ki)])
            } else {
                at(&[key("key")])
            };
            let segs = check_key(src, &kat, k)?;
            if let Some((_, other)) = seen.iter().find(|(s, _)| overlaps(s, &segs)) {
                return Err(src.error(
                    &kat,
                    format!(
                        "{k:?} overlaps a key of axis[{other}]; each key may be swept by one axis"
                    ),
                ));
            }
            if let Some((_, f)) = fixed.iter().find(|(s, _)| overlaps(s, &segs)) {
                let what = if f.origin.is_empty() {
                    format!("--set {}", f.arg)
                } else {
                    f.origin.clone()
                };
                return Err(src.error(
                    &kat,
                    format!("{k:?} is swept here and also fixed by {what}; remove one"),
                ));
            }
            seen.push((segs, ai));
        }
        if a.values.is_empty() {
            return Err(src.error(&at(&[key("values")]), "needs at least one value"));
        }
        let mut per_value: Vec<Vec<PointSet>> = Vec::new();
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
        let mut key_values: Vec<Vec<Value>> = vec![Vec::new(); keys.len()];
        for (vi, v) in a.values.iter().enumerate() {
            let vat = at(&[key("values"), Seg::Index(vi)]);
            let entries: Vec<(Value, Vec<Seg>)> = if multi {
                match v {
                    Value::Array(xs) if xs.len() == keys.len() => xs
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            let mut p = vat.clone();
                            p.push(Seg::Index(i));
                            (x.clone(), p)
                        })
                        .collect(),
                    _ => {
                        return Err(src.error(
                            &vat,
                            format!(
                                "expected a list of {} values, one per key of keys",
                                keys.len()
                            ),
                        ));
                    }
                }
            } else {
                vec![(v.clone(), vat.clone())]
            };
            let mut sets = Vec::new();
            for (ki, (x, p)) in entries.into_iter().enumerate() {
                sets.push(PointSet {
                    arg: format!("{}={}", keys[ki], toml_repr(&x)),
                    origin: format_path(&p),
                });
                columns[ki].push(plain(&x));
                key_values[ki].push(x);
            }
            let same = |o: &Vec<PointSet>| o.iter().zip(&sets).all(|(a, b)| a.arg == b.arg);
            if per_value.iter().any(same) {
                return Err(src.error(&vat, "this value is listed twice"));
            }
            per_value.push(sets);
        }
        let labels = match &a.labels {
            Some(l) => {
                if l.len() != a.values.len() {
                    return Err(src.error(
                        &at(&[key("labels")]),
                        format!(
                            "has {} labels for {} values (expected one label per value)",
                            l.len(),
                            a.values.len()
                        ),
                    ));
                }
                for (i, x) in l.iter().enumerate() {
                    if x.is_empty() || l[..i].contains(x) {
                        return Err(src.error(
                            &at(&[key("labels"), Seg::Index(i)]),
                            "labels must be non-empty and distinct",
                        ));
                    }
                }
                Some(l.clone())
            }
            None => None,
        };
        let labelled = labels.is_some() || multi;
        let column = match (&a.name, labelled) {
            (Some(n), _) => n.clone(),
            (None, false) => keys[0].clone(),
            (None, true) => format!("axis{}", ai + 1),
        };
        let shown: Vec<String> = match &labels {
            Some(l) => l.clone(),
            None if multi => (0..a.values.len())
                .map(|vi| {
                    columns
                        .iter()
                        .map(|c| c[vi].clone())
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .collect(),
            None => columns[0].clone(),
        };
        let (numeric, unit_label, log) = if labelled {
            (None, column.clone(), false)
        } else {
            numeric(&keys[0], &key_values[0])
        };
        if labelled {
            for (ki, k) in keys.iter().enumerate() {
                key_columns.push((k.clone(), axes.len(), ki, columns[ki].clone()));
            }
        }
        axes.push(Axis {
            column,
            short: String::new(),
            keys,
            shown,
            numeric,
            unit_label,
            log,
            labelled,
        });
        axis_sets.push(per_value);
    }
    // Short names: axis names as given, else the key's shortest unique
    // suffix.
    let cols: Vec<String> = axes.iter().map(|a| a.column.clone()).collect();
    let shorts = short_names(&cols);
    for (a, s) in axes.iter_mut().zip(shorts) {
        a.short = if a.labelled { a.column.clone() } else { s };
    }
    if let Some(i) = axes
        .iter()
        .position(|a| a.column == "point" || a.column == "seed")
    {
        return Err(src.error(
            &[key("axis"), Seg::Index(i), key("name")],
            "\"point\" and \"seed\" are sweep.csv columns of their own; pick another axis name",
        ));
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.column == a.column) {
            return Err(src.error(
                &[key("axis"), Seg::Index(i)],
                format!(
                    "two axes are named {:?}; give one a distinct name",
                    a.column
                ),
            ));
        }
    }

    // Seeds.
    let seeds = match (&raw.replications, &raw.seeds) {
        (Some(_), Some(_)) => {
            return Err(src.error(
                &[key("seeds")],
                "give replications = N or seeds = [...], not both",
            ));
        }
        (_, Some(s)) => {
            if s.is_empty() {
                return Err(src.error(&[key("seeds")], "needs at least one seed"));
            }
            for (i, x) in s.iter().enumerate() {
                if s[..i].contains(x) {
                    return Err(src.error(
                        &[key("seeds"), Seg::Index(i)],
                        format!("seed {x} is listed twice"),
                    ));
                }
            }
            s.clone()
        }
        (r, None) => {
            let n = r.unwrap_or(1);
            if n == 0 || n > MAX_POINTS as u64 {
                return Err(src.error(
                    &[key("replications")],
                    format!("must be between 1 and {MAX_POINTS}"),
                ));
            }
            let base_seed = base_seed(&scenario, &scenario_text, &fixed)?;
            (0..n).map(|i| base_seed.wrapping_add(i)).collect()
        }
    };

    // Points: axes' Cartesian product (first axis outermost), seeds innermost.
    let mut total: usize = seeds.len();
    for a in &axes {
        total = total.saturating_mul(a.shown.len());
    }
    if total > MAX_POINTS {
        return Err(src.error(
            &[key("axis")],
            format!("the sweep has {total} points; at most {MAX_POINTS} are allowed"),
        ));
    }
    let mut points = Vec::with_capacity(total);
    let mut at = vec![0usize; axes.len()];
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    'outer: loop {
        for &seed in &seeds {
            let mut sets: Vec<PointSet> = fixed.iter().map(|(_, s)| s.clone()).collect();
            let mut parts = Vec::new();
            for (ai, &vi) in at.iter().enumerate() {
                sets.extend(axis_sets[ai][vi].iter().cloned());
                parts.push(format!(
                    "{}={}",
                    slug(&axes[ai].short),
                    slug(&axes[ai].shown[vi])
                ));
            }
            sets.push(PointSet {
                arg: format!("seed={seed}"),
                origin: if raw.seeds.is_some() {
                    "seeds".into()
                } else {
                    "replications".into()
                },
            });
            parts.push(format!("seed={seed}"));
            let name = parts.join(",");
            let index = points.len();
            if let Some(other) = names.insert(name.clone(), index) {
                return Err(src.error(
                    &[key("axis")],
                    format!(
                        "points {other} and {index} would share the folder name {name:?}; give the axis labels"
                    ),
                ));
            }
            points.push(Point {
                index,
                name,
                seed,
                at: at.clone(),
                sets,
            });
        }
        // Next combination, last axis fastest.
        let mut i = axes.len();
        loop {
            if i == 0 {
                break 'outer;
            }
            i -= 1;
            at[i] += 1;
            if at[i] < axes[i].shown.len() {
                break;
            }
            at[i] = 0;
        }
    }
    for (i, p) in raw.plot.iter().enumerate() {
        if let Some(s) = &p.series
            && !axes.iter().any(|a| &a.column == s)
        {
            let names: Vec<&str> = axes.iter().map(|a| a.column.as_str()).collect();
            return Err(src.error(
                &[key("plot"), Seg::Index(i), key("series")],
                format!("no axis is named {s:?} (axes: {})", names.join(", ")),
            ));
        }
    }
    Ok(Sweep {
        name,
        file: src.file.clone(),
        scenario,
        scenario_fnv: format!("{:016x}", fnv1a(&scenario_text)),
        axes,
        seeds,
        plots: raw.plot.clone(),
        points,
        key_columns,
    })
}

/// `[set]` entries as (key path, sweep-file path, value): tables are
/// merged key by key (`[set.cdn.edge] capacity = "1GB"` is
/// `"cdn.edge.capacity" = "1GB"`), other values set whole.
fn flatten<'v>(
    path: &str,
    at: Vec<Seg>,
    v: &'v Value,
    out: &mut Vec<(String, Vec<Seg>, &'v Value)>,
) {
    match v {
        Value::Table(t) if !t.is_empty() => {
            for (k, x) in t {
                let mut a = at.clone();
                a.push(key(k));
                flatten(&format!("{path}.{k}"), a, x, out);
            }
        }
        _ => out.push((path.to_string(), at, v)),
    }
}

/// The scenario's seed after the fixed overrides.
fn base_seed(
    scenario: &Path,
    text: &[u8],
    fixed: &[(Vec<Seg>, PointSet)],
) -> Result<u64, InputError> {
    let sets: Vec<String> = fixed.iter().map(|(_, s)| s.arg.clone()).collect();
    let json = scenario
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let loaded = crate::scenario::load_str(
        &scenario.display().to_string(),
        String::from_utf8_lossy(text).into_owned(),
        json,
        &sets,
    )?;
    Ok(loaded.scenario.seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_the_shortest_unique_suffix() {
        let k = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            short_names(&k(&[
                "cdn.edge.capacity",
                "workload.catalogs[0].zipf_alpha"
            ])),
            ["capacity", "zipf_alpha"]
        );
        assert_eq!(
            short_names(&k(&["cdn.edge.capacity", "origin.capacity"])),
            ["edge.capacity", "origin.capacity"]
        );
    }

    #[test]
    fn values_print_as_set_reads_them_and_slug_is_safe() {
        assert_eq!(toml_repr(&Value::String("2GB".into())), "\"2GB\"");
        assert_eq!(toml_repr(&Value::Float(0.9)), "0.9");
        assert_eq!(plain(&Value::String("2GB".into())), "2GB");
        assert_eq!(slug("a b/c"), "a_b_c");
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn set_tables_merge_key_by_key() {
        let t: toml::Table = "[set.cdn.edge]\ncapacity = \"1GB\"\n[set]\nduration = \"1m\"\n\"clients.rate\" = \"1k/s\"\nlist = [1, 2]\n"
            .parse()
            .unwrap();
        let mut out = Vec::new();
        for (k, v) in t["set"].as_table().unwrap() {
            flatten(k, vec![key("set"), key(k)], v, &mut out);
        }
        let got: Vec<(String, String, String)> = out
            .iter()
            .map(|(k, at, v)| (k.clone(), format_path(at), toml_repr(v)))
            .collect();
        let want = [
            ("cdn.edge.capacity", "set.cdn.edge.capacity", "\"1GB\""),
            ("clients.rate", "set.clients.rate", "\"1k/s\""),
            ("duration", "set.duration", "\"1m\""),
            ("list", "set.list", "[1, 2]"),
        ];
        assert_eq!(
            got,
            want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        );
    }

    #[test]
    fn sizes_plot_in_gb_on_a_log_axis() {
        let v = |s: &[&str]| {
            s.iter()
                .map(|x| Value::String(x.to_string()))
                .collect::<Vec<_>>()
        };
        let (x, label, log) = numeric("cdn.edge.capacity", &v(&["500MB", "1GB", "4GB"]));
        assert_eq!(x, Some(vec![500.0, 1000.0, 4000.0]));
        assert_eq!(label, "cdn.edge.capacity [MB]");
        assert!(log);
        let (x, _, log) = numeric("a", &[Value::Float(0.7), Value::Float(0.9)]);
        assert_eq!(x, Some(vec![0.7, 0.9]));
        assert!(!log);
        assert_eq!(numeric("a", &v(&["lru", "fifo"])).0, None);
    }
}
