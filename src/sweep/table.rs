//! sweep.csv: one row per point, in the sweep's canonical order: the
//! point's folder name and seed, its parameters, then headline metrics
//! copied from the point's summary.json as written there (nothing is
//! recomputed or re-rounded). Columns are documented in docs/outputs.md.

use super::spec::Sweep;
use crate::error::{Error, InputError};
use crate::report::RunData;
use std::path::PathBuf;

/// Headline metrics: (sweep.csv column, summary.json path). A metric a
/// point's summary lacks is an empty cell. New metrics: one line here.
pub const METRICS: &[(&str, &str)] = &[
    ("requests", "requests"),
    ("ttfb_p50_ms", "ttfb_ms.p50"),
    ("ttfb_p90_ms", "ttfb_ms.p90"),
    ("ttfb_p99_ms", "ttfb_ms.p99"),
    ("ttfb_p99.9_ms", "ttfb_ms.p99.9"),
    ("ttfb_mean_ms", "ttfb_ms.mean"),
    ("hit_ratio", "hit_ratio.requests"),
    ("byte_hit_ratio", "hit_ratio.bytes"),
    ("origin_requests", "origin_requests"),
    ("origin_bytes", "origin_bytes"),
    ("bytes_served", "bytes_served"),
    ("uncacheable_requests", "uncacheable_requests"),
];

/// One row: the metric cells of a point, in [`METRICS`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub metrics: Vec<String>,
}

impl Row {
    /// A metric's value as a number.
    pub fn num(&self, column: &str) -> Option<f64> {
        let i = METRICS.iter().position(|(c, _)| *c == column)?;
        self.metrics[i].parse().ok()
    }
}

/// Reads each point's summary.json (`dirs[i]` is point i's folder).
pub fn rows(sweep: &Sweep, dirs: &[PathBuf]) -> Result<Vec<Row>, Error> {
    debug_assert_eq!(sweep.points.len(), dirs.len());
    dirs.iter()
        .map(|d| {
            let p = d.join("summary.json");
            let bytes =
                std::fs::read(&p).map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
            let run = RunData::from_files(&[("summary.json".into(), bytes)]).map_err(|e| {
                Error::from(InputError::new(p.display().to_string(), "", e.to_string()))
            })?;
            let metrics = METRICS
                .iter()
                .map(|(_, path)| match run.value(path) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                })
                .collect();
            Ok(Row { metrics })
        })
        .collect()
}

/// sweep.csv's header.
pub fn header(sweep: &Sweep) -> Vec<String> {
    let mut h = vec!["point".to_string(), "seed".to_string()];
    h.extend(sweep.axes.iter().map(|a| a.column.clone()));
    h.extend(sweep.key_columns.iter().map(|c| c.0.clone()));
    h.extend(METRICS.iter().map(|(c, _)| c.to_string()));
    h
}

/// sweep.csv's bytes.
pub fn csv(sweep: &Sweep, rows: &[Row]) -> Result<Vec<u8>, Error> {
    let e = |e: csv::Error| Error::Runtime(format!("sweep.csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header(sweep)).map_err(e)?;
    for (p, r) in sweep.points.iter().zip(rows) {
        let mut rec = vec![p.name.clone(), p.seed.to_string()];
        for (a, &vi) in sweep.axes.iter().zip(&p.at) {
            rec.push(a.shown[vi].clone());
        }
        for (_, ai, _, vals) in &sweep.key_columns {
            rec.push(vals[p.at[*ai]].clone());
        }
        rec.extend(r.metrics.iter().cloned());
        w.write_record(&rec).map_err(e)?;
    }
    w.into_inner()
        .map_err(|x| Error::Runtime(format!("sweep.csv: {x}")))
}
