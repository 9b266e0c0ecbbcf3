//! Trace replay as a request source for `cdnsim run` (`workload.trace`).
//!
//! The trace (CSV or libCacheSim oracleGeneral, `src/trace/`) is read
//! whole and sorted by time (stable: ties keep file order). Trace time `t`
//! becomes simulated time `(t - t_first) x time_unit`; requests at or after
//! the scenario's `duration` are dropped, as are zero-size requests (as
//! libCacheSim does). Each request's client group:
//!
//! - CSV with a `region` (else `client`) label equal to a client group's
//!   city name (ASCII case-insensitive): that group; another label: a
//!   group drawn once per label by weight, from a hash of the label (so a
//!   label always maps to the same group);
//! - no label (oracleGeneral): drawn per request by weight from the stream
//!   `trace/groups`.
//!
//! Each request's catalog: the CSV `catalog` column's name (one of
//! `workload.catalogs[].name`; another name is a located error), else
//! catalog 0. Its header profile: the catalog's rule for its objects
//! (`Catalog::profile_of_index`: the `cacheable` share, then the header
//! profiles' shares, each by a hash of the object index), with the trace
//! object id as the index; so one object always gets one profile, and a
//! catalog's profile shares hold over its trace objects. Its size is the
//! trace's; its cache key the trace object id. The catalogs' popularity and
//! sizes are not used.

use super::source::{Request, RequestSource};
use crate::error::InputError;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::time::{SimDuration, SimTime};
use crate::trace::{Trace, TraceFormat};
use rand::RngExt;
use std::path::PathBuf;

/// A validated `workload.trace`.
#[derive(Clone, Debug)]
pub struct TraceConfig {
    pub file: PathBuf,
    pub format: TraceFormat,
    /// Simulated duration of one trace time unit.
    pub time_unit: SimDuration,
}

/// The trace's requests, in time order.
#[derive(Debug)]
pub struct Replay {
    requests: Vec<Request>,
    next: usize,
}

/// The group of `u` in [0, 1) by cumulative shares.
fn by_weight(cum: &[f64], u: f64) -> u32 {
    cum.partition_point(|&c| c <= u).min(cum.len() - 1) as u32
}

impl Replay {
    pub fn open(cfg: &RunConfig, t: &TraceConfig) -> Result<Replay, InputError> {
        let trace = Trace::open(&t.file, t.format)?;
        let mut cum = Vec::with_capacity(cfg.groups.len());
        let mut acc = 0.0;
        for g in &cfg.groups {
            acc += g.share;
            cum.push(acc);
        }
        let mut rng = Streams::new(cfg.seed).stream("trace/groups");
        let names: Vec<String> = cfg
            .groups
            .iter()
            .map(|g| cfg.cities.get(g.city).name.to_ascii_lowercase())
            .collect();
        let label_group = |label: &str| -> u32 {
            let l = label.to_ascii_lowercase();
            match names.iter().position(|n| *n == l) {
                Some(i) => i as u32,
                None => {
                    let h = crate::sim::tiers::fnv1a64(label);
                    let u =
                        (crate::rng::splitmix64(&mut h.clone()) >> 11) as f64 / (1u64 << 53) as f64;
                    by_weight(&cum, u)
                }
            }
        };
        let catalog_of = trace_catalogs(cfg, t, &trace)?;
        let raw: Vec<(u64, u64, u64, u32)> = match &trace {
            Trace::OracleGeneral(o) => o
                .requests()
                .map(|r| (r.time, r.id, r.size, by_weight(&cum, rng.random::<f64>())))
                .collect(),
            Trace::Csv(c) => {
                let (labels, of) = if !c.regions.is_empty() {
                    (&c.regions, &c.region_of)
                } else {
                    (&c.clients, &c.client_of)
                };
                let groups: Vec<u32> = labels.iter().map(|l| label_group(l)).collect();
                c.requests
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let g = if labels.is_empty() {
                            by_weight(&cum, rng.random::<f64>())
                        } else {
                            groups[of[i] as usize]
                        };
                        (r.time, r.id, r.size, g)
                    })
                    .collect()
            }
        };
        let mut raw: Vec<(u64, u64, u64, u32, u32)> = raw
            .into_iter()
            .enumerate()
            .map(|(i, (t, id, size, g))| (t, id, size, g, catalog_of.get(i).copied().unwrap_or(0)))
            .collect();
        raw.sort_by_key(|r| r.0);
        let workload = super::Workload::new(&cfg.catalogs, Streams::new(cfg.seed));
        let first = raw.first().map_or(0, |r| r.0);
        let end = cfg.duration.as_nanos();
        let unit = t.time_unit.as_nanos() as u128;
        let requests = raw
            .into_iter()
            .filter(|r| r.2 > 0)
            .map(|(time, id, size, group, catalog)| {
                let ns = (u128::from(time - first) * unit).min(u128::from(u64::MAX)) as u64;
                (ns, id, size, group, catalog)
            })
            .take_while(|r| r.0 < end)
            .map(|(ns, id, size, group, catalog)| Request {
                time: SimTime::from_nanos(ns),
                group,
                catalog,
                object: id,
                size,
                profile: workload.catalogs[catalog as usize].profile_of_index(id),
                bust: None,
            })
            .collect();
        Ok(Replay { requests, next: 0 })
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }
}

/// Per request (file order) its catalog index: from the CSV `catalog`
/// column, else 0 for every request (empty).
fn trace_catalogs(cfg: &RunConfig, t: &TraceConfig, trace: &Trace) -> Result<Vec<u32>, InputError> {
    let Trace::Csv(c) = trace else {
        return Ok(Vec::new());
    };
    let mut index = Vec::with_capacity(c.catalogs.len());
    for (label, &line) in c.catalogs.iter().zip(&c.catalog_line) {
        match cfg.catalogs.iter().position(|k| k.name == *label) {
            Some(k) => index.push(k as u32),
            None => {
                let names: Vec<String> = cfg
                    .catalogs
                    .iter()
                    .map(|k| format!("{:?}", k.name))
                    .collect();
                return Err(InputError::at_line(
                    t.file.display().to_string(),
                    Some(line),
                    "catalog",
                    format!(
                        "unknown catalog {label:?} (expected one of workload.catalogs' names: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(c.catalog_of.iter().map(|&i| index[i as usize]).collect())
}

impl RequestSource for Replay {
    fn next_request(&mut self) -> Option<Request> {
        let r = self.requests.get(self.next).copied();
        self.next += 1;
        r
    }
}
