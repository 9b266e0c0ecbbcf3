//! Workloads: object catalogs (Zipf popularity, sizes, response headers,
//! compression, cache busting, churn, flash crowds), the arrival process,
//! and the [`RequestSource`] seam through which a synthetic workload or a
//! trace feeds requests to the simulator.
//!
//! Object ids are global: catalog `k` owns ids `k << 40 ..`; inside a
//! catalog the id's low 40 bits are the object's *index*. The `objects`
//! objects present at t = 0 have index = popularity rank - 1 at t = 0
//! (index 0 is the most popular); objects added by churn get indices
//! `objects, objects + 1, ...` in order of appearance.
//!
//! Per-object attributes (size, header profile, cacheability) are pure
//! functions of (seed, catalog name, index) through [`Streams::hash`], so
//! they do not depend on the order objects are first requested in and
//! cost no memory per object.
//!
//! Churn: new objects appear at `churn.rate` and enter at rank 1, pushing
//! every older object one rank down (the oldest fall off the end of the
//! Zipf ranking and are never requested again). Flash crowds: during
//! `[at, at + duration)` the objects at ranks `first_rank ..` (ranks as of
//! `at`) have their popularity multiplied by `multiplier`; draws are an
//! exact mixture of the base Zipf and the boosted set (the set's pmf is
//! frozen at `at`, a simplification when churn runs during the crowd).

pub mod arrivals;
pub mod config;
pub mod names;
pub mod replay;
pub mod source;
pub mod zipf;

pub use arrivals::{Arrivals, DiurnalProfile, GroupClock};
pub use config::{ArrivalConfig, CatalogConfig, FlashCrowdConfig, SizeModel, WorkloadConfig};
pub use source::{Request, RequestSource, Synthetic};

pub use zipf::{ZIPF_TABLE_MAX_OBJECTS, ZipfSampler};

use crate::http::ResponseHeaders;
use crate::rng::Streams;
use crate::time::{SimDuration, SimTime};
use rand::RngExt;

/// Default relative swing of a sinusoidal diurnal profile.
pub const DEFAULT_DIURNAL_AMPLITUDE: f64 = 0.5;
/// Bits of an object id that hold the index inside its catalog.
pub const INDEX_BITS: u32 = 40;
/// Query parameter name carried by cache-busting requests.
pub const BUST_PARAM: &str = "cb";

/// A flash crowd, resolved to object indices.
#[derive(Clone, Debug)]
struct Crowd {
    start: SimTime,
    end: SimTime,
    /// `(multiplier - 1) * sum of the set's base probabilities`.
    extra: f64,
    indices: Vec<u64>,
    cumulative: Vec<f64>,
}

/// One catalog, ready to draw from.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub name: String,
    /// First global object id of this catalog (`k << 40`).
    pub base_id: u64,
    /// Objects at t = 0.
    pub objects: u64,
    /// Header profiles; the last is `no-store` when some objects are not
    /// cacheable.
    pub profiles: Vec<ResponseHeaders>,
    /// Rank sampler: an alias table up to [`ZIPF_TABLE_MAX_OBJECTS`]
    /// objects, rejection-inversion above (workload/zipf.rs).
    zipf: ZipfSampler,
    alpha: f64,
    harmonic: f64,
    size: SizeModel,
    compression: f64,
    cacheable: f64,
    profile_cumulative: Vec<f64>,
    cache_busting: f64,
    churn_rate: f64,
    crowds: Vec<Crowd>,
    streams: Streams,
    size_label: String,
    header_label: String,
    cacheable_label: String,
}

/// A uniform in [0, 1) from 64 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal deviate from 64 random bits (Box-Muller on two 32-bit
/// uniforms in (0, 1)).
fn standard_normal_from_bits(bits: u64) -> f64 {
    let u1 = ((bits >> 32) as f64 + 0.5) / 4_294_967_296.0;
    let u2 = ((bits & 0xffff_ffff) as f64 + 0.5) / 4_294_967_296.0;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `x.round()` (half away from zero), inline: `f64::round` is a libm
/// call on baseline x86-64 (~25 instructions), and the object sizes and
/// the Zipf tables' thresholds round once per draw or slot. The same
/// value for every `x`: for `0 < x < 2^52` the truncation `t` is the
/// floor and `x - t` is exact, so `t + (x - t >= 0.5)` is the rounding;
/// other values go to `f64::round` (`round_is_f64_round`).
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    if x > 0.0 && x < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        if x - t >= 0.5 { t + 1.0 } else { t }
    } else {
        x.round()
    }
}

/// The generalised harmonic number `H(n, alpha) = sum_{k=1..n} k^-alpha`:
/// exact up to 10^6 terms, Euler-Maclaurin beyond (relative error < 1e-12).
pub fn harmonic(n: u64, alpha: f64) -> f64 {
    harmonic_with(n, alpha, None)
}

/// Terms of [`harmonic`] summed exactly.
const HARMONIC_EXACT: u64 = 1_000_000;

/// [`harmonic`], summing the given `weights` (`k^-alpha` for `k = 1..=n`,
/// `n <= HARMONIC_EXACT`) instead of computing them: the same value.
fn harmonic_with(n: u64, alpha: f64, weights: Option<&[f64]>) -> f64 {
    const EXACT: u64 = HARMONIC_EXACT;
    let f = |k: f64| k.powf(-alpha);
    let m = n.min(EXACT);
    // Sum small terms last for accuracy.
    let mut h: f64 = match weights {
        Some(w) if w.len() as u64 == m => w.iter().rev().sum(),
        _ => (1..=m).rev().map(|k| f(k as f64)).sum(),
    };
    if n > EXACT {
        let (a, b) = (m as f64, n as f64);
        let integral = if (alpha - 1.0).abs() < 1e-12 {
            (b / a).ln()
        } else {
            (b.powf(1.0 - alpha) - a.powf(1.0 - alpha)) / (1.0 - alpha)
        };
        let fp = |x: f64| -alpha * x.powf(-alpha - 1.0);
        h += integral + (f(b) - f(a)) / 2.0 + (fp(b) - fp(a)) / 12.0;
    }
    h
}

impl Catalog {
    /// Catalog number `index` of the scenario.
    pub fn new(cfg: &CatalogConfig, index: usize, streams: Streams) -> Catalog {
        let mut profiles: Vec<ResponseHeaders> = cfg.headers.iter().map(|h| h.1.clone()).collect();
        let mut acc = 0.0;
        let profile_cumulative = cfg
            .headers
            .iter()
            .map(|h| {
                acc += h.0;
                acc
            })
            .collect();
        if cfg.cacheable < 1.0 {
            profiles.push(
                crate::http::HeaderSpec {
                    cache_control: Some("no-store"),
                    ..Default::default()
                }
                .build()
                .unwrap_or_default(),
            );
        }
        // The rank weights k^-alpha, computed once for both the harmonic
        // number and the sampler's table, when the harmonic number is an
        // exact sum (HARMONIC_EXACT < ZIPF_TABLE_MAX_OBJECTS: larger
        // tables compute their own weights).
        let weights: Option<Vec<f64>> =
            (cfg.objects <= HARMONIC_EXACT).then(|| zipf::weights(cfg.objects, cfg.zipf_alpha));
        let mut c = Catalog {
            name: cfg.name.clone(),
            base_id: (index as u64) << INDEX_BITS,
            objects: cfg.objects,
            profiles,
            zipf: ZipfSampler::new(cfg.objects, cfg.zipf_alpha, weights.as_deref()),
            alpha: cfg.zipf_alpha,
            harmonic: harmonic_with(cfg.objects, cfg.zipf_alpha, weights.as_deref()),
            size: cfg.size.clone(),
            compression: cfg.compression,
            cacheable: cfg.cacheable,
            profile_cumulative,
            cache_busting: cfg.cache_busting,
            churn_rate: cfg.churn_rate,
            crowds: Vec::new(),
            streams,
            size_label: format!("workload/{}/size", cfg.name),
            header_label: format!("workload/{}/headers", cfg.name),
            cacheable_label: format!("workload/{}/cacheable", cfg.name),
        };
        c.crowds = cfg
            .flash_crowds
            .iter()
            .map(|f| {
                let ranks = f.first_rank..f.first_rank + f.objects;
                let indices = ranks.clone().map(|r| c.index_at_rank(r, f.start)).collect();
                let mut acc = 0.0;
                let cumulative: Vec<f64> = ranks
                    .map(|r| {
                        acc += c.popularity(r);
                        acc
                    })
                    .collect();
                let mass = acc;
                Crowd {
                    start: f.start,
                    end: f.start + f.duration,
                    extra: (f.multiplier - 1.0) * mass,
                    indices,
                    cumulative: cumulative.iter().map(|x| x / mass).collect(),
                }
            })
            .collect();
        c
    }

    /// Base probability of popularity rank `rank` (1-based).
    pub fn popularity(&self, rank: u64) -> f64 {
        (rank as f64).powf(-self.alpha) / self.harmonic
    }

    /// New objects introduced by churn up to `t`.
    pub fn introduced(&self, t: SimTime) -> u64 {
        (self.churn_rate * t.as_secs_f64()).floor() as u64
    }

    /// When object `index` appears (t = 0 for the initial objects).
    pub fn appears_at(&self, index: u64) -> SimTime {
        if index < self.objects || self.churn_rate <= 0.0 {
            return SimTime::ZERO;
        }
        let j = index - self.objects + 1;
        SimTime::ZERO + SimDuration::from_secs_f64(j as f64 / self.churn_rate)
    }

    /// The object index at popularity rank `rank` (1-based) at `t`.
    pub fn index_at_rank(&self, rank: u64, t: SimTime) -> u64 {
        let k = self.introduced(t);
        if rank <= k {
            self.objects + k - rank
        } else {
            rank - k - 1
        }
    }

    /// The popularity rank of object `index` at `t`, if it is in the
    /// ranking then.
    pub fn rank_at(&self, index: u64, t: SimTime) -> Option<u64> {
        let k = self.introduced(t);
        let rank = if index >= self.objects {
            (self.objects + k).checked_sub(index)?
        } else {
            index + k + 1
        };
        (rank >= 1 && rank <= self.objects).then_some(rank)
    }

    /// Draws an object by popularity at `now`; returns its global id.
    #[inline]
    pub fn draw_at<R: rand::Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> u64 {
        if !self.crowds.is_empty() {
            let extra: f64 = self
                .crowds
                .iter()
                .filter(|c| c.start <= now && now < c.end)
                .map(|c| c.extra)
                .sum();
            if extra > 0.0 {
                let u: f64 = rng.random::<f64>() * (1.0 + extra);
                if u >= 1.0 {
                    // Pick the crowd by its extra mass; rounding at the
                    // top end falls to the last active one.
                    let mut rest = u - 1.0;
                    let mut chosen = None;
                    for c in self.crowds.iter().filter(|c| c.start <= now && now < c.end) {
                        chosen = Some(c);
                        if rest < c.extra {
                            break;
                        }
                        rest -= c.extra;
                    }
                    if let Some(c) = chosen {
                        let v: f64 = rng.random();
                        let i = c.cumulative.partition_point(|&x| x <= v);
                        return self.base_id + c.indices[i.min(c.indices.len() - 1)];
                    }
                }
            }
        }
        let rank = self.zipf.sample(rng).clamp(1, self.objects);
        self.base_id + self.index_at_rank(rank, now)
    }

    /// Draws an object by popularity at t = 0.
    #[inline]
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        self.draw_at(SimTime::ZERO, rng)
    }

    fn index(&self, id: u64) -> u64 {
        id - self.base_id
    }

    /// The stored (uncompressed) size of object `id` [bytes], fixed for
    /// the whole run.
    #[inline]
    pub fn size_of(&self, id: u64) -> u64 {
        let h = || self.streams.hash(&self.size_label, self.index(id));
        match &self.size {
            SizeModel::Fixed(s) => *s,
            SizeModel::Lognormal {
                median,
                sigma,
                min,
                max,
            } => {
                let x = median * (sigma * standard_normal_from_bits(h())).exp();
                round(x.clamp(*min, *max)) as u64
            }
            SizeModel::Pareto { scale, shape, max } => {
                let u = 1.0 - unit(h()); // (0, 1]
                round((scale / u.powf(1.0 / shape)).min(*max)).max(1.0) as u64
            }
            SizeModel::BoundedPareto { min, max, shape } => {
                let u = unit(h());
                let r = (min / max).powf(*shape);
                let x = min / (1.0 - u * (1.0 - r)).powf(1.0 / shape);
                round(x.clamp(*min, *max)) as u64
            }
            SizeModel::Empirical(t) => t.at(unit(h())),
        }
    }

    /// Bytes on the wire for object `id` (size times the compression ratio).
    #[inline]
    pub fn wire_size_of(&self, id: u64) -> u64 {
        let s = self.size_of(id);
        if self.compression >= 1.0 {
            s
        } else {
            (round(s as f64 * self.compression) as u64).max(1)
        }
    }

    /// Index into [`Catalog::profiles`] of object `id`'s response headers.
    #[inline]
    pub fn profile_of(&self, id: u64) -> u16 {
        self.profile_of_index(self.index(id))
    }

    /// [`Catalog::profile_of`] by object index (trace replay names objects
    /// by their trace id, used as the index).
    #[inline]
    pub fn profile_of_index(&self, i: u64) -> u16 {
        if self.cacheable < 1.0
            && unit(self.streams.hash(&self.cacheable_label, i)) >= self.cacheable
        {
            return (self.profiles.len() - 1) as u16;
        }
        if self.profile_cumulative.len() <= 1 {
            return 0;
        }
        let u = unit(self.streams.hash(&self.header_label, i))
            * self.profile_cumulative[self.profile_cumulative.len() - 1];
        self.profile_cumulative
            .partition_point(|&c| c <= u)
            .min(self.profile_cumulative.len() - 1) as u16
    }

    /// Object `id`'s response headers.
    pub fn headers_of(&self, id: u64) -> &ResponseHeaders {
        &self.profiles[self.profile_of(id) as usize]
    }
}

/// One draw: which object, how big, with which headers, busted or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Draw {
    pub catalog: u32,
    /// Global object id.
    pub object: u64,
    /// Bytes on the wire.
    pub size: u64,
    /// Header profile index in the catalog.
    pub profile: u16,
    /// Value of the cache-busting parameter [`BUST_PARAM`], if any.
    pub bust: Option<u64>,
}

/// Wire sizes of each catalog's initial objects, filled as objects are
/// first drawn: `Catalog::size_of` costs a hash and an `exp`/`pow` (~370
/// instructions), the memo one load, mostly cached for the popular
/// objects. 8 bytes per object for catalogs up to
/// [`ZIPF_TABLE_MAX_OBJECTS`] objects (zero-filled pages, touched only
/// where objects are drawn); larger catalogs and churned-in objects are
/// computed every time. A size is a pure function of the object, so the
/// memo changes no output.
#[derive(Debug, Default)]
pub struct SizeMemo {
    /// Per catalog, by object index; 0 = not computed yet (a true size of
    /// 0 is recomputed, which is still right).
    sizes: Vec<Vec<u64>>,
}

impl SizeMemo {
    pub fn new(w: &Workload) -> SizeMemo {
        SizeMemo {
            sizes: w
                .catalogs
                .iter()
                .map(|c| {
                    if c.objects <= ZIPF_TABLE_MAX_OBJECTS {
                        vec![0; c.objects as usize]
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
        }
    }

    /// [`Catalog::wire_size_of`] of object `id` of catalog `c` (number `k`).
    #[inline]
    fn wire_size(&mut self, c: &Catalog, k: usize, id: u64) -> u64 {
        let slot = self
            .sizes
            .get_mut(k)
            .and_then(|v| v.get_mut(c.index(id) as usize));
        match slot {
            Some(s) if *s != 0 => *s,
            Some(s) => {
                *s = c.wire_size_of(id);
                *s
            }
            None => c.wire_size_of(id),
        }
    }
}

/// All catalogs of a scenario, with the request share of each.
#[derive(Clone, Debug)]
pub struct Workload {
    pub catalogs: Vec<Catalog>,
    /// Cumulative shares, for picking a catalog.
    cumulative: Vec<f64>,
}

impl Workload {
    pub fn new(cfgs: &[CatalogConfig], streams: Streams) -> Workload {
        let mut acc = 0.0;
        let catalogs = cfgs
            .iter()
            .enumerate()
            .map(|(k, c)| Catalog::new(c, k, streams))
            .collect();
        let cumulative = cfgs
            .iter()
            .map(|c| {
                acc += c.share;
                acc
            })
            .collect();
        Workload {
            catalogs,
            cumulative,
        }
    }

    /// The catalog that owns global id `id`.
    pub fn catalog_of(&self, id: u64) -> &Catalog {
        &self.catalogs[(id >> INDEX_BITS) as usize]
    }

    /// Draws at `now`: catalog by share, object by (time-dependent)
    /// popularity, and whether the request busts the cache.
    #[inline]
    pub fn draw_at<R: rand::Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> Draw {
        self.draw_with(now, rng, |c, _, id| c.wire_size_of(id))
    }

    /// [`Workload::draw_at`] with the wire sizes of the initial objects
    /// memoised in `memo` (the same draws and sizes).
    #[inline]
    pub fn draw_at_memo<R: rand::Rng + ?Sized>(
        &self,
        now: SimTime,
        rng: &mut R,
        memo: &mut SizeMemo,
    ) -> Draw {
        self.draw_with(now, rng, |c, k, id| memo.wire_size(c, k, id))
    }

    #[inline]
    fn draw_with<R: rand::Rng + ?Sized>(
        &self,
        now: SimTime,
        rng: &mut R,
        mut wire_size: impl FnMut(&Catalog, usize, u64) -> u64,
    ) -> Draw {
        let k = if self.catalogs.len() == 1 {
            0
        } else {
            let u: f64 = rng.random::<f64>() * self.cumulative[self.cumulative.len() - 1];
            self.cumulative
                .partition_point(|&c| c <= u)
                .min(self.catalogs.len() - 1)
        };
        let c = &self.catalogs[k];
        let object = c.draw_at(now, rng);
        let bust = (c.cache_busting > 0.0 && rng.random::<f64>() < c.cache_busting)
            .then(|| rng.random::<u64>());
        Draw {
            catalog: k as u32,
            object,
            size: wire_size(c, k, object),
            profile: c.profile_of(object),
            bust,
        }
    }

    /// Draws (catalog index, object id, wire size) at t = 0.
    #[inline]
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> (usize, u64, u64) {
        let d = self.draw_at(SimTime::ZERO, rng);
        (d.catalog as usize, d.object, d.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `round` against `f64::round`: halves and their neighbours, random
    /// values of every magnitude, negatives, the 2^52 boundary, the
    /// specials.
    #[test]
    fn round_is_f64_round() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -0.5,
            -2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.1e18,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        for k in 0..5000u64 {
            let h = k as f64 + 0.5;
            xs.extend([
                h,
                f64::from_bits(h.to_bits() - 1),
                f64::from_bits(h.to_bits() + 1),
            ]);
            let big = (k << 40) as f64 + 0.5;
            xs.extend([
                big,
                f64::from_bits(big.to_bits() - 1),
                f64::from_bits(big.to_bits() + 1),
            ]);
        }
        let mut state = 7u64;
        for _ in 0..200_000 {
            let bits = crate::rng::splitmix64(&mut state);
            let x = f64::from_bits(bits);
            if x.is_finite() {
                xs.push(x);
            }
            xs.push((bits >> 11) as f64 / 1024.0);
        }
        for x in xs {
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "x = {x:e}");
        }
        assert!(round(f64::NAN).is_nan());
    }
    use config::EmpiricalSizes;
    use std::sync::Arc;

    fn cfg(alpha: f64, size: SizeModel) -> CatalogConfig {
        CatalogConfig::basic("t", 1000, alpha, size)
    }

    #[test]
    fn zipf_rank_one_is_most_popular_with_expected_share() {
        let w = Workload::new(&[cfg(1.0, SizeModel::Fixed(10))], Streams::new(1));
        let mut rng = Streams::new(1).stream("t");
        let n = 200_000;
        let top = (0..n).filter(|_| w.draw(&mut rng).1 == 0).count() as f64 / n as f64;
        // P(rank 1) = 1 / H(1000) = 0.1336 for alpha = 1.
        assert!((top - 0.1336).abs() < 0.005, "{top}");
        assert!((w.catalogs[0].popularity(1) - 0.1336).abs() < 1e-4);
    }

    #[test]
    fn harmonic_numbers() {
        assert!((harmonic(1000, 1.0) - 7.485_470_860_550_345).abs() < 1e-12);
        // Euler-Maclaurin branch against H(n) ~ ln n + gamma + 1/2n.
        let n = 10_000_000u64;
        let expect = (n as f64).ln() + 0.577_215_664_901_532_9 + 0.5 / n as f64;
        assert!((harmonic(n, 1.0) - expect).abs() < 1e-9);
        assert_eq!(harmonic(10, 0.0), 10.0);
    }

    fn sizes(model: SizeModel) -> Vec<u64> {
        let c = Catalog::new(
            &CatalogConfig::basic("t", 20_000, 0.8, model),
            0,
            Streams::new(3),
        );
        let mut v: Vec<u64> = (0..20_000).map(|i| c.size_of(i)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn lognormal_sizes_have_the_median() {
        let v = sizes(SizeModel::Lognormal {
            median: 20_000.0,
            sigma: 1.0,
            min: 1.0,
            max: 10e6,
        });
        assert!(
            (v[10_000] as f64 / 20_000.0 - 1.0).abs() < 0.05,
            "{}",
            v[10_000]
        );
        assert!(v[19_999] <= 10_000_000);
    }

    #[test]
    fn pareto_sizes_follow_the_tail() {
        // P(X > x) = (scale / x)^shape: median = scale * 2^(1/shape).
        let v = sizes(SizeModel::Pareto {
            scale: 1000.0,
            shape: 1.5,
            max: f64::MAX,
        });
        assert!(v[0] >= 1000);
        let median = 1000.0 * 2f64.powf(1.0 / 1.5);
        assert!(
            (v[10_000] as f64 / median - 1.0).abs() < 0.05,
            "{}",
            v[10_000]
        );
        let above_10k = v.iter().filter(|&&x| x > 10_000).count() as f64 / 20_000.0;
        assert!((above_10k - 0.1f64.powf(1.5)).abs() < 0.005, "{above_10k}");
    }

    #[test]
    fn bounded_pareto_stays_in_bounds_with_the_right_median() {
        let (l, h, a) = (1000.0, 1e6, 1.2);
        let v = sizes(SizeModel::BoundedPareto {
            min: l,
            max: h,
            shape: a,
        });
        assert!(v[0] >= 1000 && v[19_999] <= 1_000_000);
        // Median solves F(x) = 1/2: x = l / (1 - (1 - (l/h)^a) / 2)^(1/a).
        let median = l / (1.0 - 0.5 * (1.0 - (l / h).powf(a))).powf(1.0 / a);
        assert!((v[10_000] as f64 / median - 1.0).abs() < 0.05);
    }

    #[test]
    fn empirical_sizes_follow_weights() {
        let t = EmpiricalSizes::parse("size,weight\n100,1\n# c\n1kB,3\n", "s.csv").unwrap();
        assert_eq!(t.sizes, vec![100, 1000]);
        let v = sizes(SizeModel::Empirical(Arc::new(t)));
        let small = v.iter().filter(|&&x| x == 100).count() as f64 / 20_000.0;
        assert!((small - 0.25).abs() < 0.01, "{small}");
        let e = EmpiricalSizes::parse("100\nabc\n", "s.csv").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("s.csv", Some(2)));
        assert!(EmpiricalSizes::parse("100,-1\n", "s.csv").is_err());
        assert!(EmpiricalSizes::parse("", "s.csv").is_err());
    }

    #[test]
    fn compression_shrinks_wire_size() {
        let mut c = cfg(0.8, SizeModel::Fixed(1000));
        c.compression = config::default_compression("text/html; charset=utf-8");
        let cat = Catalog::new(&c, 0, Streams::new(1));
        assert_eq!(cat.size_of(5), 1000);
        assert_eq!(cat.wire_size_of(5), 250);
        assert_eq!(config::default_compression("video/mp4"), 1.0);
    }

    #[test]
    fn churn_mapping_is_a_bijection_on_ranks() {
        let mut c = cfg(0.8, SizeModel::Fixed(1));
        c.churn_rate = 2.0;
        let cat = Catalog::new(&c, 0, Streams::new(1));
        let t = SimTime::ZERO + SimDuration::from_secs(10); // 20 new objects
        assert_eq!(cat.introduced(t), 20);
        assert_eq!(cat.index_at_rank(1, t), 1019, "newest on top");
        assert_eq!(cat.index_at_rank(21, t), 0, "old rank 1 pushed down");
        for r in 1..=1000 {
            assert_eq!(cat.rank_at(cat.index_at_rank(r, t), t), Some(r));
        }
        assert_eq!(cat.rank_at(999, t), None, "pushed out of the ranking");
        assert_eq!(
            cat.appears_at(1000),
            SimTime::ZERO + SimDuration::from_millis(500)
        );
    }
}
