//! Memory estimate of a run, checked before it starts.
//!
//! A run that would exhaust the machine's memory is refused up front (exit
//! 2, located at the field of its largest term) instead of being killed by
//! the kernel an hour in. The estimate is an upper-bound-minded sum of the
//! structures that grow with the scenario (docs/reliability.md):
//!
//! - **edge caches**: resident objects x [`CACHE_BYTES_PER_OBJECT`]. A
//!   PoP's cache holds at most `capacity / mean object size` objects and at
//!   most the distinct keys that can be requested (catalog objects, churn
//!   and cache-busting keys); all caches together hold at most one entry
//!   per request issued. The mean size comes from the size distribution
//!   (its lower bound for Pareto shapes <= 1, whose mean is infinite).
//! - **upper-tier caches** are estimated the same way, and the
//!   **freshness facts** (one per resident object, edges and upper tiers:
//!   [`FRESHNESS_BYTES_PER_KEY`]) follow the resident objects.
//! - **TinyLFU sketches**: 4 bytes x the sketch width, per PoP.
//! - **flash-crowd tables**: 16 bytes per member object.
//! - **latency histograms**: overall, one per PoP and one per client
//!   continent, at the size an empty one allocates.
//! - **client groups**: [`GROUP_BYTES`] per group, plus its TTFB histogram
//!   (a full HDR one up to `metrics::group::HDR_GROUPS_MAX` groups, compact
//!   buckets beyond, bounded by the cap per group and by the requests),
//!   plus 24 B per group and PoP when DNS steering or routing events need
//!   every group's unicast RTT to every PoP.
//! - **time series**: one bucket per interval.
//! - **shards**: when the run may be split into shards (`sim::shard`), per
//!   shard beyond the first its overall and per-continent histograms, time
//!   series and [`SHARD_GROUP_BYTES`] per group, plus the requests of two
//!   windows.
//! - **world**: [`WORLD_BYTES_PER_TOPOLOGY_BYTE`] x the topology file's
//!   (uncompressed) size, plus the geography file's.
//! - **base**: [`BASE_BYTES`] for the process, city table and code.
//!
//! The machine's memory is `MemTotal` from `/proc/meminfo`, or the
//! `CDNSIM_MEMORY` environment variable (a size such as `8GB`) when set,
//! or [`FALLBACK_MACHINE_BYTES`] where neither is available.

use super::RunConfig;
use super::load::Locator;
use crate::error::InputError;
use crate::workload::config::SizeModel;

/// Heap bytes per resident cache object: slab entry (24 B), open-addressing
/// index slot at <= 50% load (16 B) and policy metadata, rounded up.
pub const CACHE_BYTES_PER_OBJECT: u64 = 64;
/// Bytes per resident object of the freshness facts the request model
/// keeps beside each cache (`sim::fetch::Meta` in a hash map: 48 B of
/// value, an 8 B key, control bytes and load factor; an evicted object's
/// are dropped with it).
pub const FRESHNESS_BYTES_PER_KEY: u64 = 72;
/// Fixed bytes per client group: its plan row (route, AS path), its
/// catchment path, world access, steering view and metrics, measured with
/// benches/drivers/internet_memory.rs (docs/performance.md).
pub const GROUP_BYTES: u64 = 1024;
/// Graph, geography and routing tables per byte of topology text.
pub const WORLD_BYTES_PER_TOPOLOGY_BYTE: u64 = 16;
/// Assumed compression ratio of a bz2 topology file.
pub const BZ2_RATIO: u64 = 5;
/// The process without any scenario-sized structure.
pub const BASE_BYTES: u64 = 64 << 20;

/// Per client group and extra shard of a sharded run (`sim::shard`): the
/// group's record in that shard's metrics (counters and an empty compact
/// histogram) and its steering figures.
pub const SHARD_GROUP_BYTES: u64 = 128;
/// Machine memory assumed when neither `/proc/meminfo` nor `CDNSIM_MEMORY`
/// tells it.
pub const FALLBACK_MACHINE_BYTES: u64 = 8 << 30;
/// Environment variable overriding the machine's memory.
pub const MEMORY_ENV: &str = "CDNSIM_MEMORY";

/// One term of the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub name: &'static str,
    pub bytes: u64,
    /// Scenario field to change to shrink it.
    pub field: &'static str,
    /// How the figure was obtained, for the message.
    pub detail: String,
}

/// The estimate: its terms, largest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub terms: Vec<Term>,
}

impl Estimate {
    pub fn total(&self) -> u64 {
        self.terms
            .iter()
            .fold(0u64, |a, t| a.saturating_add(t.bytes))
    }
}

/// Where the machine's memory figure came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Machine {
    pub bytes: u64,
    pub source: &'static str,
}

/// The machine's memory: `CDNSIM_MEMORY`, else MemTotal, else the fallback.
pub fn machine() -> Machine {
    if let Some(b) = std::env::var(MEMORY_ENV)
        .ok()
        .and_then(|v| crate::units::parse_bytes(v.trim()).ok())
    {
        return Machine {
            bytes: b,
            source: MEMORY_ENV,
        };
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    match meminfo.as_deref().and_then(mem_total) {
        Some(b) => Machine {
            bytes: b,
            source: "MemTotal",
        },
        None => Machine {
            bytes: FALLBACK_MACHINE_BYTES,
            source: "assumed; no /proc/meminfo",
        },
    }
}

/// `MemTotal:  24683652 kB` -> bytes.
pub fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut it = line["MemTotal:".len()..].split_whitespace();
    let n: u64 = it.next()?.parse().ok()?;
    match it.next() {
        Some("kB") => n.checked_mul(1024),
        None => Some(n),
        _ => None,
    }
}

/// Mean object size [bytes] of a size model (a lower bound where the mean
/// is infinite), at least 1.
fn mean_size(m: &SizeModel) -> f64 {
    let x = match m {
        SizeModel::Fixed(s) => *s as f64,
        SizeModel::Lognormal {
            median,
            sigma,
            min,
            max,
        } => (median * (sigma * sigma / 2.0).exp()).clamp(*min, *max),
        SizeModel::Pareto { scale, shape, max } => {
            if *shape > 1.0 {
                (scale * shape / (shape - 1.0)).min(*max)
            } else {
                *scale
            }
        }
        SizeModel::BoundedPareto { min, .. } => *min,
        SizeModel::Empirical(e) => {
            let mut prev = 0.0;
            e.sizes
                .iter()
                .zip(&e.cumulative)
                .map(|(&s, &c)| {
                    let w = c - prev;
                    prev = c;
                    s as f64 * w
                })
                .sum()
        }
    };
    if x.is_finite() { x.max(1.0) } else { 1.0 }
}

fn file_len(p: &std::path::Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// The memory estimate of a validated run.
pub fn estimate(cfg: &RunConfig) -> Estimate {
    let pops = cfg.pops.len() as u64;
    let secs = cfg.duration.as_secs_f64();
    let requests = (cfg.rate * secs).ceil() as u64;
    let mut distinct = 0u64;
    let mut weighted_size = 0.0;
    for c in &cfg.catalogs {
        let churn = (c.churn_rate * secs).ceil() as u64;
        let busting = (c.cache_busting * c.share * requests as f64).ceil() as u64;
        distinct = distinct
            .saturating_add(c.objects)
            .saturating_add(churn)
            .saturating_add(busting);
        weighted_size += c.share * mean_size(&c.size);
    }
    let mean = weighted_size.max(1.0);
    let per_pop = ((cfg.edge.capacity_bytes as f64 / mean).ceil() as u64).min(distinct);
    let resident = per_pop.saturating_mul(pops).min(requests);
    let mut terms = vec![Term {
        name: "edge caches",
        bytes: resident.saturating_mul(CACHE_BYTES_PER_OBJECT),
        field: "cdn.edge.capacity",
        detail: format!(
            "{} objects x {CACHE_BYTES_PER_OBJECT} B: {pops} PoPs x min(capacity / mean size {}, {} distinct keys), at most one per request",
            count(resident),
            human(mean as u64),
            count(distinct)
        ),
    }];
    // Upper tiers (cdn.tiers): each holds at most capacity / mean size.
    let uppers: Vec<u64> = if cfg.tiers.mode == super::tiers::TierMode::None {
        Vec::new()
    } else {
        cfg.tiers
            .upper
            .iter()
            .chain(cfg.tiers.levels.iter().flat_map(|l| &l.sites))
            .map(|u| ((u.capacity_bytes as f64 / mean).ceil() as u64).min(distinct))
            .collect()
    };
    if !uppers.is_empty() {
        let resident = uppers.iter().sum::<u64>().min(requests);
        terms.push(Term {
            name: "upper-tier caches",
            bytes: resident.saturating_mul(CACHE_BYTES_PER_OBJECT),
            field: "cdn.tiers.capacity",
            detail: format!(
                "{} objects x {CACHE_BYTES_PER_OBJECT} B over {} upper tiers",
                count(resident),
                uppers.len()
            ),
        });
    }
    // Freshness facts: one per resident object (a store drops the facts
    // of what it evicts), edges and upper tiers alike.
    let upper_resident = uppers.iter().sum::<u64>().min(requests);
    let facts = resident.saturating_add(upper_resident);
    terms.push(Term {
        name: "freshness facts",
        bytes: facts.saturating_mul(FRESHNESS_BYTES_PER_KEY),
        field: "cdn.edge.capacity",
        detail: format!(
            "{} resident objects x {FRESHNESS_BYTES_PER_KEY} B",
            count(facts)
        ),
    });
    if cfg.edge.admission == super::raw::Admission::TinyLfu {
        let objects: u64 = cfg.catalogs.iter().map(|k| k.objects).sum();
        let width = objects
            .clamp(64, crate::sim::TINYLFU_MAX_OBJECTS)
            .next_power_of_two();
        terms.push(Term {
            name: "TinyLFU sketches",
            bytes: pops * 4 * width,
            field: "cdn.edge.admission",
            detail: format!("{pops} PoPs x 4 B x width {width}"),
        });
    }
    let crowd: u64 = cfg
        .catalogs
        .iter()
        .flat_map(|c| &c.flash_crowds)
        .map(|f| f.objects)
        .sum();
    terms.push(Term {
        name: "flash-crowd tables",
        bytes: crowd * 16,
        field: "workload.catalogs",
        detail: format!("{} objects x 16 B", count(crowd)),
    });
    let hist = histogram_bytes();
    let groups = cfg.groups.len() as u64;
    let continents = cfg
        .groups
        .iter()
        .map(|g| cfg.cities.get(g.city).continent.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    let n_hist = 1 + pops + continents;
    terms.push(Term {
        name: "latency histograms",
        bytes: n_hist * hist,
        field: "cdn.pops",
        detail: format!(
            "{n_hist} x {} (overall, per PoP, per continent)",
            human(hist)
        ),
    });
    // Per group: a full HDR histogram up to HDR_GROUPS_MAX groups, else
    // compact buckets (at most the cap per group, at most one per request,
    // Vec growth doubling), plus the group's fixed state.
    use crate::metrics::group::{HDR_GROUPS_MAX, compact_cap};
    let (group_hist, how) = if cfg.groups.len() <= HDR_GROUPS_MAX {
        (
            groups * hist,
            format!("{} groups x HDR {}", count(groups), human(hist)),
        )
    } else {
        let cap = compact_cap(cfg.groups.len()) as u64;
        let entries = groups.saturating_mul(cap).min(requests);
        (
            entries.saturating_mul(16),
            format!(
                "{} compact buckets x 16 B (<= {cap} per group, <= 1 per request)",
                count(entries)
            ),
        )
    };
    let table = if cfg.world.is_some() && crate::world::catchment::needs_unicast_table(cfg) {
        // Catchments' groups x PoPs table, and the steerer's copy.
        groups * pops * (16 + 8)
    } else {
        0
    };
    terms.push(Term {
        name: "client groups",
        bytes: groups
            .saturating_mul(GROUP_BYTES)
            .saturating_add(group_hist)
            .saturating_add(table),
        field: "clients.population.groups",
        detail: format!(
            "{} groups x {GROUP_BYTES} B of plan, steering and metrics, {how}{}",
            count(groups),
            if table > 0 {
                format!(
                    ", unicast RTT table {} (DNS steering or routing events)",
                    human(table)
                )
            } else {
                String::new()
            }
        ),
    });
    let rows = cfg.duration.as_nanos() / cfg.interval.as_nanos().max(1) + 1;
    let bucket = std::mem::size_of::<crate::metrics::Bucket>() as u64;
    terms.push(Term {
        name: "time series",
        bytes: rows * bucket,
        field: "output.interval",
        detail: format!("{} rows x {bucket} B", count(rows)),
    });
    // A run in shards (sim::shard): every shard but the first keeps its
    // own overall and per-continent histograms, time series and per-group
    // records; the requests of two windows are held while they run.
    let shards = crate::sim::shard::most_shards(cfg) as u64;
    if shards > 1 {
        let window = crate::sim::shard::window(cfg).as_secs_f64();
        let held = ((2.0 * cfg.rate * window).ceil() as u64).min(requests);
        let request = std::mem::size_of::<crate::workload::Request>() as u64;
        let per_shard = (1 + continents) * hist + rows * bucket + groups * SHARD_GROUP_BYTES;
        terms.push(Term {
            name: "shards",
            bytes: (shards - 1) * per_shard + held * request,
            field: "cdn.pops",
            detail: format!(
                "{} more shards x {} (histograms, time series, group records), {} requests of two windows x {request} B",
                shards - 1,
                human(per_shard),
                count(held)
            ),
        });
    }
    if let Some(w) = &cfg.world {
        let mut text = file_len(&w.topology);
        if std::fs::read(&w.topology)
            .ok()
            .is_some_and(|b| crate::topology::caida::is_bz2(&b))
        {
            text = text.saturating_mul(BZ2_RATIO);
        }
        text = text.saturating_add(w.geography.as_deref().map_or(0, file_len));
        terms.push(Term {
            name: "world",
            bytes: text.saturating_mul(WORLD_BYTES_PER_TOPOLOGY_BYTE),
            field: "world.topology",
            detail: format!(
                "{WORLD_BYTES_PER_TOPOLOGY_BYTE} x {} of topology and geography text",
                human(text)
            ),
        });
    }
    terms.push(Term {
        name: "base",
        bytes: BASE_BYTES,
        field: "",
        detail: "process, city table".into(),
    });
    terms.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.name.cmp(b.name)));
    Estimate { terms }
}

/// Heap bytes of one empty latency histogram (what it allocates up front).
fn histogram_bytes() -> u64 {
    crate::metrics::LatencyHistogram::default().heap_bytes() as u64
}

/// Bytes for a reader: `76.8MB`, `1.2TB` (SI, one decimal).
fn human(b: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    UNITS
        .iter()
        .find(|&&(_, s)| b as f64 >= s)
        .map_or(format!("{b}B"), |&(u, s)| format!("{:.1}{u}", b as f64 / s))
}

/// `1234567` -> `1.23M`.
fn count(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.2}G", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.2}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{:.1}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

/// Refuses a run whose estimate exceeds the machine's memory: one located
/// line with the estimate and its three largest terms.
pub fn check(cfg: &RunConfig, loc: &Locator, m: &Machine) -> Result<Estimate, InputError> {
    let est = estimate(cfg);
    let total = est.total();
    if total <= m.bytes {
        return Ok(est);
    }
    // The largest term a scenario field controls (not the fixed base).
    let main = est
        .terms
        .iter()
        .find(|t| !t.field.is_empty())
        .unwrap_or(&est.terms[0]);
    let terms: Vec<String> = est
        .terms
        .iter()
        .take(3)
        .map(|t| format!("{} {} ({})", t.name, human(t.bytes), t.detail))
        .collect();
    Err(loc.error_at(
        main.field,
        format!(
            "estimated memory {} exceeds this machine's {} ({}): {}; shrink the largest term (estimate: docs/reliability.md)",
            human(total),
            human(m.bytes),
            m.source,
            terms.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{load_str, validate};

    fn quick(sets: &[&str]) -> (RunConfig, Locator) {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml"),
        )
        .unwrap();
        let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        sets.push("cdn.steering=nearest".into());
        let mut text2 = String::new();
        let mut skip = false;
        for l in text.lines() {
            if l.starts_with('[') {
                skip = l.trim() == "[world]";
            }
            if !skip {
                text2.push_str(l);
                text2.push('\n');
            }
        }
        let l = load_str("q.toml", text2, false, &sets).unwrap();
        (validate(&l).unwrap(), l.locator)
    }

    #[test]
    fn meminfo_total_is_read_in_bytes() {
        let t = "MemTotal:       24683652 kB\nMemFree: 1 kB\n";
        assert_eq!(mem_total(t), Some(24683652 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
    }

    /// quickstart: lognormal median 24 kB, sigma 1.2 has mean
    /// 24000 e^0.72 = 49306 B, so a 2 GB cache holds ceil(40562.7) = 40563
    /// objects (below the 200k keys and the 1.2M requests): 8 PoPs x 40563
    /// x 64 B = 20.8 MB.
    #[test]
    fn cache_term_is_bounded_by_capacity_keys_and_requests() {
        let (cfg, _) = quick(&[]);
        let e = estimate(&cfg);
        let caches = e.terms.iter().find(|t| t.name == "edge caches").unwrap();
        assert_eq!(caches.bytes, 8 * 40_563 * CACHE_BYTES_PER_OBJECT);
        // 1 GB objects in a 2 GB cache would be 2 per PoP; a 100 TB cache
        // is bounded by the requests instead (2k/s x 600 s = 1.2M).
        let (cfg, _) = quick(&["cdn.edge.capacity=100TB"]);
        let caches = estimate(&cfg)
            .terms
            .into_iter()
            .find(|t| t.name == "edge caches");
        assert_eq!(caches.unwrap().bytes, 1_200_000 * CACHE_BYTES_PER_OBJECT);
        // A fixed 1 MB size and a 100 MB cache: 100 objects per PoP.
        let (cfg, _) = quick(&[
            "workload.catalogs[0].size={dist=\"fixed\",size=\"1MB\"}",
            "cdn.edge.capacity=100MB",
        ]);
        let caches = estimate(&cfg)
            .terms
            .into_iter()
            .find(|t| t.name == "edge caches");
        assert_eq!(caches.unwrap().bytes, 8 * 100 * CACHE_BYTES_PER_OBJECT);
    }

    #[test]
    fn over_the_machine_is_a_located_error_naming_the_terms() {
        let (cfg, loc) = quick(&[]);
        let small = Machine {
            bytes: 10 << 20,
            source: "test",
        };
        let e = check(&cfg, &loc, &small).unwrap_err().to_string();
        // The largest term is the process base, located where the world
        // starts (`cdn.pops`); the freshness facts follow the resident
        // objects (324.5k: 8 PoPs x 2 GB / mean size), not the 1.2 M
        // requests that would bound the keys ever stored.
        assert!(
            e.starts_with("q.toml:") && e.contains(": cdn.pops: estimated memory "),
            "{e}"
        );
        assert!(e.contains("exceeds this machine's 10.5MB (test): base 67.1MB (process, city table), shards 41.6MB (7 more shards x 1.1MB (histograms, time series, group records), 600.0k requests of two windows x 56 B), freshness facts 23.4MB (324.5k resident objects x 72 B)"), "{e}");
        let big = Machine {
            bytes: 1 << 40,
            source: "test",
        };
        assert!(check(&cfg, &loc, &big).is_ok());
    }
}
