//! Workloads: object catalogs with Zipf popularity and size distributions,
//! and the Poisson arrival process.
//!
//! Object ids are global: catalog `k` owns ids `base_k .. base_k + objects`,
//! and within a catalog the id order is the popularity rank (rank 1 = most
//! popular = lowest id). An object's size is a pure function of (seed,
//! catalog, rank), so it does not depend on the order objects are first
//! requested in and costs no memory per object.

use crate::rng::Streams;
use crate::scenario::raw::SizeDist;
use crate::scenario::validate::CatalogConfig;
use rand::RngExt;
use rand_distr::{Distribution, Zipf};

/// One catalog, ready to draw from.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub name: String,
    /// First global object id of this catalog.
    pub base_id: u64,
    pub objects: u64,
    zipf: Zipf<f64>,
    size: SizeDist,
    streams: Streams,
    size_label: String,
}

impl Catalog {
    pub fn new(cfg: &CatalogConfig, base_id: u64, streams: Streams) -> Catalog {
        Catalog {
            name: cfg.name.clone(),
            base_id,
            objects: cfg.objects,
            zipf: Zipf::new(cfg.objects as f64, cfg.zipf_alpha)
                .expect("validated: objects >= 1, alpha >= 0"),
            size: cfg.size.clone(),
            streams,
            size_label: format!("workload/{}/size", cfg.name),
        }
    }

    /// Draws an object by popularity; returns its global id.
    #[inline]
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let rank = self.zipf.sample(rng) as u64; // 1..=objects
        self.base_id + rank.clamp(1, self.objects) - 1
    }

    /// The size of object `id` [bytes], fixed for the whole run.
    #[inline]
    pub fn size_of(&self, id: u64) -> u64 {
        match &self.size {
            SizeDist::Fixed { size } => size.0,
            SizeDist::Lognormal {
                median,
                sigma,
                min,
                max,
            } => {
                let h = self.streams.hash(&self.size_label, id - self.base_id);
                let z = standard_normal_from_bits(h);
                let x = (median.0 as f64) * (sigma * z).exp();
                let lo = min.map_or(1.0, |b| b.0.max(1) as f64);
                let hi = max.map_or(f64::MAX, |b| b.0 as f64);
                x.clamp(lo, hi).round() as u64
            }
        }
    }
}

/// A standard normal deviate from 64 random bits (Box-Muller on two 32-bit
/// uniforms in (0, 1)).
fn standard_normal_from_bits(bits: u64) -> f64 {
    let u1 = ((bits >> 32) as f64 + 0.5) / 4_294_967_296.0;
    let u2 = ((bits & 0xffff_ffff) as f64 + 0.5) / 4_294_967_296.0;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
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
        let mut base = 0;
        let mut acc = 0.0;
        let mut catalogs = Vec::new();
        let mut cumulative = Vec::new();
        for c in cfgs {
            catalogs.push(Catalog::new(c, base, streams));
            base += c.objects;
            acc += c.share;
            cumulative.push(acc);
        }
        Workload {
            catalogs,
            cumulative,
        }
    }

    /// Draws (catalog index, object id, size).
    #[inline]
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> (usize, u64, u64) {
        let k = if self.catalogs.len() == 1 {
            0
        } else {
            let u: f64 = rng.random::<f64>() * self.cumulative[self.cumulative.len() - 1];
            self.cumulative
                .partition_point(|&c| c <= u)
                .min(self.catalogs.len() - 1)
        };
        let c = &self.catalogs[k];
        let id = c.draw(rng);
        (k, id, c.size_of(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Bytes;

    fn cfg(alpha: f64, size: SizeDist) -> CatalogConfig {
        CatalogConfig {
            name: "t".into(),
            objects: 1000,
            zipf_alpha: alpha,
            share: 1.0,
            size,
        }
    }

    #[test]
    fn zipf_rank_one_is_most_popular_with_expected_share() {
        let w = Workload::new(
            &[cfg(1.0, SizeDist::Fixed { size: Bytes(10) })],
            Streams::new(1),
        );
        let mut rng = Streams::new(1).stream("t");
        let n = 200_000;
        let top = (0..n).filter(|_| w.draw(&mut rng).1 == 0).count() as f64 / n as f64;
        // P(rank 1) = 1 / H(1000) = 0.1336 for alpha = 1.
        assert!((top - 0.1336).abs() < 0.005, "{top}");
    }

    #[test]
    fn lognormal_sizes_are_stable_and_have_the_median() {
        let d = SizeDist::Lognormal {
            median: Bytes(20_000),
            sigma: 1.0,
            min: None,
            max: Some(Bytes(10_000_000)),
        };
        let c = Catalog::new(&cfg(0.8, d.clone()), 0, Streams::new(3));
        let again = Catalog::new(&cfg(0.8, d), 0, Streams::new(3));
        let mut sizes: Vec<u64> = (0..1000).map(|i| c.size_of(i)).collect();
        assert!((0..1000).all(|i| c.size_of(i) == again.size_of(i)));
        sizes.sort_unstable();
        let median = sizes[500] as f64;
        assert!((median / 20_000.0 - 1.0).abs() < 0.15, "{median}");
        assert!(sizes[999] <= 10_000_000);
    }
}
