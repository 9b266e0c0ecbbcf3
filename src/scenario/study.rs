//! `[study]`: a measurement study run instead of the request model.
//!
//! `kind = "imc2015"` reproduces Calder et al., "Analyzing the Performance
//! of an Anycast CDN" (IMC 2015): a beacon campaign over the scenario's
//! `duration` (whole days), routing as quiescent snapshots between the
//! `[[events]]` changes, and the paper's Figures 1-9 (docs/
//! reproducing-imc2015.md). Keys and defaults: docs/scenario.md.

use super::load::Locator;
use crate::error::InputError;
use crate::time::SimDuration;
use crate::units::Share;
use serde::{Deserialize, Serialize};

/// Default beacons per simulated day over all client groups.
pub const DEFAULT_BEACONS_PER_DAY: u32 = 100_000;
/// Default floor of measurements per target for a prediction (IMC 2015 §6).
pub const DEFAULT_MIN_SAMPLES: u32 = 20;
/// Default percentile the prediction ranks targets by (IMC 2015 §6).
pub const DEFAULT_PREDICTION_PERCENTILE: f64 = 0.25;
/// Default floor of measurements per target and /24-day for Fig. 5 and for
/// evaluating a prediction on the next day.
pub const DEFAULT_DAILY_MIN_SAMPLES: u32 = 20;
/// Largest number of days a study may cover.
pub const MAX_DAYS: u64 = 60;

/// Which study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StudyKind {
    /// Calder et al., IMC 2015.
    Imc2015,
}

/// The `[study]` table as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    pub kind: StudyKind,
    /// Beacons per simulated day, over all groups (each group gets a
    /// Poisson number with mean proportional to its demand share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacons_per_day: Option<u32>,
    /// Measurements a target needs over the previous day to be predicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u32>,
    /// Percentile targets are ranked by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction_percentile: Option<Share>,
    /// Measurements per target and /24-day for the daily comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_min_samples: Option<u32>,
}

/// The validated study.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyConfig {
    pub kind: StudyKind,
    pub days: u32,
    pub beacons_per_day: u32,
    pub min_samples: u32,
    pub prediction_percentile: f64,
    pub daily_min_samples: u32,
}

/// Validates `[study]` against the rest of the scenario.
pub fn validate(
    s: Option<&Study>,
    loc: &Locator,
    duration: SimDuration,
    has_world: bool,
    has_dns: bool,
    has_compare: bool,
) -> Result<Option<StudyConfig>, InputError> {
    let Some(s) = s else { return Ok(None) };
    let err = |path: &str, msg: String| loc.error_at(path, msg);
    if !has_world {
        return Err(err(
            "study",
            "the imc2015 study routes over an AS-level world: add [world]".into(),
        ));
    }
    if !has_dns {
        return Err(err(
            "study",
            "the imc2015 study needs resolvers (beacons are steered by LDNS): add [dns]".into(),
        ));
    }
    if has_compare {
        return Err(err(
            "cdn.compare",
            "a study is not a steering comparison: remove `cdn.compare` or [study]".into(),
        ));
    }
    let day = SimDuration::from_secs(86_400);
    let n = duration.as_nanos();
    if n % day.as_nanos() != 0 || n / day.as_nanos() < 2 || n / day.as_nanos() > MAX_DAYS {
        return Err(err(
            "duration",
            format!(
                "a study runs whole days: expected 2d to {MAX_DAYS}d (e.g. \"7d\"; the prediction needs a previous day)"
            ),
        ));
    }
    let beacons_per_day = s.beacons_per_day.unwrap_or(DEFAULT_BEACONS_PER_DAY);
    if !(1..=10_000_000).contains(&beacons_per_day) {
        return Err(err(
            "study.beacons_per_day",
            format!("{beacons_per_day} is out of range (expected 1 to 10000000)"),
        ));
    }
    let min_samples = s.min_samples.unwrap_or(DEFAULT_MIN_SAMPLES);
    if min_samples == 0 {
        return Err(err("study.min_samples", "must be at least 1".into()));
    }
    let daily_min_samples = s.daily_min_samples.unwrap_or(DEFAULT_DAILY_MIN_SAMPLES);
    if daily_min_samples == 0 {
        return Err(err("study.daily_min_samples", "must be at least 1".into()));
    }
    let prediction_percentile = s
        .prediction_percentile
        .map_or(DEFAULT_PREDICTION_PERCENTILE, |p| p.0);
    if !(0.0..=1.0).contains(&prediction_percentile) {
        return Err(err(
            "study.prediction_percentile",
            "must be between 0% and 100%".into(),
        ));
    }
    Ok(Some(StudyConfig {
        kind: s.kind,
        days: (n / day.as_nanos()) as u32,
        beacons_per_day,
        min_samples,
        prediction_percentile,
        daily_min_samples,
    }))
}
