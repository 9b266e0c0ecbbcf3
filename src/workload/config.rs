//! The workload part of a scenario, validated into typed configuration.

use crate::error::InputError;
use crate::http::{HeaderSpec, ResponseHeaders};
use crate::scenario::load::Locator;
use crate::scenario::raw::{self, SizeDist};
use crate::time::{SimDuration, SimTime};
use crate::units::parse_bytes;
use std::path::Path;
use std::sync::Arc;

/// Cache-Control given to objects of a catalog without header profiles.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=86400";
/// Largest flash-crowd set (objects).
pub const MAX_FLASH_CROWD_OBJECTS: u64 = 1_000_000;
/// Largest empirical size table (rows).
pub const MAX_EMPIRICAL_ROWS: usize = 10_000_000;

/// A catalog, validated.
#[derive(Clone, Debug)]
pub struct CatalogConfig {
    pub name: String,
    /// Objects at t = 0 (churn adds more).
    pub objects: u64,
    pub zipf_alpha: f64,
    /// Share of requests.
    pub share: f64,
    pub size: SizeModel,
    /// Wire bytes per stored byte.
    pub compression: f64,
    pub content_type: Option<String>,
    /// Share of cacheable objects.
    pub cacheable: f64,
    /// (share of objects, headers); shares sum to 1.
    pub headers: Vec<(f64, ResponseHeaders)>,
    /// Share of requests with a unique cache-busting query parameter.
    pub cache_busting: f64,
    /// New objects per second (0: no churn).
    pub churn_rate: f64,
    pub flash_crowds: Vec<FlashCrowdConfig>,
}

impl CatalogConfig {
    /// A catalog with only the required settings (defaults elsewhere).
    pub fn basic(name: &str, objects: u64, zipf_alpha: f64, size: SizeModel) -> CatalogConfig {
        CatalogConfig {
            name: name.to_string(),
            objects,
            zipf_alpha,
            share: 1.0,
            size,
            compression: 1.0,
            content_type: None,
            cacheable: 1.0,
            headers: vec![(1.0, default_headers())],
            cache_busting: 0.0,
            churn_rate: 0.0,
            flash_crowds: Vec::new(),
        }
    }
}

/// The headers of objects in catalogs without profiles.
pub fn default_headers() -> ResponseHeaders {
    HeaderSpec {
        cache_control: Some(DEFAULT_CACHE_CONTROL),
        ..HeaderSpec::default()
    }
    .build()
    .unwrap_or_default()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlashCrowdConfig {
    pub start: SimTime,
    pub duration: SimDuration,
    pub first_rank: u64,
    pub objects: u64,
    pub multiplier: f64,
}

/// Object size distribution, typed (empirical tables loaded).
#[derive(Clone, Debug, PartialEq)]
pub enum SizeModel {
    Fixed(u64),
    /// Median [bytes], sigma, clamp.
    Lognormal {
        median: f64,
        sigma: f64,
        min: f64,
        max: f64,
    },
    /// x_m [bytes], tail index, clamp.
    Pareto {
        scale: f64,
        shape: f64,
        max: f64,
    },
    /// Truncated Pareto on [min, max].
    BoundedPareto {
        min: f64,
        max: f64,
        shape: f64,
    },
    Empirical(Arc<EmpiricalSizes>),
}

/// Sizes with cumulative weights (normalised to end at 1).
#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalSizes {
    pub sizes: Vec<u64>,
    pub cumulative: Vec<f64>,
}

impl EmpiricalSizes {
    /// Parses `size[,weight]` rows; `#` comments, blank lines and one
    /// header row are skipped; sizes take units (`64kB`); weight defaults
    /// to 1.
    pub fn parse(text: &str, file: &str) -> Result<EmpiricalSizes, InputError> {
        let mut sizes = Vec::new();
        let mut weights = Vec::new();
        let mut header_seen = false;
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut cols = line.split(',').map(str::trim);
            let size_txt = cols.next().unwrap_or("");
            let size = match parse_bytes(size_txt) {
                Ok(s) => s,
                Err(_) if sizes.is_empty() && !header_seen => {
                    header_seen = true;
                    continue;
                }
                Err(e) => {
                    return Err(InputError::at_line(
                        file,
                        Some(line_no),
                        "",
                        format!("{e} (expected rows of size[,weight])"),
                    ));
                }
            };
            if size == 0 {
                return Err(InputError::at_line(
                    file,
                    Some(line_no),
                    "",
                    "size must be positive",
                ));
            }
            let w = match cols.next() {
                None | Some("") => 1.0,
                Some(w) => match w.parse::<f64>() {
                    Ok(w) if w.is_finite() && w >= 0.0 => w,
                    _ => {
                        return Err(InputError::at_line(
                            file,
                            Some(line_no),
                            "",
                            format!("weight {w:?} is not a non-negative number"),
                        ));
                    }
                },
            };
            if cols.next().is_some() {
                return Err(InputError::at_line(
                    file,
                    Some(line_no),
                    "",
                    "too many columns (expected size[,weight])",
                ));
            }
            sizes.push(size);
            weights.push(w);
            if sizes.len() > MAX_EMPIRICAL_ROWS {
                return Err(InputError::at_line(
                    file,
                    Some(line_no),
                    "",
                    format!("more than {MAX_EMPIRICAL_ROWS} rows"),
                ));
            }
        }
        let total: f64 = weights.iter().sum();
        if sizes.is_empty() || total <= 0.0 {
            return Err(InputError::new(
                file,
                "",
                "no size rows with positive weight (expected rows of size[,weight])",
            ));
        }
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Ok(EmpiricalSizes { sizes, cumulative })
    }

    /// The size at uniform quantile `u` in [0, 1).
    pub fn at(&self, u: f64) -> u64 {
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.sizes[i.min(self.sizes.len() - 1)]
    }
}

/// Arrival-process settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArrivalConfig {
    pub diurnal: super::arrivals::DiurnalProfile,
    /// UTC time of day at t = 0.
    pub start_utc: SimDuration,
}

/// The workload of a run.
#[derive(Clone, Debug)]
pub struct WorkloadConfig {
    pub catalogs: Vec<CatalogConfig>,
    pub arrivals: ArrivalConfig,
}

/// Default compression ratio (wire bytes / stored bytes) by content type:
/// rough gzip ratios for text, 1 for already-compressed media.
pub fn default_compression(content_type: &str) -> f64 {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/html" | "text/css" => 0.25,
        "application/javascript" | "text/javascript" => 0.3,
        "application/json" | "application/xml" | "text/xml" => 0.2,
        "image/svg+xml" => 0.35,
        _ if ct.starts_with("text/") => 0.3,
        _ => 1.0,
    }
}

/// Validates `workload`; errors name the field path. `loc.file` locates
/// empirical size files (relative to the scenario's folder).
pub fn validate(w: &raw::Workload, loc: &Locator) -> Result<WorkloadConfig, InputError> {
    let err = |path: &str, msg: String| loc.error_at(path, msg);
    if w.catalogs.is_empty() {
        return Err(err(
            "workload.catalogs",
            "at least one catalog is needed".into(),
        ));
    }
    let mut catalogs = Vec::new();
    let mut total_objects = 0u64;
    let max_objects = crate::scenario::MAX_CATALOG_OBJECTS;
    for (i, c) in w.catalogs.iter().enumerate() {
        let p = |f: &str| format!("workload.catalogs[{i}].{f}");
        if let Some(j) = w.catalogs[..i].iter().position(|d| d.name == c.name) {
            return Err(err(
                &p("name"),
                format!(
                    "duplicate catalog name {:?} (also workload.catalogs[{j}])",
                    c.name
                ),
            ));
        }
        if c.objects == 0 || c.objects > max_objects {
            return Err(err(
                &p("objects"),
                format!(
                    "{} is out of range (expected 1 to {max_objects})",
                    c.objects
                ),
            ));
        }
        total_objects += c.objects;
        if !(c.zipf_alpha.is_finite() && (0.0..=5.0).contains(&c.zipf_alpha)) {
            return Err(err(
                &p("zipf_alpha"),
                format!(
                    "{} is out of range (expected 0 to 5)",
                    crate::units::show_f64(c.zipf_alpha)
                ),
            ));
        }
        let size = size_model(&c.size, loc, &p)?;
        let compression = match (c.compression, &c.content_type) {
            (Some(x), _) if !(x.is_finite() && x > 0.0 && x <= 1.0) => {
                return Err(err(
                    &p("compression"),
                    format!(
                        "{} is out of range (expected wire bytes per stored byte, above 0 and at most 1)",
                        crate::units::show_f64(x)
                    ),
                ));
            }
            (Some(x), _) => x,
            (None, Some(ct)) => default_compression(ct),
            (None, None) => 1.0,
        };
        let mut headers = Vec::new();
        for (k, h) in c.headers.iter().enumerate() {
            let spec = HeaderSpec {
                cache_control: h.cache_control.as_deref(),
                cdn_cache_control: h.cdn_cache_control.as_deref(),
                surrogate_control: h.surrogate_control.as_deref(),
                set_cookie: h.set_cookie,
                vary: h.vary.as_deref(),
                etag: h.etag,
                last_modified_age: h.last_modified.map(|d| d.get()),
                expires: h.expires.map(|d| d.get()),
                age: SimDuration::ZERO,
            };
            let built = spec
                .build()
                .map_err(|e| err(&p(&format!("headers[{k}].{}", e.field)), e.message))?;
            headers.push((h.share.0, built));
        }
        if headers.is_empty() {
            headers.push((1.0, default_headers()));
        }
        let sum: f64 = headers.iter().map(|h| h.0).sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(err(
                &p("headers"),
                format!("profile shares sum to {:.4}% (expected 100%)", sum * 100.0),
            ));
        }
        let churn_rate = c.churn.as_ref().map_or(0.0, |ch| ch.rate.0);
        if !churn_rate.is_finite() || churn_rate > 1e6 {
            return Err(err(
                &p("churn.rate"),
                format!(
                    "{churn_rate}/s is out of range (expected at most 1M new objects per second)"
                ),
            ));
        }
        let mut flash_crowds = Vec::new();
        for (k, f) in c.flash_crowds.iter().enumerate() {
            let fp = |x: &str| p(&format!("flash_crowds[{k}].{x}"));
            if f.objects == 0 || f.objects > MAX_FLASH_CROWD_OBJECTS {
                return Err(err(
                    &fp("objects"),
                    format!(
                        "{} is out of range (expected 1 to {MAX_FLASH_CROWD_OBJECTS})",
                        f.objects
                    ),
                ));
            }
            if f.first_rank == 0 || f.first_rank.saturating_add(f.objects - 1) > c.objects {
                return Err(err(
                    &fp("first_rank"),
                    format!(
                        "ranks {} to {} do not fit the catalog's {} objects (ranks start at 1)",
                        f.first_rank,
                        f.first_rank.saturating_add(f.objects - 1),
                        c.objects
                    ),
                ));
            }
            if !(f.multiplier.is_finite() && f.multiplier >= 1.0 && f.multiplier <= 1e9) {
                return Err(err(
                    &fp("multiplier"),
                    format!(
                        "{} is out of range (expected 1 to 1e9)",
                        crate::units::show_f64(f.multiplier)
                    ),
                ));
            }
            if f.duration.get() == SimDuration::ZERO {
                return Err(err(
                    &fp("duration"),
                    "must be positive, e.g. \"10m\"".into(),
                ));
            }
            flash_crowds.push(FlashCrowdConfig {
                start: SimTime::ZERO + f.at.get(),
                duration: f.duration.get(),
                first_rank: f.first_rank,
                objects: f.objects,
                multiplier: f.multiplier,
            });
        }
        catalogs.push(CatalogConfig {
            name: c.name.clone(),
            objects: c.objects,
            zipf_alpha: c.zipf_alpha,
            share: c.share.0,
            size,
            compression,
            content_type: c.content_type.clone(),
            cacheable: c.cacheable.0,
            headers,
            cache_busting: c.cache_busting.0,
            churn_rate,
            flash_crowds,
        });
    }
    if total_objects > max_objects {
        return Err(err(
            "workload.catalogs",
            format!("{total_objects} objects in all exceed the limit of {max_objects}"),
        ));
    }
    let share_sum: f64 = catalogs.iter().map(|c| c.share).sum();
    if (share_sum - 1.0).abs() > 1e-6 {
        return Err(err(
            "workload.catalogs",
            format!(
                "catalog shares sum to {:.4}% (expected 100%)",
                share_sum * 100.0
            ),
        ));
    }
    let diurnal = match &w.diurnal {
        None => super::arrivals::DiurnalProfile::Flat,
        Some(raw::Diurnal::Hourly { weights }) => {
            if weights.len() != 24 {
                return Err(err(
                    "workload.diurnal.weights",
                    format!(
                        "{} weights given (expected 24, local hour 0 first)",
                        weights.len()
                    ),
                ));
            }
            if let Some(k) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
                return Err(err(
                    &format!("workload.diurnal.weights[{k}]"),
                    format!("{} must be a non-negative number", weights[k]),
                ));
            }
            super::arrivals::DiurnalProfile::hourly(weights)
                .ok_or_else(|| err("workload.diurnal.weights", "all weights are zero".into()))?
        }
        Some(raw::Diurnal::Sinusoid {
            peak_hour,
            amplitude,
        }) => {
            if !(peak_hour.is_finite() && (0.0..=24.0).contains(peak_hour)) {
                return Err(err(
                    "workload.diurnal.peak_hour",
                    format!(
                        "{} is out of range (expected 0 to 24)",
                        crate::units::show_f64(*peak_hour)
                    ),
                ));
            }
            if !(amplitude.is_finite() && (0.0..=1.0).contains(amplitude)) {
                return Err(err(
                    "workload.diurnal.amplitude",
                    format!(
                        "{} is out of range (expected 0 to 1)",
                        crate::units::show_f64(*amplitude)
                    ),
                ));
            }
            super::arrivals::DiurnalProfile::Sinusoid {
                peak_hour: *peak_hour,
                amplitude: *amplitude,
            }
        }
    };
    let start_utc = w.start_utc.get();
    if start_utc >= SimDuration::from_secs(86_400) {
        return Err(err(
            "workload.start_utc",
            format!(
                "{} is not a time of day (expected 0 to 24h, e.g. \"18h\")",
                w.start_utc
            ),
        ));
    }
    Ok(WorkloadConfig {
        catalogs,
        arrivals: ArrivalConfig { diurnal, start_utc },
    })
}

fn size_model(
    d: &SizeDist,
    loc: &Locator,
    p: &dyn Fn(&str) -> String,
) -> Result<SizeModel, InputError> {
    let err = |path: &str, msg: String| loc.error_at(&p(path), msg);
    let shape_ok = |path: &str, shape: f64| {
        if shape.is_finite() && (0.05..=10.0).contains(&shape) {
            Ok(())
        } else {
            Err(err(
                path,
                format!(
                    "{} is out of range (expected 0.05 to 10)",
                    crate::units::show_f64(shape)
                ),
            ))
        }
    };
    Ok(match d {
        SizeDist::Fixed { size } => {
            if size.0 == 0 {
                return Err(err("size.size", "must be positive".into()));
            }
            SizeModel::Fixed(size.0)
        }
        SizeDist::Lognormal {
            median,
            sigma,
            min,
            max,
        } => {
            if median.0 == 0 {
                return Err(err("size.median", "must be positive".into()));
            }
            if !(sigma.is_finite() && (0.0..=5.0).contains(sigma)) {
                return Err(err(
                    "size.sigma",
                    format!(
                        "{} is out of range (expected 0 to 5)",
                        crate::units::show_f64(*sigma)
                    ),
                ));
            }
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo.0 > hi.0 {
                    return Err(err("size.min", format!("{lo} is above max {hi}")));
                }
            }
            // A clamp on the wrong side of the median puts at least half of
            // the objects at one size: almost surely a typo.
            if let Some(hi) = max.filter(|hi| hi.0 < median.0) {
                return Err(err(
                    "size.max",
                    format!("{hi} is below the median {median} (expected max >= median)"),
                ));
            }
            if let Some(lo) = min.filter(|lo| lo.0 > median.0) {
                return Err(err(
                    "size.min",
                    format!("{lo} is above the median {median} (expected min <= median)"),
                ));
            }
            SizeModel::Lognormal {
                median: median.0 as f64,
                sigma: *sigma,
                min: min.map_or(1.0, |b| b.0.max(1) as f64),
                max: max.map_or(f64::MAX, |b| b.0 as f64),
            }
        }
        SizeDist::Pareto { scale, shape, max } => {
            if scale.0 == 0 {
                return Err(err("size.scale", "must be positive".into()));
            }
            shape_ok("size.shape", *shape)?;
            if let Some(m) = max {
                if m.0 < scale.0 {
                    return Err(err("size.max", format!("{m} is below scale {scale}")));
                }
            }
            SizeModel::Pareto {
                scale: scale.0 as f64,
                shape: *shape,
                max: max.map_or(f64::MAX, |b| b.0 as f64),
            }
        }
        SizeDist::BoundedPareto { min, max, shape } => {
            if min.0 == 0 {
                return Err(err("size.min", "must be positive".into()));
            }
            if max.0 <= min.0 {
                return Err(err("size.max", format!("{max} must be above min {min}")));
            }
            shape_ok("size.shape", *shape)?;
            SizeModel::BoundedPareto {
                min: min.0 as f64,
                max: max.0 as f64,
                shape: *shape,
            }
        }
        SizeDist::Empirical { file } => {
            let base = Path::new(&loc.file).parent().unwrap_or(Path::new(""));
            let path = base.join(file);
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                err(
                    "size.file",
                    format!("cannot read {shown}: {e} (the path is relative to the scenario file)"),
                )
            })?;
            SizeModel::Empirical(Arc::new(EmpiricalSizes::parse(&text, &shown)?))
        }
    })
}
