//! Edge compute: a per-request function run at the PoP for dynamic
//! requests, with a share of cold starts (a new isolate / container).

use crate::time::SimDuration;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, LogNormal};

/// An edge function's run time: lognormal around `median`, plus
/// `cold_start` for a `cold_share` of invocations.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeCompute {
    /// Share of dynamic (uncacheable) requests handled by the function.
    pub share: f64,
    pub median: SimDuration,
    /// Log-space standard deviation of the run time (0 = fixed).
    pub sigma: f64,
    /// Share of invocations that start cold.
    pub cold_share: f64,
    /// Extra time of a cold start.
    pub cold_start: SimDuration,
}

/// One invocation's time and whether it started cold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub time: SimDuration,
    pub cold: bool,
}

impl EdgeCompute {
    /// Draws whether a dynamic request runs the function, and if so its
    /// time. Draws are made in a fixed order whatever the outcome.
    pub fn invoke<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<Invocation> {
        let runs = rng.random::<f64>() < self.share;
        let cold = rng.random::<f64>() < self.cold_share;
        let z = if self.sigma > 0.0 {
            LogNormal::new(0.0, self.sigma).map_or(1.0, |d| d.sample(rng))
        } else {
            1.0
        };
        runs.then(|| Invocation {
            time: SimDuration::from_secs_f64(self.median.as_secs_f64() * z)
                + if cold {
                    self.cold_start
                } else {
                    SimDuration::ZERO
                },
            cold,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    #[test]
    fn cold_share_and_median_are_what_was_asked() {
        let f = EdgeCompute {
            share: 1.0,
            median: SimDuration::from_millis(5),
            sigma: 0.5,
            cold_share: 0.1,
            cold_start: SimDuration::from_millis(100),
        };
        let mut rng = Streams::new(1).stream("t");
        let mut warm = Vec::new();
        let mut cold = 0;
        let n = 20_000;
        for _ in 0..n {
            let i = f.invoke(&mut rng).unwrap();
            if i.cold {
                cold += 1;
                assert!(i.time >= SimDuration::from_millis(100));
            } else {
                warm.push(i.time);
            }
        }
        let share = cold as f64 / n as f64;
        assert!((share - 0.1).abs() < 0.01, "{share}");
        warm.sort();
        let med = warm[warm.len() / 2].as_millis_f64();
        assert!((med - 5.0).abs() < 0.2, "{med}");
    }

    #[test]
    fn share_zero_never_runs() {
        let f = EdgeCompute {
            share: 0.0,
            median: SimDuration::from_millis(5),
            sigma: 0.0,
            cold_share: 0.0,
            cold_start: SimDuration::ZERO,
        };
        let mut rng = Streams::new(1).stream("t");
        assert!((0..100).all(|_| f.invoke(&mut rng).is_none()));
    }
}
