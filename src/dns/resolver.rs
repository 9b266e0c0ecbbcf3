//! A resolver's answer cache (RFC 1035 section 3.2.1, RFC 2181 section 8):
//! an answer received at `t` with TTL `T` is served from the cache while
//! `now < t + T` and must be fetched again from `t + T` on. With ECS
//! (RFC 7871 section 7.3) the cache holds one answer per client scope.

use super::Target;
use crate::time::{SimDuration, SimTime};
use rustc_hash::FxHashMap;

/// One resolver's cache of the CDN hostname's answers, per scope.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    entries: FxHashMap<u32, (Target, SimTime)>,
}

impl Cache {
    /// The cached answer for `scope`, if still within its TTL at `now`.
    pub fn lookup(&self, now: SimTime, scope: u32) -> Option<Target> {
        self.entries
            .get(&scope)
            .filter(|&&(_, expires)| now < expires)
            .map(|&(t, _)| t)
    }

    /// Stores an answer received at `now` with TTL `ttl`.
    pub fn store(&mut self, now: SimTime, scope: u32, target: Target, ttl: SimDuration) {
        self.entries.insert(scope, (target, now + ttl));
    }

    /// When the answer for `scope` expires (None: never stored).
    pub fn expires(&self, scope: u32) -> Option<SimTime> {
        self.entries.get(&scope).map(|&(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    #[test]
    fn cached_answers_expire_at_the_ttl() {
        let mut c = Cache::default();
        assert_eq!(c.lookup(t(0), 7), None);
        // Answer received at 10 s with TTL 20 s: valid in [10 s, 30 s).
        c.store(t(10_000), 7, Target::Pop(3), SimDuration::from_secs(20));
        assert_eq!(c.expires(7), Some(t(30_000)));
        assert_eq!(c.lookup(t(10_000), 7), Some(Target::Pop(3)));
        assert_eq!(c.lookup(t(29_999), 7), Some(Target::Pop(3)));
        assert_eq!(
            c.lookup(SimTime::ZERO + SimDuration::from_nanos(29_999_999_999), 7),
            Some(Target::Pop(3))
        );
        assert_eq!(c.lookup(t(30_000), 7), None);
        // A refetch at 30 s is valid until 50 s.
        c.store(t(30_000), 7, Target::Anycast, SimDuration::from_secs(20));
        assert_eq!(c.lookup(t(49_999), 7), Some(Target::Anycast));
        assert_eq!(c.lookup(t(50_000), 7), None);
    }

    #[test]
    fn scopes_are_cached_separately() {
        let mut c = Cache::default();
        c.store(t(0), 1, Target::Pop(0), SimDuration::from_secs(5));
        c.store(t(2_000), 2, Target::Pop(1), SimDuration::from_secs(5));
        assert_eq!(c.lookup(t(5_500), 1), None);
        assert_eq!(c.lookup(t(5_500), 2), Some(Target::Pop(1)));
        assert_eq!(c.lookup(t(5_500), 3), None);
    }
}
