//! Zipf rank sampling for a catalog: a table (Walker's alias method, built
//! with Vose's algorithm) for catalogs up to [`ZIPF_TABLE_MAX_OBJECTS`]
//! objects, rejection-inversion (`rand_distr::Zipf`, Hörmann & Derflinger
//! 1996) above.
//!
//! Both draw rank `r` in `1..=n` with probability `r^-alpha / H(n, alpha)`.
//! Rejection-inversion needs about three `pow` calls per draw (~400
//! instructions); the table needs one 64-bit random value, a 64x64-bit
//! multiply and one 8-byte load (the popular ranks' entries stay in
//! cache). The table is exact up to rounding: each entry keeps the
//! probability of its own rank as a 32-bit threshold, so a rank's
//! probability is off by at most `2^-32 / n` (absolute) plus the f64
//! rounding of the build; `zipf_table_matches_the_pmf` checks the
//! frequencies against the pmf.
//!
//! Memory: 8 bytes per object (1.6 MB for 200,000 objects), at most
//! 32 MiB per catalog at the bound; built once per catalog in O(n) (one
//! `pow` per rank, the same powers the catalog's harmonic number sums).

use rand::Rng;
use rand_distr::Distribution;

/// Largest catalog sampled through a table (8 bytes per object: 32 MiB).
/// Larger catalogs use rejection-inversion, which needs no memory.
pub const ZIPF_TABLE_MAX_OBJECTS: u64 = 1 << 22;

/// One alias-table slot: keep rank `slot + 1` when the draw's fraction is
/// below `threshold / 2^32`, else take rank `alias + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    threshold: u32,
    alias: u32,
}

/// A Zipf rank sampler over ranks `1..=n`.
#[derive(Clone, Debug)]
pub enum ZipfSampler {
    /// Alias table: one slot per rank.
    Table(std::sync::Arc<[Slot]>),
    /// Rejection-inversion, for catalogs above [`ZIPF_TABLE_MAX_OBJECTS`].
    Rejection(rand_distr::Zipf<f64>),
}

impl ZipfSampler {
    /// The sampler for `n` ranks with exponent `alpha`; `weights`, when
    /// given, are `r^-alpha` for `r = 1..=n` (the caller has them already;
    /// they are computed here otherwise). `n >= 1`, `alpha >= 0`.
    pub fn new(n: u64, alpha: f64, weights: Option<&[f64]>) -> ZipfSampler {
        if n > ZIPF_TABLE_MAX_OBJECTS {
            return ZipfSampler::Rejection(
                rand_distr::Zipf::new(n as f64, alpha).expect("n >= 1, alpha >= 0"),
            );
        }
        let own;
        let w = match weights {
            Some(w) if w.len() as u64 == n => w,
            _ => {
                own = self::weights(n, alpha);
                &own[..]
            }
        };
        ZipfSampler::Table(alias_table(w).into())
    }

    /// Draws a rank in `1..=n`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            ZipfSampler::Table(t) => {
                let x = rng.next_u64();
                let m = u128::from(x) * t.len() as u128;
                // High 64 bits: the slot, uniform; the next 32 bits: an
                // independent uniform fraction for the threshold.
                let i = (m >> 64) as usize;
                let frac = ((m as u64) >> 32) as u32;
                let s = t[i];
                let k = if frac < s.threshold {
                    i as u64
                } else {
                    u64::from(s.alias)
                };
                k + 1
            }
            ZipfSampler::Rejection(z) => z.sample(rng) as u64,
        }
    }

    /// Bytes of table this sampler holds.
    pub fn table_bytes(&self) -> usize {
        match self {
            ZipfSampler::Table(t) => std::mem::size_of_val(&t[..]),
            ZipfSampler::Rejection(_) => 0,
        }
    }

    /// The probability this sampler gives slot `i` (0-based rank) in
    /// exact arithmetic on its table, or `None` without a table (tests).
    pub fn table_pmf(&self) -> Option<Vec<f64>> {
        let ZipfSampler::Table(t) = self else {
            return None;
        };
        let n = t.len() as f64;
        let mut p = vec![0.0; t.len()];
        for (i, s) in t.iter().enumerate() {
            let keep = f64::from(s.threshold) / 4_294_967_296.0;
            p[i] += keep / n;
            p[s.alias as usize] += (1.0 - keep) / n;
        }
        Some(p)
    }
}

/// The rank weights `r^-alpha` for `r = 1..=n`, without a `powf` per rank:
/// `powf` at the primes only (about `n / ln n` of them) and, for a
/// composite `r = p m` (`p` its smallest prime factor), the product
/// `w(p) w(m)` (a linear sieve assigns each composite once). About 70
/// instructions per rank instead of ~137 (the IMC-sized scenario's two
/// catalogs, 700 k ranks: 48.6 M instructions instead of 96 M). A product
/// of `powf` results carries at most a few ulp of rounding more than
/// `powf` itself (`weights_match_powf`: within 2e-15 relative up to
/// 4 M ranks), below what the alias table's 32-bit thresholds resolve.
pub fn weights(n: u64, alpha: f64) -> Vec<f64> {
    let n = n as usize;
    let mut w = vec![0.0f64; n + 1];
    if n == 0 {
        return w.split_off(1);
    }
    w[1] = 1.0;
    // spf[k]: smallest prime factor of k, 0 while unknown (k prime).
    let mut spf = vec![0u32; n + 1];
    let mut primes: Vec<u32> = Vec::new();
    for k in 2..=n {
        if spf[k] == 0 {
            spf[k] = k as u32;
            primes.push(k as u32);
            w[k] = (k as f64).powf(-alpha);
        }
        let (wk, sk) = (w[k], spf[k]);
        for &p in &primes {
            let m = k * p as usize;
            if p > sk || m > n {
                break;
            }
            spf[m] = p;
            w[m] = w[p as usize] * wk;
        }
    }
    w.split_off(1)
}

/// Vose's alias method over weights `w` (not necessarily normalised).
fn alias_table(w: &[f64]) -> Vec<Slot> {
    let n = w.len();
    let total: f64 = w.iter().sum();
    // Scaled so that the mean slot holds 1.
    let mut q: Vec<f64> = w.iter().map(|&x| x * n as f64 / total).collect();
    let mut slots: Vec<Slot> = (0..n)
        .map(|i| Slot {
            threshold: u32::MAX,
            alias: i as u32,
        })
        .collect();
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&i| q[i as usize] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        let (si, li) = (s as usize, l as usize);
        // Slot `s` keeps q[s] of its mass and lends the rest to `l`.
        slots[si] = Slot {
            threshold: to_threshold(q[si]),
            alias: l,
        };
        q[li] -= 1.0 - q[si];
        if q[li] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left holds (up to rounding) exactly 1: keeps itself, as
    // initialised (threshold u32::MAX, alias = itself).
    slots
}

/// A probability in [0, 1] as a 32-bit threshold (`frac < threshold`).
fn to_threshold(p: f64) -> u32 {
    super::round(p * 4_294_967_296.0).clamp(0.0, u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    /// The sieve's weights against `powf` rank by rank, for exponents of
    /// the scenarios and the edges of the range.
    #[test]
    fn weights_match_powf() {
        for alpha in [0.0, 0.5, 0.7, 0.85, 0.9, 1.0, 1.2, 2.5] {
            let n = 1 << 22;
            let w = weights(n, alpha);
            assert_eq!(w.len(), n as usize);
            let mut worst = 0.0f64;
            for (i, &x) in w.iter().enumerate() {
                let want = ((i + 1) as f64).powf(-alpha);
                worst = worst.max(((x - want) / want).abs());
            }
            assert!(worst < 2e-15, "alpha {alpha}: {worst:e}");
        }
        assert!(weights(0, 0.9).is_empty());
        assert_eq!(weights(1, 0.9), vec![1.0]);
        assert_eq!(weights(4, 1.0), vec![1.0, 0.5, 1.0 / 3.0, 0.25]);
    }

    #[test]
    fn table_pmf_is_the_weights() {
        let w: Vec<f64> = (1..=5000).map(|r| (r as f64).powf(-0.9)).collect();
        let total: f64 = w.iter().sum();
        let z = ZipfSampler::new(5000, 0.9, Some(&w));
        let p = z.table_pmf().unwrap();
        for (i, (&pi, &wi)) in p.iter().zip(&w).enumerate() {
            let e = wi / total;
            // 2^-32 / n per slot lent, a handful of slots lend to one rank.
            assert!(
                (pi - e).abs() < 1e-12 + 1e-6 * e,
                "rank {}: {pi} vs {e}",
                i + 1
            );
        }
        assert_eq!(z.table_bytes(), 5000 * 8);
    }

    /// Upper 1e-6 critical value of chi-square with `k` degrees of
    /// freedom (Wilson-Hilferty; z = 4.753).
    fn chi_square_critical(k: f64) -> f64 {
        let c = 2.0 / (9.0 * k);
        k * (1.0 - c + 4.753 * c.sqrt()).powi(3)
    }

    /// Pearson's statistic of `counts` (rank r at index r - 1) against
    /// `Zipf(alpha)` over `counts.len()` ranks, and the largest
    /// standardised deviation of one rank.
    fn against_zipf(counts: &[u64], alpha: f64) -> (f64, f64) {
        let w: Vec<f64> = (1..=counts.len())
            .map(|r| (r as f64).powf(-alpha))
            .collect();
        let total: f64 = w.iter().sum();
        let draws: u64 = counts.iter().sum();
        let (mut chi2, mut worst) = (0.0f64, 0.0f64);
        for (&o, &wi) in counts.iter().zip(&w) {
            let e = draws as f64 * wi / total;
            let d = o as f64 - e;
            chi2 += d * d / e;
            worst = worst.max(d.abs() / e.sqrt());
        }
        (chi2, worst)
    }

    #[test]
    fn zipf_table_matches_the_pmf() {
        // 1,000 ranks, 2 M draws: the rarest rank expects ~380 draws.
        let (n, alpha, draws) = (1000u64, 0.9, 2_000_000u64);
        let z = ZipfSampler::new(n, alpha, None);
        assert!(matches!(z, ZipfSampler::Table(_)));
        let mut rng = Streams::new(5).stream("test/zipf-table");
        let mut counts = vec![0u64; n as usize];
        for _ in 0..draws {
            counts[(z.sample(&mut rng) - 1) as usize] += 1;
        }
        let crit = chi_square_critical((n - 1) as f64);
        let (chi2, worst) = against_zipf(&counts, alpha);
        assert!(chi2 < crit, "chi-square {chi2:.1} >= {crit:.1} (seed 5)");
        // No single rank off by more than 5.5 standard deviations.
        assert!(worst < 5.5, "worst rank {worst:.2} sd off (seed 5)");
        // The test has power: the same draws reject a slightly different
        // exponent.
        let (wrong, _) = against_zipf(&counts, 0.88);
        assert!(wrong > 2.0 * crit, "alpha 0.88 not rejected: {wrong:.1}");
        // And rejection-inversion, the sampler above the table bound,
        // passes the same test (the two agree in distribution).
        let r = rand_distr::Zipf::new(n as f64, alpha).unwrap();
        let mut counts = vec![0u64; n as usize];
        for _ in 0..draws {
            counts[(r.sample(&mut rng) as u64 - 1) as usize] += 1;
        }
        let (chi2, _) = against_zipf(&counts, alpha);
        assert!(chi2 < crit, "rejection-inversion: {chi2:.1}");
    }

    #[test]
    fn degenerate_catalogs() {
        let mut rng = Streams::new(1).stream("t");
        let one = ZipfSampler::new(1, 0.9, None);
        assert!((0..100).all(|_| one.sample(&mut rng) == 1));
        // alpha = 0: uniform.
        let u = ZipfSampler::new(4, 0.0, None);
        let mut c = [0u32; 4];
        for _ in 0..40_000 {
            c[(u.sample(&mut rng) - 1) as usize] += 1;
        }
        assert!(c.iter().all(|&x| (9_500..10_500).contains(&x)), "{c:?}");
    }

    #[test]
    fn large_catalogs_fall_back_to_rejection_inversion() {
        let z = ZipfSampler::new(ZIPF_TABLE_MAX_OBJECTS + 1, 0.8, None);
        assert!(matches!(z, ZipfSampler::Rejection(_)));
        assert_eq!(z.table_bytes(), 0);
        let mut rng = Streams::new(1).stream("t");
        let r = z.sample(&mut rng);
        assert!((1..=ZIPF_TABLE_MAX_OBJECTS + 1).contains(&r));
    }
}
