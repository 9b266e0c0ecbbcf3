//! The scenario as written: plain serde structs, unknown fields rejected.
//! Defaults are filled in here so the effective configuration can be
//! written back out (`config.toml` in every run folder).

use crate::units::{Bytes, Duration, Rate, Share};
use serde::{Deserialize, Serialize};

fn default_interval() -> Duration {
    Duration(super::DEFAULT_INTERVAL)
}
fn default_edge_processing() -> Duration {
    Duration(super::DEFAULT_EDGE_PROCESSING)
}
fn default_origin_processing() -> Duration {
    Duration(super::DEFAULT_ORIGIN_PROCESSING)
}
fn default_weight() -> f64 {
    1.0
}
fn default_share() -> Share {
    Share(1.0)
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the run; also the default output folder `results/<name>/`.
    pub name: String,
    /// Master seed of every random stream.
    pub seed: u64,
    /// Simulated time during which requests arrive.
    pub duration: Duration,
    /// Initial period whose requests warm caches but are excluded from every
    /// metric.
    #[serde(default)]
    pub warmup: Duration,
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub latency: Latency,
    /// The AS-level world; required for `anycast` steering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<World>,
    pub cdn: Cdn,
    pub origin: Origin,
    pub clients: Clients,
    pub workload: Workload,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Time-series bucket width.
    #[serde(default = "default_interval")]
    pub interval: Duration,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            interval: default_interval(),
        }
    }
}

/// Latency-model overrides; absent keys use the fitted defaults.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// Route stretch over the great circle (>= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<f64>,
    /// Per-hop cost, one way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hop: Option<Duration>,
    /// Median one-way last-mile access delay (lognormal, per request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_median: Option<Duration>,
    /// Log-space standard deviation of the access delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_sigma: Option<f64>,
    /// Mean per-request RTT jitter (Gamma); `0` turns jitter off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_mean: Option<Duration>,
    /// Standard deviation of the per-request RTT jitter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_sd: Option<Duration>,
}

/// The AS topology and its geography. Relative paths are resolved against
/// the scenario file's folder.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// AS relationships (CAIDA serial-1 or serial-2, plain or bz2).
    pub topology: String,
    /// AS footprints and interconnection cities; ASes it leaves out (or all,
    /// when absent) are placed by the documented heuristic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geography: Option<String>,
}

/// How clients are mapped to PoPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Steering {
    /// Oracle baseline: every client uses the geographically nearest PoP.
    Nearest,
    /// One anycast prefix announced from every PoP; BGP decides.
    Anycast,
}

fn default_cdn_asn() -> u32 {
    super::DEFAULT_CDN_ASN
}
fn default_transit_per_pop() -> u32 {
    super::DEFAULT_TRANSIT_PER_POP
}

/// Default peering of the CDN at each PoP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Peering {
    /// Open peering at the local exchange: every AS present in the PoP's
    /// city that is not a Tier-1 (clique) AS and not a transit provider of
    /// the CDN.
    #[default]
    Ixp,
    /// No peers unless a PoP lists them.
    None,
}

/// Which of a PoP's neighbours receive its announcement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Announce {
    #[default]
    All,
    /// Only the PoP's transit providers.
    Transit,
    /// Only the PoP's peers.
    Peers,
    /// Not announced (the PoP serves only its unicast prefix).
    None,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cdn {
    pub steering: Steering,
    /// The CDN's own AS number (added to the topology with its PoPs).
    #[serde(default = "default_cdn_asn")]
    pub asn: u32,
    /// Transit providers chosen at each PoP when it lists none: the ASes
    /// present in the PoP's city with the largest customer cones.
    #[serde(default = "default_transit_per_pop")]
    pub transit_per_pop: u32,
    #[serde(default)]
    pub peering: Peering,
    pub pops: Vec<Pop>,
    pub edge: EdgeCache,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pop {
    pub name: String,
    /// City name, `Name,CC` or IATA code.
    pub city: String,
    /// Transit providers at this PoP (ASNs); default: chosen by
    /// `cdn.transit_per_pop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit: Option<Vec<u32>>,
    /// Peers at this PoP (ASNs); default: by `cdn.peering`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<Vec<u32>>,
    /// AS-path prepends on this PoP's anycast announcement.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub prepend: u32,
    /// Which neighbours hear this PoP's anycast announcement.
    #[serde(default, skip_serializing_if = "is_default")]
    pub announce: Announce,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}
fn is_default<T: Default + PartialEq>(x: &T) -> bool {
    *x == T::default()
}

/// Eviction policy names (see docs/caches.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    Lru,
    Fifo,
    Clock,
    /// LFU with dynamic aging.
    Lfu,
    #[serde(rename = "s3fifo", alias = "s3-fifo")]
    S3Fifo,
    Sieve,
    Arc,
}

impl Policy {
    pub fn kind(self) -> crate::cache::PolicyKind {
        use crate::cache::PolicyKind as K;
        match self {
            Policy::Lru => K::Lru,
            Policy::Fifo => K::Fifo,
            Policy::Clock => K::Clock,
            Policy::Lfu => K::Lfu,
            Policy::S3Fifo => K::S3Fifo,
            Policy::Sieve => K::Sieve,
            Policy::Arc => K::Arc,
        }
    }
}

/// Admission filter in front of the eviction policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Admission {
    /// Every miss is admitted.
    #[default]
    None,
    /// TinyLFU: admit a newcomer only if its estimated frequency beats the
    /// next victim's.
    #[serde(rename = "tinylfu")]
    TinyLfu,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeCache {
    /// Byte capacity of each PoP's edge cache.
    pub capacity: Bytes,
    pub policy: Policy,
    #[serde(default, skip_serializing_if = "is_default")]
    pub admission: Admission,
    /// Server processing time per request.
    #[serde(default = "default_edge_processing")]
    pub processing: Duration,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub city: String,
    /// Origin processing time until its first byte.
    #[serde(default = "default_origin_processing")]
    pub processing: Duration,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    /// Total request rate of all client groups together.
    pub rate: Rate,
    pub groups: Vec<ClientGroup>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientGroup {
    pub city: String,
    /// Access AS of the group; default: a stub AS present in the city,
    /// chosen by seed (see docs/scenario.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Relative share of the total rate.
    #[serde(default = "default_weight")]
    pub weight: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub catalogs: Vec<Catalog>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub name: String,
    /// Number of distinct objects.
    pub objects: u64,
    /// Zipf popularity exponent (0 = uniform).
    pub zipf_alpha: f64,
    /// Share of requests that go to this catalog; shares must sum to 100%.
    #[serde(default = "default_share")]
    pub share: Share,
    pub size: SizeDist,
}

/// Object size distribution; each object's size is drawn once.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SizeDist {
    Fixed {
        size: Bytes,
    },
    /// Lognormal with the given median and shape, clamped to [min, max].
    Lognormal {
        median: Bytes,
        sigma: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Bytes>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Bytes>,
    },
}
