//! Reports people read: plots (SVG and PNG) and an `index.html` per run
//! folder, and side-by-side comparisons of several runs.
//!
//! Everything here is drawn from the files of a run folder (summary.json,
//! config.toml and the CSVs; docs/outputs.md), never from the model, so a
//! report can be rebuilt from a folder on disk and `cdnsim compare` reads
//! exactly what `cdnsim run` plotted. The flow is
//!
//! ```text
//! files --RunData--> plots::RUN_PLOTS (fn(&RunData) -> Option<Figure>)
//!       --render--> plot-<id>.svg / plot-<id>.png --html--> index.html
//! ```
//!
//! Adding a plot is one function in [`plots`] and one line in its registry;
//! a plot whose input columns are absent from a run is skipped, so plots of
//! capabilities a run did not use (BGP catchments, tiers) need no flags.
//! Plots render without system fonts: DejaVu Sans is compiled in
//! ([`render::register_fonts`]).

pub mod compare;
pub mod figure;
pub mod html;
pub mod imc2015;
pub mod plots;
pub mod render;
pub mod table;

use crate::error::{Error, InputError};
use crate::output::RunDir;
use figure::Figure;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use table::Table;

/// The files of one run folder, parsed.
#[derive(Clone, Debug)]
pub struct RunData {
    /// summary.json.
    pub summary: serde_json::Value,
    /// config.toml as written.
    pub config: Option<String>,
    /// Every `*.csv`, by file name.
    pub tables: BTreeMap<String, Table>,
}

impl RunData {
    /// From (file name, bytes) pairs as [`crate::output::summary::write_all`]
    /// returns them.
    pub fn from_files(files: &[(String, Vec<u8>)]) -> Result<RunData, Error> {
        RunData::parse(files, None)
    }

    /// Reads a run folder from disk (summary.json, config.toml, `*.csv`).
    pub fn load(dir: &Path) -> Result<RunData, Error> {
        if !dir.join("summary.json").is_file() {
            return Err(InputError::new(
                dir.display().to_string(),
                "",
                "no summary.json here: expected a folder written by `cdnsim run`",
            )
            .into());
        }
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n == "summary.json" || n == "config.toml" || n.ends_with(".csv"))
            .collect();
        names.sort();
        let mut files = Vec::new();
        for n in names {
            let p = dir.join(&n);
            let bytes =
                std::fs::read(&p).map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
            files.push((n, bytes));
        }
        RunData::parse(&files, Some(dir))
    }

    /// Errors name `dir/file` when `dir` is given.
    fn parse(files: &[(String, Vec<u8>)], dir: Option<&Path>) -> Result<RunData, Error> {
        let shown = |name: &str| match dir {
            Some(d) => d.join(name).display().to_string(),
            None => name.to_string(),
        };
        let mut summary = None;
        let mut config = None;
        let mut tables = BTreeMap::new();
        for (name, bytes) in files {
            if name == "summary.json" {
                summary = Some(serde_json::from_slice(bytes).map_err(|e| {
                    InputError::at_line(shown(name), Some(e.line()), "", e.to_string())
                })?);
            } else if name == "config.toml" {
                config = Some(String::from_utf8_lossy(bytes).into_owned());
            } else if name.ends_with(".csv") {
                tables.insert(name.clone(), Table::parse(&shown(name), bytes)?);
            }
        }
        let summary = summary.ok_or_else(|| {
            InputError::new(
                shown("summary.json"),
                "",
                "missing: not a cdnsim run folder",
            )
        })?;
        Ok(RunData {
            summary,
            config,
            tables,
        })
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// A summary value by dotted path (`ttfb_ms.p50`); keys that contain a
    /// dot (`p99.9`) are found too.
    pub fn value(&self, path: &str) -> Option<&serde_json::Value> {
        lookup(&self.summary, path)
    }

    pub fn num(&self, path: &str) -> Option<f64> {
        self.value(path)?.as_f64()
    }
}

fn lookup<'v>(v: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    if path.is_empty() {
        return Some(v);
    }
    let obj = v.as_object()?;
    if let Some(x) = obj.get(path) {
        return Some(x);
    }
    // Longest key prefix first so `ttfb_ms.p99.9` finds key `p99.9`.
    let mut cuts: Vec<usize> = path.match_indices('.').map(|(i, _)| i).collect();
    cuts.reverse();
    cuts.into_iter().find_map(|i| {
        let (head, rest) = (&path[..i], &path[i + 1..]);
        lookup(obj.get(head)?, rest)
    })
}

/// One drawn plot: its registry id, the figure and the rendered files.
pub struct Rendered {
    pub id: &'static str,
    pub figure: Figure,
    pub svg: String,
    pub png: Vec<u8>,
}

/// File names of a rendered plot.
pub fn plot_files(id: &str) -> (String, String) {
    (format!("plot-{id}.svg"), format!("plot-{id}.png"))
}

/// Renders figures in parallel (one per core), keeping their order.
pub fn render_all(figs: Vec<(&'static str, Figure)>) -> Result<Vec<Rendered>, Error> {
    render::register_fonts();
    figs.into_par_iter()
        .map(|(id, figure)| {
            let svg = render::svg(&figure)
                .map_err(|e| Error::Runtime(format!("plot {id} (SVG): {e}")))?;
            let png = render::png(&figure)
                .map_err(|e| Error::Runtime(format!("plot {id} (PNG): {e}")))?;
            Ok(Rendered {
                id,
                figure,
                svg,
                png,
            })
        })
        .collect()
}

/// Builds every plot of [`plots::RUN_PLOTS`] whose data the run has.
pub fn run_figures(run: &RunData) -> Vec<(&'static str, Figure)> {
    plots::RUN_PLOTS
        .iter()
        .filter_map(|p| (p.build)(run).map(|f| (p.id, f)))
        .collect()
}

/// Writes the plots and index.html of a run into its (uncommitted) folder.
/// `files` are the files already written, as `summary::write_all` returns.
pub fn write_run(dir: &RunDir, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let run = RunData::from_files(files)?;
    let rendered = render_all(run_figures(&run))?;
    for r in &rendered {
        let (svg, png) = plot_files(r.id);
        dir.write(&svg, r.svg.as_bytes())?;
        dir.write(&png, &r.png)?;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    dir.write(
        "index.html",
        html::run_page(&run, &rendered, &names).as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_paths_find_dotted_keys() {
        let run = RunData::from_files(&[(
            "summary.json".into(),
            br#"{"ttfb_ms": {"p99.9": 7.5, "p50": 1}, "seed": 3}"#.to_vec(),
        )])
        .unwrap();
        assert_eq!(run.num("ttfb_ms.p99.9"), Some(7.5));
        assert_eq!(run.num("ttfb_ms.p50"), Some(1.0));
        assert_eq!(run.num("seed"), Some(3.0));
        assert_eq!(run.num("ttfb_ms.p42"), None);
    }

    #[test]
    fn a_folder_without_summary_is_refused() {
        let e = RunData::from_files(&[("pops.csv".into(), b"a\n1\n".to_vec())]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
