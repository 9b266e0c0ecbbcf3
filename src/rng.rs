//! Deterministic random streams.
//!
//! Every random draw in cdnsim comes from a stream derived from the
//! scenario's master seed and a *stable component label* such as
//! `"workload/web/arrivals"` or `"bgp/mrai/AS3356"`. Streams are ChaCha8
//! generators keyed by a 256-bit key built from the seed and the label with
//! SplitMix64 over the label's FNV-1a hash, so:
//!
//! - adding a component never shifts another component's draws;
//! - the same (seed, label) gives the same stream on every machine and
//!   whatever the thread count;
//! - there is no unseeded generator anywhere in the crate (rand is built
//!   without `thread_rng` / `sys_rng`).

use rand::SeedableRng;
pub use rand::rngs::ChaCha8Rng as StreamRng;

/// The master seed of a run and the factory of its component streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
}

/// 64-bit FNV-1a: stable across platforms and Rust versions (unlike `Hash`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 step: a good 64-bit mixer (Steele et al., 2014).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Streams {
    pub fn new(seed: u64) -> Self {
        Streams { seed }
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The stream for one component. Same label, same stream.
    pub fn stream(&self, label: &str) -> StreamRng {
        let mut state = self.seed ^ fnv1a64(label.as_bytes()).rotate_left(17);
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        StreamRng::from_seed(key)
    }
    /// A stable 64-bit value for (seed, label, index), for per-object
    /// attributes that must not depend on the order they are first needed in.
    pub fn hash(&self, label: &str, index: u64) -> u64 {
        let mut state = self.seed ^ fnv1a64(label.as_bytes()) ^ index.rotate_left(32);
        splitmix64(&mut state);
        splitmix64(&mut state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_label_same_stream() {
        let s = Streams::new(7);
        let a: Vec<u64> = (0..8)
            .map({
                let mut r = s.stream("x");
                move |_| r.random()
            })
            .collect();
        let b: Vec<u64> = (0..8)
            .map({
                let mut r = s.stream("x");
                move |_| r.random()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn labels_and_seeds_give_independent_streams() {
        let s = Streams::new(7);
        let mut x = s.stream("workload/arrivals");
        let mut y = s.stream("workload/objects");
        let mut z = Streams::new(8).stream("workload/arrivals");
        let (a, b, c): (u64, u64, u64) = (x.random(), y.random(), z.random());
        assert_ne!(a, b);
        assert_ne!(a, c);
        // Crude independence check: the high bits of two streams agree
        // about half the time, not always.
        let agree = (0..4096)
            .filter(|_| (x.random::<u64>() >> 63) == (y.random::<u64>() >> 63))
            .count();
        assert!((1800..2300).contains(&agree), "agree = {agree}");
    }

    #[test]
    fn stream_values_are_pinned() {
        // Guards against an accidental change of the derivation, which would
        // silently change every published result. Update only on purpose.
        let mut r = Streams::new(42).stream("pinned");
        let v: u64 = r.random();
        assert_eq!(v, PINNED, "stream derivation changed: got {v:#x}");
        assert_eq!(fnv1a64(b"cdnsim"), FNV_CDNSIM);
    }
    const PINNED: u64 = 0x89985c6af4ec46d5;
    // Computed independently (Python reference implementation of FNV-1a 64).
    const FNV_CDNSIM: u64 = 6961625454160803131;
}
