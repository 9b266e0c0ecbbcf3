//! Comparing runs: a side-by-side table of headline metrics (printed and
//! written as compare.csv) and overlay plots, in a folder of its own.

use super::{RunData, html, plot_files, plots, render_all};
use crate::error::Error;
use crate::output::RunDir;
use std::fmt::Write;
use std::path::Path;

/// Headline metrics: summary.json path and the label people read. Shared
/// by the run page's summary table and the comparison table. A key absent
/// from every compared run is left out.
pub const HEADLINE: &[(&str, &str)] = &[
    ("steering", "steering"),
    ("seed", "seed"),
    ("duration_s", "duration [s]"),
    ("warmup_s", "warmup [s]"),
    ("requests", "measured requests"),
    ("ttfb_ms.p50", "TTFB p50 [ms]"),
    ("ttfb_ms.p90", "TTFB p90 [ms]"),
    ("ttfb_ms.p99", "TTFB p99 [ms]"),
    ("ttfb_ms.p99.9", "TTFB p99.9 [ms]"),
    ("ttfb_ms.p99.99", "TTFB p99.99 [ms]"),
    ("ttfb_ms.mean", "TTFB mean [ms]"),
    ("ttfb_ms.max", "TTFB max [ms]"),
    ("hit_ratio.requests", "edge hit ratio (requests)"),
    ("hit_ratio.bytes", "edge hit ratio (bytes)"),
    ("origin_requests", "origin requests"),
    ("origin_bytes", "origin bytes"),
    ("bytes_served", "bytes served"),
    ("transport", "transport model"),
    ("completion_ms.p50", "completion p50 [ms]"),
    ("completion_ms.p99", "completion p99 [ms]"),
    ("capacity.dropped", "requests dropped at PoPs"),
    ("capacity.drop_ratio", "drop ratio"),
    ("capacity.attack_requests", "attack requests"),
    ("capacity.attack_dropped", "attack requests dropped"),
    ("capacity.max_utilisation", "max PoP utilisation"),
    ("capacity.overloaded_pops", "overloaded PoPs"),
];

/// Rows of the comparison: (summary path, label, one value per run; empty
/// where a run lacks the key). Values are as in summary.json.
pub fn table(runs: &[(String, &RunData)]) -> Vec<(&'static str, &'static str, Vec<String>)> {
    HEADLINE
        .iter()
        .filter_map(|&(key, label)| {
            let vals: Vec<String> = runs
                .iter()
                .map(|(_, r)| match r.value(key) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                })
                .collect();
            vals.iter()
                .any(|v| !v.is_empty())
                .then_some((key, label, vals))
        })
        .collect()
}

/// compare.csv: one row per metric (`metric` is the summary.json path),
/// one column per run, headed by its label.
pub fn csv(labels: &[String], rows: &[(&str, &str, Vec<String>)]) -> Result<Vec<u8>, Error> {
    let e = |e: csv::Error| Error::Runtime(format!("compare.csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["metric".to_string()];
    head.extend(labels.iter().cloned());
    w.write_record(&head).map_err(e)?;
    for (key, _, vals) in rows {
        let mut r = vec![key.to_string()];
        r.extend(vals.iter().cloned());
        w.write_record(&r).map_err(e)?;
    }
    w.into_inner()
        .map_err(|x| Error::Runtime(format!("compare.csv: {x}")))
}

/// The table as aligned text.
pub fn text(labels: &[String], rows: &[(&str, &str, Vec<String>)]) -> String {
    let lw = rows.iter().map(|r| r.1.len()).max().unwrap_or(6).max(6);
    let cw: Vec<usize> = (0..labels.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.2[i].len())
                .chain([labels[i].len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut s = format!("{:lw$}", "metric");
    for (l, w) in labels.iter().zip(&cw) {
        let _ = write!(s, "  {l:>w$}");
    }
    s.push('\n');
    for (_, label, vals) in rows {
        let _ = write!(s, "{label:lw$}");
        for (v, w) in vals.iter().zip(&cw) {
            let _ = write!(s, "  {v:>w$}");
        }
        s.push('\n');
    }
    s
}

/// Labels for runs: folder names, made unique with `#2`, `#3`.
pub fn labels(dirs: &[&Path]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in dirs {
        let base = d
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| d.display().to_string());
        let mut l = base.clone();
        let mut k = 2;
        while out.contains(&l) {
            l = format!("{base}#{k}");
            k += 1;
        }
        out.push(l);
    }
    out
}

/// What `cdnsim compare` produced.
pub struct Comparison {
    pub dir: std::path::PathBuf,
    pub text: String,
}

/// Compares the run folders `dirs` and writes the comparison to `out`.
pub fn compare(dirs: &[&Path], out: &Path) -> Result<Comparison, Error> {
    let loaded: Vec<RunData> = dirs
        .iter()
        .map(|d| RunData::load(d))
        .collect::<Result<_, _>>()?;
    let labels = labels(dirs);
    let runs: Vec<(String, &RunData)> = labels.iter().cloned().zip(loaded.iter()).collect();
    let rows = table(&runs);
    let figs = plots::OVERLAYS
        .iter()
        .filter_map(|o| (o.build)(&runs).map(|f| (o.id, f)))
        .collect();
    let rendered = render_all(figs)?;
    let dir = RunDir::create(out)?;
    dir.write("compare.csv", &csv(&labels, &rows)?)?;
    for r in &rendered {
        let (svg, png) = plot_files(r.id);
        dir.write(&svg, r.svg.as_bytes())?;
        dir.write(&png, &r.png)?;
    }
    let shown: Vec<(String, Vec<String>)> = rows
        .iter()
        .map(|(_, l, v)| (l.to_string(), v.clone()))
        .collect();
    let paths: Vec<String> = dirs
        .iter()
        .map(|d| relative_dir(out, d).unwrap_or_else(|| d.display().to_string()))
        .collect();
    dir.write(
        "index.html",
        html::compare_page(&labels, &paths, &shown, &rendered).as_bytes(),
    )?;
    let dir = dir.commit()?;
    Ok(Comparison {
        dir,
        text: text(&labels, &rows),
    })
}

/// The folder `to` as seen from the folder `from` (which need not exist
/// yet, but its parent must), ending in `/`; `None` when either cannot be
/// resolved.
pub fn relative_dir(from: &Path, to: &Path) -> Option<String> {
    let from = std::fs::canonicalize(match from.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    })
    .ok()?
    .join(from.file_name()?);
    let to = std::fs::canonicalize(to).ok()?;
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = String::new();
    for _ in common..a.len() {
        rel.push_str("../");
    }
    for c in &b[common..] {
        rel.push_str(&c.as_os_str().to_string_lossy());
        rel.push('/');
    }
    Some(rel)
}

/// Writes compare.csv, the overlay plots and index.html of runs held in
/// memory (the steering modes of one run, each in the sub-folder named by
/// its label) into `dir`; returns the printed table.
pub fn write_in(dir: &RunDir, runs: &[(String, RunData)]) -> Result<String, Error> {
    let labels: Vec<String> = runs.iter().map(|r| r.0.clone()).collect();
    let refs: Vec<(String, &RunData)> = runs.iter().map(|(l, r)| (l.clone(), r)).collect();
    let rows = table(&refs);
    let figs = plots::OVERLAYS
        .iter()
        .filter_map(|o| (o.build)(&refs).map(|f| (o.id, f)))
        .collect();
    let rendered = render_all(figs)?;
    dir.write("compare.csv", &csv(&labels, &rows)?)?;
    for r in &rendered {
        let (svg, png) = plot_files(r.id);
        dir.write(&svg, r.svg.as_bytes())?;
        dir.write(&png, &r.png)?;
    }
    let shown: Vec<(String, Vec<String>)> = rows
        .iter()
        .map(|(_, l, v)| (l.to_string(), v.clone()))
        .collect();
    let paths: Vec<String> = labels.iter().map(|l| format!("{l}/")).collect();
    dir.write(
        "index.html",
        html::compare_page(&labels, &paths, &shown, &rendered).as_bytes(),
    )?;
    Ok(text(&labels, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: &str) -> RunData {
        RunData::from_files(&[("summary.json".into(), json.as_bytes().to_vec())]).unwrap()
    }

    #[test]
    fn table_is_side_by_side_and_skips_keys_nobody_has() {
        let (a, b) = (
            run(r#"{"steering":"nearest","requests":10,"ttfb_ms":{"p99.9":5.5}}"#),
            run(r#"{"steering":"anycast","requests":12}"#),
        );
        let runs = vec![("a".to_string(), &a), ("b".to_string(), &b)];
        let rows = table(&runs);
        let keys: Vec<&str> = rows.iter().map(|r| r.0).collect();
        assert_eq!(keys, ["steering", "requests", "ttfb_ms.p99.9"]);
        assert_eq!(rows[2].2, vec!["5.5".to_string(), String::new()]);
        let labels = vec!["a".to_string(), "b".to_string()];
        let csv = String::from_utf8(csv(&labels, &rows).unwrap()).unwrap();
        assert_eq!(
            csv,
            "metric,a,b\nsteering,nearest,anycast\nrequests,10,12\nttfb_ms.p99.9,5.5,\n"
        );
        let t = text(&labels, &rows);
        assert!(t.contains("measured requests"), "{t}");
        assert!(
            t.lines()
                .all(|l| l.len() == t.lines().next().unwrap().len())
        );
    }

    #[test]
    fn run_folders_are_linked_relative_to_the_comparison() {
        let base = std::env::temp_dir().join(format!("cdnsim-rel-{}", std::process::id()));
        std::fs::create_dir_all(base.join("runs/a")).unwrap();
        let rel = relative_dir(&base.join("cmp"), &base.join("runs/a")).unwrap();
        assert_eq!(rel, "../runs/a/");
        assert!(relative_dir(&base.join("cmp"), &base.join("nosuch")).is_none());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn labels_are_unique() {
        let l = labels(&[Path::new("x/run"), Path::new("y/run"), Path::new("z/other")]);
        assert_eq!(l, ["run", "run#2", "other"]);
    }
}
