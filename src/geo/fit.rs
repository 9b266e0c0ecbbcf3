//! Fitting the latency model on measured RTTs (WonderProxy, ~120 cities).
//!
//! Data (in `DATA/latency/`): `wonderproxy_servers_calibration.csv`
//! (`id,...,latitude,longitude`) and `wonderproxy_pings_calibration.csv.gz`
//! (`source,destination,min,avg,max,mdev` [ms], one day of pings per pair).
//!
//! **Propagation signal = min RTT.** The minimum over a day of pings is the
//! RTT with (nearly) empty queues: what remains is propagation over the route
//! plus per-hop forwarding, which is what the deterministic part of the model
//! describes. Queueing shows up in `avg - min` and `mdev`, which feed the
//! jitter distribution instead.
//!
//! **Model.** `rtt(d) = 2 * (d * stretch / 200,000 km/s + per_hop * hops(d))`
//! with the point-to-point hop count `hops(d) = base + log2(1 + d / D0)`:
//! a few hops to get out of the source and into the destination network, and
//! one more each time the distance doubles (hierarchical routing: metro,
//! region, country, continent). The measured RTTs are concave in distance
//! (short paths are relatively more inflated than long ones: median
//! `min / (d / 100 km/ms)` falls from 5.6 at 50-200 km to 1.8 beyond
//! 4,000 km), which a linear "base + one hop per N km" model cannot follow
//! and which separates per-hop cost from stretch. For a fixed `D0` the
//! model is linear in `(1, d, log2(1 + d/D0))` with coefficients
//! `(2 per_hop base, stretch / 100, 2 per_hop)`.
//!
//! **Criterion.** Minimise the sum of absolute relative errors
//! `|model / measured - 1|` (the error the docs report), by iteratively
//! reweighted least squares, for each `D0` of a grid; keep the best `D0`.
//! Coefficients are kept non-negative: if the free fit gives a negative
//! intercept, it is refitted with the intercept (the base hop count) at 0.

use super::LatLon;
use crate::error::{Error, InputError};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// One measured server pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PingPair {
    /// Great-circle distance [km].
    pub km: f64,
    /// Minimum RTT over the day [ms].
    pub min_ms: f64,
    /// Mean RTT [ms].
    pub avg_ms: f64,
    /// Standard deviation of the RTT (ping's `mdev`) [ms].
    pub mdev_ms: f64,
}

/// The `D0` grid searched [km].
pub const D0_GRID_KM: [f64; 9] = [25.0, 50.0, 100.0, 200.0, 300.0, 400.0, 600.0, 800.0, 1600.0];

/// Result of [`fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyFit {
    /// Number of pairs used.
    pub pairs: usize,
    pub stretch: f64,
    /// One-way cost per hop [ms].
    pub per_hop_ms: f64,
    /// Hops of a zero-distance point-to-point path.
    pub hops_base: f64,
    /// Distance scale of the hop count [km]: one more hop per doubling of
    /// `1 + d / D0`.
    pub hop_scale_km: f64,
    /// Median over pairs of `avg - min` [ms]: mean excess RTT from queueing.
    pub jitter_mean_ms: f64,
    /// Median over pairs of `mdev` [ms].
    pub jitter_sd_ms: f64,
    /// Median and 90th percentile of `|model / min - 1|` over the pairs.
    pub median_abs_rel_err: f64,
    pub p90_abs_rel_err: f64,
}

fn gunzip_or_plain(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| Error::io(format!("{}: gunzip", path.display()), e))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| {
            InputError::new(path.display().to_string(), "", format!("not UTF-8: {e}")).into()
        })
    }
}

fn parse_f64(s: &str, file: &Path, line: usize, col: &str) -> Result<f64, Error> {
    s.trim().parse().map_err(|_| {
        InputError::at_line(
            file.display().to_string(),
            Some(line),
            col,
            format!("`{s}` is not a number"),
        )
        .into()
    })
}

/// Loads the WonderProxy calibration pairs from `data_dir/latency/`.
/// Self-pairs (a server to itself) are skipped.
pub fn load_wonderproxy(data_dir: &Path) -> Result<Vec<PingPair>, Error> {
    let dir = data_dir.join("latency");
    let sp = dir.join("wonderproxy_servers_calibration.csv");
    let text = gunzip_or_plain(&sp)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let hdr = rdr
        .headers()
        .map_err(|e| InputError::at_line(sp.display().to_string(), Some(1), "", e.to_string()))?
        .clone();
    let col = |name: &str| {
        hdr.iter().position(|h| h == name).ok_or_else(|| {
            Error::from(InputError::at_line(
                sp.display().to_string(),
                Some(1),
                "",
                format!("missing column `{name}`"),
            ))
        })
    };
    let (ci, cla, clo) = (col("id")?, col("latitude")?, col("longitude")?);
    let mut servers: BTreeMap<String, LatLon> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec
            .map_err(|e| InputError::at_line(sp.display().to_string(), None, "", e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |i: usize| rec.get(i).unwrap_or("");
        servers.insert(
            get(ci).to_string(),
            LatLon::new(
                parse_f64(get(cla), &sp, line, "latitude")?,
                parse_f64(get(clo), &sp, line, "longitude")?,
            ),
        );
    }

    let pp = dir.join("wonderproxy_pings_calibration.csv.gz");
    let text = gunzip_or_plain(&pp)?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut pairs = Vec::new();
    for rec in rdr.records() {
        let rec = rec
            .map_err(|e| InputError::at_line(pp.display().to_string(), None, "", e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |i: usize| rec.get(i).unwrap_or("");
        let (s, d) = (get(0), get(1));
        if s == d {
            continue;
        }
        let loc = |id: &str| {
            servers.get(id).copied().ok_or_else(|| {
                Error::from(InputError::at_line(
                    pp.display().to_string(),
                    Some(line),
                    "",
                    format!("server id `{id}` is not in {}", sp.display()),
                ))
            })
        };
        let km = loc(s)?.distance_km(loc(d)?);
        let min_ms = parse_f64(get(2), &pp, line, "min")?;
        let avg_ms = parse_f64(get(3), &pp, line, "avg")?;
        let mdev_ms = parse_f64(get(5), &pp, line, "mdev")?;
        if min_ms > 0.0 {
            pairs.push(PingPair {
                km,
                min_ms,
                avg_ms,
                mdev_ms,
            });
        }
    }
    Ok(pairs)
}

/// Solves `a x = b` for small dense `a` (Gaussian elimination, partial
/// pivoting); `None` if singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c].clone();
        for r in c + 1..n {
            let f = a[r][c] / pivot[c];
            for (x, &pk) in a[r][c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * pk;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

/// Minimises `sum |x_i . beta / y_i - 1|` by iteratively reweighted least
/// squares (weights `1 / max(|r_i|, 1e-6)`), using only the columns in
/// `cols`; the other coefficients are 0.
fn l1_relative(xs: &[[f64; 3]], ys: &[f64], cols: &[usize]) -> Option<[f64; 3]> {
    let n = cols.len();
    let mut w: Vec<f64> = vec![1.0; ys.len()];
    let mut beta = [0.0; 3];
    for _ in 0..200 {
        let mut a = vec![vec![0.0; n]; n];
        let mut b = vec![0.0; n];
        for ((x, &y), &wi) in xs.iter().zip(ys).zip(&w) {
            for r in 0..n {
                let zr = x[cols[r]] / y;
                for c in 0..n {
                    a[r][c] += wi * zr * x[cols[c]] / y;
                }
                b[r] += wi * zr;
            }
        }
        let sol = solve(a, b)?;
        let mut next = [0.0; 3];
        for (k, &c) in cols.iter().enumerate() {
            next[c] = sol[k];
        }
        let delta: f64 = (0..3)
            .map(|k| (next[k] - beta[k]).abs() / next[k].abs().max(1e-12))
            .fold(0.0, f64::max);
        beta = next;
        for ((x, &y), wi) in xs.iter().zip(ys).zip(w.iter_mut()) {
            *wi = 1.0 / rel_err(x, &beta, y).max(1e-6);
        }
        if delta < 1e-10 {
            break;
        }
    }
    Some(beta)
}

fn rel_err(x: &[f64; 3], beta: &[f64; 3], y: f64) -> f64 {
    ((x[0] * beta[0] + x[1] * beta[1] + x[2] * beta[2]) / y - 1.0).abs()
}

/// Fits for one `D0`: all three coefficients, or, when that gives a
/// negative (unphysical) intercept or hop term, the intercept fixed at 0.
/// Returns (sum of absolute relative errors, coefficients).
fn fit_d0(pairs: &[PingPair], ys: &[f64], d0: f64) -> Option<(f64, [f64; 3])> {
    let xs: Vec<[f64; 3]> = pairs
        .iter()
        .map(|p| [1.0, p.km, (1.0 + p.km / d0).log2()])
        .collect();
    let mut beta = l1_relative(&xs, ys, &[0, 1, 2])?;
    if beta[0] < 0.0 || beta[2] < 0.0 {
        beta = l1_relative(&xs, ys, &[1, 2])?;
    }
    if beta.iter().any(|&b| b < 0.0) {
        return None;
    }
    let loss = xs.iter().zip(ys).map(|(x, &y)| rel_err(x, &beta, y)).sum();
    Some((loss, beta))
}

/// `q`-quantile (0..=1) of `v` by the nearest-rank method; `v` is sorted.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Median and p90 of `|model(km) / min - 1|` over `pairs`.
pub fn relative_errors(pairs: &[PingPair], model: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut e: Vec<f64> = pairs
        .iter()
        .map(|p| (model(p.km) / p.min_ms - 1.0).abs())
        .collect();
    (quantile(&mut e, 0.5), quantile(&mut e, 0.9))
}

/// Fits the model on `pairs` (see the module docs). `None` if the data is
/// degenerate (fewer than 3 pairs or a singular system).
pub fn fit(pairs: &[PingPair]) -> Option<LatencyFit> {
    if pairs.len() < 3 {
        return None;
    }
    let ys: Vec<f64> = pairs.iter().map(|p| p.min_ms).collect();
    let mut best: Option<(f64, f64, [f64; 3])> = None;
    for d0 in D0_GRID_KM {
        if let Some((loss, beta)) = fit_d0(pairs, &ys, d0) {
            if best.is_none_or(|(l, _, _)| loss < l) {
                best = Some((loss, d0, beta));
            }
        }
    }
    let (_, d0, beta) = best?;
    let per_hop_ms = beta[2] / 2.0;
    let stretch = beta[1] * 100.0;
    let hops_base = if per_hop_ms > 0.0 {
        beta[0] / (2.0 * per_hop_ms)
    } else {
        0.0
    };
    let (median_abs_rel_err, p90_abs_rel_err) = relative_errors(pairs, |km| {
        beta[0] + beta[1] * km + beta[2] * (1.0 + km / d0).log2()
    });
    let mut excess: Vec<f64> = pairs.iter().map(|p| p.avg_ms - p.min_ms).collect();
    let mut mdev: Vec<f64> = pairs.iter().map(|p| p.mdev_ms).collect();
    Some(LatencyFit {
        pairs: pairs.len(),
        stretch,
        per_hop_ms,
        hops_base,
        hop_scale_km: d0,
        jitter_mean_ms: quantile(&mut excess, 0.5),
        jitter_sd_ms: quantile(&mut mdev, 0.5),
        median_abs_rel_err,
        p90_abs_rel_err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_known_parameters() {
        // Synthetic pairs from the model itself, with D0 on the grid.
        let (s, h, b, d0) = (1.7, 0.8, 2.5, 200.0);
        let pairs: Vec<PingPair> = (1..400)
            .map(|i| {
                let km = i as f64 * 37.0;
                let rtt = 2.0 * (km * s / 200.0 + h * (b + (1.0 + km / d0).log2()));
                PingPair {
                    km,
                    min_ms: rtt,
                    avg_ms: rtt + 0.4,
                    mdev_ms: 0.2,
                }
            })
            .collect();
        let f = fit(&pairs).unwrap();
        assert_eq!(f.hop_scale_km, d0);
        assert!((f.stretch - s).abs() < 1e-6, "{f:?}");
        assert!((f.per_hop_ms - h).abs() < 1e-6, "{f:?}");
        assert!((f.hops_base - b).abs() < 1e-6, "{f:?}");
        assert!(f.median_abs_rel_err < 1e-6);
        assert!((f.jitter_mean_ms - 0.4).abs() < 1e-9);
    }

    #[test]
    fn quantile_nearest_rank() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&mut v, 0.5), 3.0);
        assert_eq!(quantile(&mut v, 0.9), 5.0);
    }
}
