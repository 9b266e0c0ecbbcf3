//! The scenario as written: plain serde structs, unknown fields rejected.
//! Defaults are filled in here so the effective configuration can be
//! written back out (`config.toml` in every run folder).

use crate::units::{Bytes, Distance, Duration, Rate, Share};
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
    /// Connection setup, reuse, slow start and loss (docs/transport.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<super::transport::Transport>,
    /// Attack populations (DDoS).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attacks: Vec<super::transport::Attack>,
    /// Resolvers and the authoritative DNS (docs/dns.md); needed by the
    /// DNS steering modes, optional for `anycast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    /// Routing events at given times (docs/bgp.md, "Events in a run").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<super::events::Event>,
    /// BGP protocol and data-plane settings of the routing events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<super::events::Bgp>,
    /// A measurement study run instead of the request model (`[study]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study: Option<super::study::Study>,
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
    /// DNS: the PoP nearest the resolver (or the ECS client subnet).
    Geo,
    /// DNS: per resolver / ECS subnet, the PoP with the lowest measured
    /// latency over a past window.
    LatencyMap,
    /// DNS: nearest PoP with headroom under its capacity, spilling over.
    LoadAware,
    /// DNS: anycast unless a unicast PoP had a better 25th-percentile
    /// latency over the previous period (IMC 2015 section 6).
    Hybrid,
    /// Control plane per request: the closest PoP holding the object.
    Explicit,
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

/// Which of a PoP's neighbours receive its announcement: `"all"`,
/// `"transit"`, `"peers"`, `"none"` or a list of neighbour ASNs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Announce {
    #[default]
    All,
    /// Only the PoP's transit providers.
    Transit,
    /// Only the PoP's peers.
    Peers,
    /// Not announced (the PoP serves only its unicast prefix).
    None,
    /// Only these neighbours of the PoP (ASNs; each must be one of its
    /// transit providers or peers, checked when the world is built).
    Only(Vec<u32>),
}

impl Announce {
    const NAMES: [(&'static str, Announce); 4] = [
        ("all", Announce::All),
        ("transit", Announce::Transit),
        ("peers", Announce::Peers),
        ("none", Announce::None),
    ];

    /// Whether a neighbour hears the announcement, given its ASN and
    /// whether it is one of the PoP's transit providers (else a peer).
    pub fn selects(&self, asn: u32, transit: bool) -> bool {
        match self {
            Announce::All => true,
            Announce::Transit => transit,
            Announce::Peers => !transit,
            Announce::None => false,
            Announce::Only(list) => list.contains(&asn),
        }
    }
}

impl Serialize for Announce {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Announce::Only(list) => list.serialize(s),
            named => {
                let (name, _) = Self::NAMES
                    .iter()
                    .find(|(_, a)| a == named)
                    .expect("every other variant is named");
                s.serialize_str(name)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Announce {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Announce;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "\"all\", \"transit\", \"peers\", \"none\" or a non-empty list of the PoP's neighbour ASNs",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Announce, E> {
                Announce::NAMES
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map(|(_, a)| a.clone())
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Announce, A::Error> {
                let mut list = Vec::new();
                while let Some(asn) = seq.next_element::<u32>()? {
                    if list.contains(&asn) {
                        return Err(serde::de::Error::custom(format!(
                            "AS{asn} is listed twice; list each neighbour once"
                        )));
                    }
                    list.push(asn);
                }
                if list.is_empty() {
                    return Err(serde::de::Error::custom(
                        "an empty list announces to nobody: write \"none\"",
                    ));
                }
                Ok(Announce::Only(list))
            }
        }
        d.deserialize_any(V)
    }
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
    /// Capacities of every PoP (absent: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<super::transport::Capacity>,
    /// Edge function for dynamic requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<super::transport::Compute>,
    /// Steering modes run side by side (same clients, workload and seed);
    /// when set, `steering` is only the mode of single-run tools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<Steering>,
    /// Upper tiers, parent choice and request coalescing (docs/caches.md).
    #[serde(default)]
    pub tiers: super::tiers::Tiers,
    /// `enforced` (RFC 9111 expiry and revalidation) or `not-enforced`.
    #[serde(default)]
    pub freshness: super::tiers::Freshness,
    /// Purges and how they spread.
    #[serde(default)]
    pub purge: super::tiers::Purge,
    /// Fill windows: objects pushed into caches ahead of demand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub push: Vec<super::tiers::PushWindow>,
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
    /// A PoP hosted inside another AS (an embedded cache): its only session
    /// is with this AS, in the PoP's city, announcing the anycast prefix
    /// with NO_EXPORT. The host is a transit provider of the CDN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<u32>,
    /// This PoP's capacities, field by field over `cdn.capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<super::transport::Capacity>,
    /// Origin site this PoP's edge fetches from when its parent is the
    /// origin (default: the lowest-RTT origin site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
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
    /// Name of the origin site at `city`.
    #[serde(default = "super::tiers::default_origin_name")]
    pub name: String,
    pub city: String,
    /// Further origin sites; each cache uses its configured or nearest one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<super::tiers::OriginSite>,
    /// Windows in which origin sites answer with errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<super::tiers::RawOutage>,
    /// Origin processing time until its first byte.
    #[serde(default = "default_origin_processing")]
    pub processing: Duration,
    /// Request/egress limits of the origin site at `city`, and of every
    /// site in `sites` that gives none (field by field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<super::transport::Capacity>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    /// Total request rate of all client groups together.
    pub rate: Rate,
    /// Listed groups (may be combined with `population`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ClientGroup>,
    /// Generated groups placed in cities by population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
}

/// Client groups generated from the city table: `groups` groups (each a
/// /24 prefix) in cities drawn with probability proportional to population,
/// within the listed regions (each with its share of the demand), or the
/// whole table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    pub groups: u32,
    /// Share of the total rate on the generated groups when listed groups
    /// exist too (default: by count of groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<Share>,
    /// Regions and their demand shares (sum to 100%); empty: every city.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Region>,
    /// Cities smaller than this are left out.
    #[serde(default)]
    pub min_population: u64,
}

/// A continent code (`EU`, `NA`, ...) or a country code (`US`), with its
/// share of the generated groups' demand.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub share: Share,
}

fn default_dns_ttl() -> Duration {
    Duration(crate::dns::DEFAULT_TTL)
}
fn default_public_share() -> Share {
    Share(crate::dns::CHEN2015_PUBLIC_SHARE)
}
fn default_far_share() -> Share {
    Share(crate::dns::CHEN2015_ISP_FAR_SHARE)
}
fn default_median_distance() -> Distance {
    Distance(crate::dns::CHEN2015_MEDIAN_KM)
}
fn default_public_sites() -> Vec<String> {
    crate::dns::DEFAULT_PUBLIC_SITES
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_public_asn() -> u32 {
    crate::dns::DEFAULT_PUBLIC_ASN
}
fn default_ecs_public() -> u8 {
    crate::dns::DEFAULT_PUBLIC_ECS_PREFIX
}
fn default_authoritative() -> Vec<String> {
    crate::dns::DEFAULT_AUTHORITATIVE
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_health_check_delay() -> Duration {
    Duration(crate::dns::DEFAULT_HEALTH_CHECK_DELAY)
}
fn default_window() -> Duration {
    Duration(crate::dns::DEFAULT_WINDOW)
}
fn default_beacon_share() -> Share {
    Share(crate::dns::DEFAULT_BEACON_SHARE)
}
fn default_min_samples() -> u32 {
    crate::dns::DEFAULT_HYBRID_MIN_SAMPLES
}
fn default_load_threshold() -> Share {
    Share(crate::dns::DEFAULT_LOAD_THRESHOLD)
}
fn default_explicit_candidates() -> u32 {
    crate::dns::DEFAULT_EXPLICIT_CANDIDATES
}

/// Resolvers and the authoritative DNS (docs/dns.md). Defaults from Chen
/// et al., SIGCOMM 2015, where named.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    /// TTL of the authoritative's answers, cached by resolvers.
    #[serde(default = "default_dns_ttl")]
    pub ttl: Duration,
    /// Share of demand on public resolvers.
    #[serde(default = "default_public_share")]
    pub public_share: Share,
    /// Share of ISP-resolver demand more than 500 km from its resolver.
    #[serde(default = "default_far_share")]
    pub isp_far_share: Share,
    /// Median client-resolver distance over all demand.
    #[serde(default = "default_median_distance")]
    pub median_distance: Distance,
    /// Cities of the public resolver's anycast sites.
    #[serde(default = "default_public_sites")]
    pub public_sites: Vec<String>,
    /// AS number of the public resolver service.
    #[serde(default = "default_public_asn")]
    pub public_asn: u32,
    /// ECS source prefix length sent by public resolvers (0: no ECS).
    #[serde(default = "default_ecs_public")]
    pub public_ecs: u8,
    /// ECS source prefix length sent by ISP resolvers (0: no ECS).
    #[serde(default)]
    pub isp_ecs: u8,
    /// Cities of the authoritative servers (resolvers use the nearest).
    #[serde(default = "default_authoritative")]
    pub authoritative: Vec<String>,
    /// latency-map: measurements older than this are forgotten; hybrid:
    /// the training period.
    #[serde(default = "default_window")]
    pub window: Duration,
    /// Share of requests followed by a measurement beacon (anycast, the
    /// PoP nearest the resolver, two random of its ten nearest).
    #[serde(default = "default_beacon_share")]
    pub beacon_share: Share,
    /// hybrid: measurements per target needed to leave anycast.
    #[serde(default = "default_min_samples")]
    pub hybrid_min_samples: u32,
    /// load-aware: capacity of every PoP without its own `capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pop_capacity: Option<Rate>,
    /// load-aware: a PoP takes more only below this share of capacity.
    #[serde(default = "default_load_threshold")]
    pub load_threshold: Share,
    /// explicit: how many of the nearest PoPs are asked for the object.
    #[serde(default = "default_explicit_candidates")]
    pub explicit_candidates: u32,
    /// What the authoritative does about failed PoPs.
    #[serde(default)]
    pub failover: Failover,
    /// health-check: time from a PoP's failure or recovery until the
    /// answers change.
    #[serde(default = "default_health_check_delay")]
    pub health_check_delay: Duration,
}

/// Whether DNS answers avoid failed PoPs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failover {
    /// Health checks: `health_check_delay` after a PoP fails the
    /// authoritative (and the `explicit` control plane) stops answering
    /// with it, and resumes that long after it recovers.
    #[default]
    HealthCheck,
    /// Answers ignore failures (a static mapping).
    None,
}

impl Default for Dns {
    fn default() -> Self {
        toml::from_str("").expect("every key has a default")
    }
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
    /// Daily shape of the arrival rate in each client group's local time
    /// (absent: a constant rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal: Option<Diurnal>,
    /// UTC time of day at t = 0 (e.g. "18h").
    #[serde(default)]
    pub start_utc: Duration,
    /// Replay a request trace instead of drawing from the catalogs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceSpec>,
}

/// Trace file formats in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum TraceFileFormat {
    #[serde(rename = "csv")]
    Csv,
    /// libCacheSim oracleGeneral binary.
    #[serde(rename = "oracleGeneral", alias = "oracle-general")]
    OracleGeneral,
}

/// `workload.trace`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSpec {
    /// Relative to the scenario's folder.
    pub file: String,
    /// Default: `csv` for `*.csv`, else `oracleGeneral`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TraceFileFormat>,
    /// Simulated time of one trace time unit (default 1s, the unit of
    /// oracleGeneral timestamps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<Duration>,
}

/// Diurnal arrival profile; its mean over a day is scaled to 1, so
/// `clients.rate` stays the daily mean rate.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "profile", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Diurnal {
    /// 24 relative weights, hour 0 (local midnight) first; constant within
    /// each hour.
    Hourly { weights: Vec<f64> },
    /// `1 + amplitude * cos(2 pi (hour - peak_hour) / 24)`.
    Sinusoid {
        /// Local hour of the peak, 0 to 24 (fractions allowed).
        peak_hour: f64,
        /// Relative swing, 0 to 1.
        #[serde(default = "default_amplitude")]
        amplitude: f64,
    },
}

fn default_amplitude() -> f64 {
    crate::workload::DEFAULT_DIURNAL_AMPLITUDE
}
fn default_multiplier_one() -> u64 {
    1
}

/// Response headers for a share of a catalog's objects.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderProfile {
    /// Share of the catalog's objects that get this profile.
    pub share: Share,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdn_cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surrogate_control: Option<String>,
    /// The response sets a cookie.
    #[serde(default)]
    pub set_cookie: bool,
    /// `Vary` field names, e.g. "Accept-Encoding".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vary: Option<String>,
    /// The response has an `ETag`.
    #[serde(default)]
    pub etag: bool,
    /// Age of `Last-Modified` at `Date` (enables heuristic freshness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<Duration>,
    /// `Expires` after `Date`; `0` means already expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Duration>,
}

/// New objects appear at a steady rate and take the top popularity rank.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// New objects per unit time, e.g. "1/s" or "600/h".
    pub rate: Rate,
}

/// A set of objects turns hot for a while.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlashCrowd {
    /// Start time (simulated, from t = 0).
    pub at: Duration,
    pub duration: Duration,
    /// Popularity rank (at `at`) of the first object of the set.
    #[serde(default = "default_multiplier_one")]
    pub first_rank: u64,
    /// Number of objects in the set (consecutive ranks).
    pub objects: u64,
    /// Factor applied to each set member's popularity.
    pub multiplier: f64,
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
    /// MIME type of the catalog's objects; sets the default compression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Bytes on the wire per stored byte (0 < x <= 1); default by
    /// `content_type`, else 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<f64>,
    /// Share of objects that are cacheable at all; the rest are `no-store`.
    #[serde(default = "default_share")]
    pub cacheable: Share,
    /// Response-header profiles by share of objects (shares sum to 100%).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderProfile>,
    /// Share of requests carrying a unique query parameter (cache busting).
    #[serde(default)]
    pub cache_busting: Share,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<Churn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flash_crowds: Vec<FlashCrowd>,
    /// Every object changes once per this interval, at a per-object phase
    /// (absent: objects never change). Decides 304 vs full responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_every: Option<Duration>,
    /// Directory fan-out of the objects' paths (`workload::names`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirs: Option<u64>,
    /// Surrogate-key space of the catalog, and keys each object carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surrogate_keys: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys_per_object: Option<u32>,
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
    /// Pareto with minimum `scale` and tail index `shape`, clamped to `max`.
    Pareto {
        scale: Bytes,
        shape: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Bytes>,
    },
    /// Pareto truncated to [min, max] (inverse-CDF sampling, no clamping).
    BoundedPareto {
        min: Bytes,
        max: Bytes,
        shape: f64,
    },
    /// Sizes from a CSV file of `size[,weight]` rows, relative to the
    /// scenario file.
    Empirical {
        file: String,
    },
}

#[cfg(test)]
mod tests {
    use super::Announce;

    #[derive(serde::Deserialize, serde::Serialize, PartialEq, Debug)]
    struct P {
        announce: Announce,
    }

    /// Names and lists read back as they are written (the run's echoed
    /// config.toml relies on it); a list keeps its order.
    #[test]
    fn announce_round_trips_names_and_lists() {
        for text in [
            "announce = \"all\"\n",
            "announce = \"transit\"\n",
            "announce = \"peers\"\n",
            "announce = \"none\"\n",
            "announce = [3356, 174]\n",
        ] {
            let p: P = toml::from_str(text).unwrap();
            assert_eq!(toml::to_string(&p).unwrap(), text);
        }
        let p: P = toml::from_str("announce = [3356, 174]").unwrap();
        assert_eq!(p.announce, Announce::Only(vec![3356, 174]));
        assert!(p.announce.selects(174, true) && !p.announce.selects(1, false));
        assert!(toml::from_str::<P>("announce = [1, 1]").is_err());
        assert!(toml::from_str::<P>("announce = 7").is_err());
    }
}
