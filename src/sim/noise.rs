//! The per-request jitter draw: a Gamma sampler without `pow`.
//!
//! The latency model's jitter is Gamma with shape `(mean / sd)^2` (0.36
//! with the fitted defaults, docs/latency-model.md). `rand_distr::Gamma`
//! draws a shape below 1 as `Gamma(shape + 1) * U^(1 / shape)`, a `pow`
//! per draw (~125 instructions; the jitter was 9% of the request path's
//! instructions). [`Jitter`] draws the same distribution with
//! `U^(1 / shape) = exp(-E / shape)`, `E` a standard exponential
//! (ziggurat, rarely a `ln`): one `exp` instead. `Gamma(shape + 1)` (and any
//! shape >= 1) is Marsaglia & Tsang (2000), as in `rand_distr`. Exact in
//! distribution (`jitter_matches_rand_distr_gamma`); the drawn sequence
//! differs from `rand_distr::Gamma`'s.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, Open01, StandardNormal};

/// Gamma(shape, scale), shape > 0.
#[derive(Clone, Copy, Debug)]
pub struct Jitter {
    /// `1 / shape` when shape < 1 (then the core draws shape + 1), else 0.
    inv_shape: f64,
    /// Marsaglia-Tsang's `d = shape' - 1/3` and `c = 1 / sqrt(9 d)`.
    d: f64,
    c: f64,
    scale: f64,
}

impl Jitter {
    /// `None` unless shape and scale are positive and finite.
    pub fn new(shape: f64, scale: f64) -> Option<Jitter> {
        if !(shape > 0.0 && shape.is_finite() && scale > 0.0 && scale.is_finite()) {
            return None;
        }
        let (core, inv_shape) = if shape < 1.0 {
            (shape + 1.0, 1.0 / shape)
        } else {
            (shape, 0.0)
        };
        let d = core - 1.0 / 3.0;
        Some(Jitter {
            inv_shape,
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            scale,
        })
    }

    /// With the given mean and standard deviation (the latency model's
    /// parameters); `None` when either is not positive.
    pub fn with_mean_sd(mean: f64, sd: f64) -> Option<Jitter> {
        if !(mean > 0.0 && sd > 0.0) {
            return None;
        }
        Jitter::new((mean / sd).powi(2), sd * sd / mean)
    }

    /// Marsaglia-Tsang: Gamma(d + 1/3, 1).
    #[inline]
    fn core<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x: f64 = StandardNormal.sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u: f64 = rng.sample(Open01);
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}

impl Distribution<f64> for Jitter {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let g = self.core(rng);
        let g = if self.inv_shape > 0.0 {
            let e: f64 = Exp1.sample(rng);
            g * (-e * self.inv_shape).exp()
        } else {
            g
        };
        g * self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    /// Two-sample Kolmogorov-Smirnov statistic.
    fn ks(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
        while i < a.len() && j < b.len() {
            if a[i] <= b[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
        }
        d
    }

    #[test]
    fn jitter_matches_rand_distr_gamma() {
        let n = 200_000;
        // 1e-6 critical value of the two-sample KS statistic, n = m.
        let crit = (-(0.5e-6f64).ln() / 2.0).sqrt() * (2.0 / n as f64).sqrt();
        let mut rng = Streams::new(9).stream("test/jitter");
        // The fitted defaults (shape 0.36), and shapes 1 and 3.
        for (mean, sd) in [(0.362, 0.604), (2.0, 2.0), (3.0, 3f64.sqrt())] {
            let j = Jitter::with_mean_sd(mean, sd).unwrap();
            let g = rand_distr::Gamma::new((mean / sd).powi(2), sd * sd / mean).unwrap();
            let ours: Vec<f64> = (0..n).map(|_| j.sample(&mut rng)).collect();
            let theirs: Vec<f64> = (0..n).map(|_| g.sample(&mut rng)).collect();
            let m = ours.iter().sum::<f64>() / n as f64;
            let v = ours.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
            assert!((m / mean - 1.0).abs() < 0.02, "mean {m} vs {mean}");
            assert!(
                (v.sqrt() / sd - 1.0).abs() < 0.03,
                "sd {} vs {sd}",
                v.sqrt()
            );
            let d = ks(ours.clone(), theirs);
            assert!(
                d < crit,
                "KS {d:.4} >= {crit:.4} (mean {mean}, sd {sd}, seed 9)"
            );
            // Power: a 10% larger scale is rejected.
            let wider: Vec<f64> = (0..n).map(|_| 1.1 * g.sample(&mut rng)).collect();
            assert!(ks(ours, wider) > crit, "KS misses a 10% scale change");
        }
        assert!(Jitter::new(0.0, 1.0).is_none());
        assert!(Jitter::with_mean_sd(1.0, 0.0).is_none());
    }
}
