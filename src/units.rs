//! Human units in scenario files: `250ms`, `10m`, `2GB`, `128MiB`, `5%`,
//! `10kHz`, `200/s`, `500km`.
//!
//! Each unit type deserializes from a string with a unit (or, where a bare
//! number is unambiguous, from a number), serializes back to a canonical
//! string, and rejects anything else with a message that lists what is
//! valid. Quantities that need a unit (durations, rates, distances) do not
//! accept bare numbers except `0`, so `duration = 10` cannot silently mean
//! ten nanoseconds or ten seconds.

use crate::time::SimDuration;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Splits `"12.5ms"` into (12.5, "ms"): the longest prefix that parses as a
/// number (with `_` digit separators allowed), and the trimmed rest.
fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    (1..=s.len())
        .rev()
        .filter(|&i| s.is_char_boundary(i))
        .find_map(|i| {
            let (num, unit) = s.split_at(i);
            let cleaned: String = num.chars().filter(|&c| c != '_').collect();
            if cleaned.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                cleaned.parse::<f64>().ok().map(|v| (v, unit.trim()))
            } else {
                None
            }
        })
}

/// Parses a duration such as `250ms`, `1.5s`, `10m`, `2h`, `7d`.
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    const VALID: &str =
        "a duration with a unit, e.g. \"250ms\", \"1.5s\", \"10m\" (units: ns, us, ms, s, m, h, d)";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid duration {s:?}: expected {VALID}"))?;
    let scale: f64 = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" | "sec" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        "d" => 86400e9,
        "" if v == 0.0 => 0.0,
        "" => return Err(format!("duration {s:?} has no unit: expected {VALID}")),
        _ => {
            return Err(format!(
                "unknown duration unit {unit:?} in {s:?}: expected {VALID}"
            ));
        }
    };
    let ns = v * scale;
    if !(ns.is_finite() && ns >= 0.0) {
        return Err(format!("duration {s:?} must be zero or positive"));
    }
    if ns > 1e19 {
        return Err(format!(
            "duration {s:?} is too long (at most about 584 years)"
        ));
    }
    Ok(SimDuration::from_nanos(ns.round() as u64))
}

/// Formats a duration canonically (largest unit that divides it exactly).
pub fn format_duration(d: SimDuration) -> String {
    let ns = d.as_nanos();
    for (unit, scale) in [
        ("d", 86_400_000_000_000u64),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
    ] {
        if ns >= scale && ns % scale == 0 {
            return format!("{}{unit}", ns / scale);
        }
    }
    format!("{ns}ns")
}

/// Parses a byte size: `1500`, `64kB`, `2GB` (SI, powers of 1000) or
/// `128MiB`, `1GiB` (IEC, powers of 1024).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    const VALID: &str =
        "a size such as \"1500B\", \"64kB\", \"2GB\" (SI) or \"128MiB\", \"1GiB\" (IEC)";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid size {s:?}: expected {VALID}"))?;
    let scale: f64 = match unit {
        "" | "B" => 1.0,
        "kB" | "KB" | "k" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0f64.powi(4),
        _ => {
            return Err(format!(
                "unknown size unit {unit:?} in {s:?}: expected {VALID}"
            ));
        }
    };
    let b = v * scale;
    if !(b.is_finite() && b >= 0.0) {
        return Err(format!("size {s:?} must be zero or positive"));
    }
    if b > 1.8e19 {
        return Err(format!("size {s:?} is too large"));
    }
    Ok(b.round() as u64)
}

/// A number as a person reads it in an error message: plain for ordinary
/// magnitudes, scientific (`1e308`) for very large or very small ones.
pub fn show_f64(x: f64) -> String {
    let a = x.abs();
    if x.is_finite() && a != 0.0 && !(1e-4..1e9).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

pub fn format_bytes(b: u64) -> String {
    const SI: [(&str, u64); 4] = [
        ("TB", 1_000_000_000_000),
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
        ("kB", 1_000),
    ];
    const IEC: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    // Whichever exact form is shortest; SI wins ties.
    SI.iter()
        .chain(IEC.iter())
        .filter(|&&(_, scale)| b >= scale && b % scale == 0)
        .map(|&(unit, scale)| format!("{}{unit}", b / scale))
        .min_by_key(|s| s.len())
        .unwrap_or_else(|| format!("{b}B"))
}

/// Parses a rate in events per second: `200/s`, `600/min`, `36000/h`,
/// `5k/s`, `10Hz`, `10kHz`, `1.5MHz`.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    const VALID: &str = "a rate such as \"200/s\", \"5k/s\", \"600/min\", \"10kHz\"";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid rate {s:?}: expected {VALID}"))?;
    let (mult, per) = match unit.split_once('/') {
        Some((m, per)) => (m.trim(), per.trim()),
        None => match unit {
            "Hz" => ("", "s"),
            "kHz" => ("k", "s"),
            "MHz" => ("M", "s"),
            "" if v == 0.0 => ("", "s"),
            "" => return Err(format!("rate {s:?} has no unit: expected {VALID}")),
            _ => {
                return Err(format!(
                    "unknown rate unit {unit:?} in {s:?}: expected {VALID}"
                ));
            }
        },
    };
    let m = match mult {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        _ => {
            return Err(format!(
                "unknown multiplier {mult:?} in {s:?}: expected {VALID}"
            ));
        }
    };
    let div = match per {
        "s" | "sec" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        "d" | "day" => 86400.0,
        _ => {
            return Err(format!(
                "unknown rate period {per:?} in {s:?}: expected {VALID}"
            ));
        }
    };
    let r = v * m / div;
    if !(r.is_finite() && r >= 0.0) {
        return Err(format!("rate {s:?} must be zero or positive"));
    }
    Ok(r)
}

/// Parses a share: `5%` or a number in [0, 1].
pub fn parse_share(s: &str) -> Result<f64, String> {
    const VALID: &str = "a share such as \"5%\" or a number between 0 and 1";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid share {s:?}: expected {VALID}"))?;
    let x = match unit {
        "%" => v / 100.0,
        "" => v,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in share {s:?}: expected {VALID}"
            ));
        }
    };
    check_share(x).map_err(|e| format!("{e} (got {s:?})"))
}

fn check_share(x: f64) -> Result<f64, String> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err("share must be between 0% and 100%".to_string())
    }
}

/// Parses a distance: `500km`, `300mi`, `1200m`.
pub fn parse_distance_km(s: &str) -> Result<f64, String> {
    const VALID: &str = "a distance such as \"500km\", \"300mi\"";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid distance {s:?}: expected {VALID}"))?;
    let km = match unit {
        "km" => v,
        "m" => v / 1e3,
        "mi" => v * 1.609_344,
        "" if v == 0.0 => 0.0,
        _ => return Err(format!("distance {s:?} needs a unit: expected {VALID}")),
    };
    if !(km.is_finite() && km >= 0.0) {
        return Err(format!("distance {s:?} must be zero or positive"));
    }
    Ok(km)
}

/// Parses a bandwidth in bits per second: `25Mbps`, `1Gbit/s`, `800kbps`,
/// or in bytes: `10MB/s`.
pub fn parse_bandwidth(s: &str) -> Result<f64, String> {
    const VALID: &str = "a bandwidth such as \"25Mbps\", \"1Gbit/s\" or \"10MB/s\"";
    let (v, unit) =
        split_number(s).ok_or_else(|| format!("invalid bandwidth {s:?}: expected {VALID}"))?;
    let (mult, rest) = match unit.chars().next() {
        Some('k') => (1e3, &unit[1..]),
        Some('M') => (1e6, &unit[1..]),
        Some('G') => (1e9, &unit[1..]),
        Some('T') => (1e12, &unit[1..]),
        _ => (1.0, unit),
    };
    let per_unit = match rest {
        "bps" | "bit/s" | "b/s" => 1.0,
        "B/s" => 8.0,
        "" if v == 0.0 => 1.0,
        _ => return Err(format!("bandwidth {s:?} needs a unit: expected {VALID}")),
    };
    let bps = v * mult * per_unit;
    if !(bps.is_finite() && bps >= 0.0) {
        return Err(format!("bandwidth {s:?} must be zero or positive"));
    }
    Ok(bps)
}

/// Canonical form of a bandwidth: the largest of Gbps/Mbps/kbps/bps that
/// keeps it a whole number, else bps.
pub fn format_bandwidth(bps: f64) -> String {
    for (m, u) in [(1e12, "Tbps"), (1e9, "Gbps"), (1e6, "Mbps"), (1e3, "kbps")] {
        let x = bps / m;
        if x >= 1.0 && x.fract() == 0.0 {
            return format!("{x}{u}");
        }
    }
    format!("{bps}bps")
}

/// Implements serde for a unit newtype: accepts strings (and the numbers
/// `number_ok` allows), serializes to the canonical string.
macro_rules! unit_type {
    ($(#[$m:meta])* $name:ident($inner:ty), $expecting:literal, $parse:expr, $format:expr, $from_num:expr) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$name, E> {
                        let p: fn(&str) -> Result<$inner, String> = $parse;
                        p(s).map($name).map_err(E::custom)
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        let p: fn(f64) -> Result<$inner, String> = $from_num;
                        p(v).map($name).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let f: fn($inner) -> String = $format;
                s.serialize_str(&f(self.0))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                let g: fn($inner) -> String = $format;
                f.write_str(&g(self.0))
            }
        }
    };
}

fn needs_unit(kind: &'static str, example: &'static str) -> impl Fn(f64) -> Result<f64, String> {
    move |v| {
        if v == 0.0 {
            Ok(0.0)
        } else {
            Err(format!(
                "a bare number {v} is ambiguous for a {kind}: write it with a unit, e.g. {example}"
            ))
        }
    }
}

unit_type!(
    /// A duration in a scenario file (`"250ms"`).
    Duration(SimDuration),
    "a duration with a unit, e.g. \"250ms\", \"10m\"",
    parse_duration,
    format_duration,
    |v| needs_unit("duration", "\"250ms\" or \"10m\"")(v).map(|_| SimDuration::ZERO)
);
unit_type!(
    /// A byte size (`"2GB"`, `"128MiB"`, or a bare number of bytes).
    Bytes(u64),
    "a size such as \"64kB\" or \"128MiB\"",
    parse_bytes,
    format_bytes,
    |v| if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 { Ok(v as u64) } else { Err(format!("size {v} must be a whole, non-negative number of bytes")) }
);
unit_type!(
    /// A rate [1/s] (`"200/s"`, `"10kHz"`).
    Rate(f64),
    "a rate such as \"200/s\" or \"10kHz\"",
    parse_rate,
    |r| format!("{r}/s"),
    |v| needs_unit("rate", "\"200/s\"")(v)
);
unit_type!(
    /// A share in [0, 1] (`"5%"` or `0.05`).
    Share(f64),
    "a share such as \"5%\" or 0.05",
    parse_share,
    |x| format!("{}%", (x * 100.0 * 1e9).round() / 1e9),
    check_share
);
unit_type!(
    /// A distance [km] (`"500km"`, `"300mi"`).
    Distance(f64),
    "a distance such as \"500km\"",
    parse_distance_km,
    |km| format!("{km}km"),
    |v| needs_unit("distance", "\"500km\"")(v)
);

unit_type!(
    /// A bandwidth [bit/s] (`"25Mbps"`, `"10MB/s"`).
    Bandwidth(f64),
    "a bandwidth such as \"25Mbps\"",
    parse_bandwidth,
    format_bandwidth,
    |v| needs_unit("bandwidth", "\"25Mbps\"")(v)
);

impl Duration {
    pub fn get(self) -> SimDuration {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidths() {
        assert_eq!(parse_bandwidth("25Mbps"), Ok(25e6));
        assert_eq!(parse_bandwidth("1Gbit/s"), Ok(1e9));
        assert_eq!(parse_bandwidth("10MB/s"), Ok(80e6));
        assert_eq!(parse_bandwidth("800 kbps"), Ok(800e3));
        assert!(parse_bandwidth("25").unwrap_err().contains("needs a unit"));
        assert!(parse_bandwidth("-1Mbps").is_err());
        assert_eq!(format_bandwidth(25e6), "25Mbps");
        assert_eq!(format_bandwidth(1.5e6), "1500kbps");
        assert_eq!(format_bandwidth(10e9), "10Gbps");
        assert_eq!(parse_bandwidth(&format_bandwidth(1234.5)), Ok(1234.5));
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            parse_duration("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(parse_duration("10m").unwrap(), SimDuration::from_secs(600));
        assert_eq!(
            parse_duration("7d").unwrap(),
            SimDuration::from_secs(7 * 86400)
        );
        assert_eq!(parse_duration("0").unwrap(), SimDuration::ZERO);
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("10 parsecs")
                .unwrap_err()
                .contains("unknown duration unit")
        );
        assert!(parse_duration("-1s").is_err());
        assert_eq!(format_duration(SimDuration::from_secs(600)), "10m");
        assert_eq!(format_duration(SimDuration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("2GB").unwrap(), 2_000_000_000);
        assert_eq!(parse_bytes("128MiB").unwrap(), 128 << 20);
        assert_eq!(parse_bytes("1500").unwrap(), 1500);
        assert_eq!(parse_bytes("1.5kB").unwrap(), 1500);
        assert!(parse_bytes("2 parsecs").is_err());
        assert_eq!(format_bytes(128 << 20), "128MiB");
        assert_eq!(format_bytes(2_000_000_000), "2GB");
    }

    #[test]
    fn rates_and_shares() {
        assert_eq!(parse_rate("200/s").unwrap(), 200.0);
        assert_eq!(parse_rate("5k/s").unwrap(), 5000.0);
        assert_eq!(parse_rate("600/min").unwrap(), 10.0);
        assert_eq!(parse_rate("10kHz").unwrap(), 10_000.0);
        assert!(parse_rate("10").is_err());
        assert_eq!(parse_share("5%").unwrap(), 0.05);
        assert_eq!(parse_share("0.25").unwrap(), 0.25);
        assert!(parse_share("120%").is_err());
        assert_eq!(parse_distance_km("300mi").unwrap(), 300.0 * 1.609_344);
    }

    #[test]
    fn serde_round_trip_and_messages() {
        #[derive(Deserialize, Serialize)]
        struct T {
            d: Duration,
            b: Bytes,
            s: Share,
        }
        let t: T = toml::from_str("d = \"10m\"\nb = \"2GB\"\ns = \"5%\"").unwrap();
        assert_eq!(t.d.get(), SimDuration::from_secs(600));
        let back = toml::to_string(&t).unwrap();
        assert_eq!(back, "d = \"10m\"\nb = \"2GB\"\ns = \"5%\"\n");
        let err = toml::from_str::<T>("d = 10\nb = 1\ns = 0").err().unwrap();
        assert!(err.to_string().contains("ambiguous"), "{err}");
    }
}
