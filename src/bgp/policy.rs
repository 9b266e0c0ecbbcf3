//! Announcements: who originates the prefix and how each origin announces it.
//!
//! An [`Announcement`] is one prefix announced by one or more origin ASes
//! (anycast when there are several). Each origin has an [`OriginPolicy`]:
//! AS-path prepending, the neighbours it announces to ([`AnnounceTo`]), the
//! no-export community, and per-neighbour overrides ([`NeighbourOverride`]),
//! including a local-pref the *neighbour* assigns to the route it learns
//! directly from the origin (as a "backup" community would ask a transit
//! provider to do).
//!
//! [`Announcement::compile`] checks the policy against an [`AsGraph`] and
//! turns it into per-origin session lists ([`Sessions`]) that the solvers walk.

use super::BgpError;
use crate::topology::{AsGraph, AsIdx, Asn, Rel};

/// Which neighbours an origin announces the prefix to.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AnnounceTo {
    /// Every neighbour (customers, peers, providers, siblings).
    #[default]
    All,
    /// Only its transit providers.
    Providers,
    /// Only its peers (settlement-free; siblings count as peers).
    Peers,
    /// Only these neighbours (each must be a neighbour of the origin).
    Only(Vec<Asn>),
}

/// A per-neighbour exception to an origin's policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighbourOverride {
    pub neighbour: Asn,
    /// Prepends toward this neighbour (replaces the origin's `prepend`).
    #[serde(default)]
    pub prepend: Option<u8>,
    /// Tags the route sent to this neighbour with no-export (or not).
    #[serde(default)]
    pub no_export: Option<bool>,
    /// The local-pref this neighbour gives the route it learns from the origin
    /// (defaults by relationship: [`LOCAL_PREF_CUSTOMER`], ...). Any override
    /// sends [`super::solve`] to the general fixed-point solver.
    #[serde(default)]
    pub local_pref: Option<u32>,
}

/// How one origin AS announces the prefix.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginPolicy {
    pub asn: Asn,
    /// Extra copies of the origin's ASN on every announcement it sends.
    #[serde(default)]
    pub prepend: u8,
    #[serde(default)]
    pub announce_to: AnnounceTo,
    /// RFC 1997 NO_EXPORT: the receiving neighbour uses the route but does
    /// not announce it to any other AS.
    #[serde(default)]
    pub no_export: bool,
    #[serde(default)]
    pub neighbours: Vec<NeighbourOverride>,
}

impl OriginPolicy {
    /// Announce to every neighbour, no prepending, no communities.
    pub fn plain(asn: Asn) -> Self {
        OriginPolicy {
            asn,
            prepend: 0,
            announce_to: AnnounceTo::All,
            no_export: false,
            neighbours: Vec::new(),
        }
    }
}

/// One prefix and the ASes announcing it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    pub origins: Vec<OriginPolicy>,
    /// Import policies of ASes on the way: the local-pref an AS assigns to
    /// routes it learns from one neighbour (traffic engineering by the
    /// receiving AS, not by the origin). Any entry sends [`super::solve`]
    /// to the general fixed-point solver.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_local_pref: Vec<ImportLocalPref>,
}

/// AS `asn` gives `local_pref` to every route of the prefix it learns from
/// `neighbour` (an origin session's own `local_pref` still wins on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportLocalPref {
    pub asn: Asn,
    pub neighbour: Asn,
    pub local_pref: u32,
}

impl Announcement {
    /// Plain announcements from each of `asns`.
    pub fn from_origins(asns: impl IntoIterator<Item = Asn>) -> Self {
        Announcement {
            origins: asns.into_iter().map(OriginPolicy::plain).collect(),
            import_local_pref: Vec::new(),
        }
    }

    /// Checks the policy against `graph` and builds the session lists.
    pub fn compile(&self, graph: &AsGraph) -> Result<Sessions, BgpError> {
        let mut origins: Vec<CompiledOrigin> = Vec::with_capacity(self.origins.len());
        for o in &self.origins {
            let idx = graph.idx(o.asn).ok_or(BgpError::UnknownOrigin(o.asn))?;
            if origins.iter().any(|c| c.idx == idx) {
                return Err(BgpError::DuplicateOrigin(o.asn));
            }
            let only: Option<Vec<AsIdx>> = match &o.announce_to {
                AnnounceTo::Only(list) => {
                    let mut v = Vec::with_capacity(list.len());
                    for &n in list {
                        let ni = graph
                            .idx(n)
                            .filter(|&ni| graph.rel(idx, ni).is_some())
                            .ok_or(BgpError::NotANeighbour {
                                origin: o.asn,
                                neighbour: n,
                            })?;
                        v.push(ni);
                    }
                    v.sort_unstable();
                    Some(v)
                }
                _ => None,
            };
            let mut overrides: Vec<(AsIdx, &NeighbourOverride)> = Vec::new();
            for ov in &o.neighbours {
                let ni = graph
                    .idx(ov.neighbour)
                    .filter(|&ni| graph.rel(idx, ni).is_some())
                    .ok_or(BgpError::NotANeighbour {
                        origin: o.asn,
                        neighbour: ov.neighbour,
                    })?;
                overrides.push((ni, ov));
            }
            // Sorted (stable: the first override of a neighbour wins) for
            // binary search in the session loop below, which visits every
            // neighbour of the origin (tens of thousands for a CDN).
            overrides.sort_by_key(|(i, _)| *i);
            let mut sessions = Vec::new();
            for (nb, rel) in graph.neighbours(idx) {
                let announced = match (&o.announce_to, &only) {
                    (AnnounceTo::All, _) => true,
                    (AnnounceTo::Providers, _) => rel == Rel::Provider,
                    (AnnounceTo::Peers, _) => matches!(rel, Rel::Peer | Rel::Sibling),
                    (AnnounceTo::Only(_), Some(v)) => v.binary_search(&nb).is_ok(),
                    (AnnounceTo::Only(_), None) => false,
                };
                if !announced {
                    continue;
                }
                let ov = overrides
                    .binary_search_by_key(&nb, |(i, _)| *i)
                    .ok()
                    .map(|k| {
                        // The first override given for this neighbour.
                        let first = overrides[..=k]
                            .iter()
                            .rposition(|(i, _)| *i != nb)
                            .map_or(0, |p| p + 1);
                        overrides[first].1
                    });
                sessions.push(Session {
                    neighbour: nb,
                    rel,
                    prepend: ov.and_then(|o| o.prepend).unwrap_or(o.prepend) as u32,
                    no_export: ov.and_then(|o| o.no_export).unwrap_or(o.no_export),
                    local_pref: ov.and_then(|o| o.local_pref),
                });
            }
            sessions.sort_by_key(|s| s.neighbour);
            origins.push(CompiledOrigin { idx, sessions });
        }
        origins.sort_by_key(|c| c.idx);
        let mut imports = Vec::with_capacity(self.import_local_pref.len());
        for p in &self.import_local_pref {
            let a = graph.idx(p.asn).ok_or(BgpError::UnknownAs(p.asn))?;
            let n = graph
                .idx(p.neighbour)
                .filter(|&n| graph.rel(a, n).is_some())
                .ok_or(BgpError::NotLinked {
                    asn: p.asn,
                    neighbour: p.neighbour,
                })?;
            imports.push((a, n, p.local_pref));
        }
        // Sorted, the first entry of a pair wins (stable sort, dedup).
        imports.sort_by_key(|x| (x.0, x.1));
        imports.dedup_by_key(|x| (x.0, x.1));
        Ok(Sessions { origins, imports })
    }
}

/// The default local-pref of a route by the relationship it was learned
/// from. Same order as BGPy's `Relationships` enum (x100).
pub const LOCAL_PREF_ORIGIN: u32 = 400;
pub const LOCAL_PREF_CUSTOMER: u32 = 300;
pub const LOCAL_PREF_PEER: u32 = 200;
pub const LOCAL_PREF_PROVIDER: u32 = 100;

/// One origin's announcement toward one neighbour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub neighbour: AsIdx,
    /// What the neighbour is to the origin.
    pub rel: Rel,
    /// Extra copies of the origin's ASN.
    pub prepend: u32,
    pub no_export: bool,
    /// Local-pref the neighbour assigns (None: by relationship).
    pub local_pref: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledOrigin {
    pub idx: AsIdx,
    /// Announced-to neighbours, sorted by index (= ASN).
    pub sessions: Vec<Session>,
}

/// The compiled announcement: origins sorted by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sessions {
    pub origins: Vec<CompiledOrigin>,
    /// Import local-prefs as (AS, neighbour, local-pref), sorted by pair.
    pub imports: Vec<(AsIdx, AsIdx, u32)>,
}

impl Sessions {
    pub fn origin(&self, idx: AsIdx) -> Option<&CompiledOrigin> {
        self.origins
            .binary_search_by_key(&idx, |c| c.idx)
            .ok()
            .map(|i| &self.origins[i])
    }
    /// The session from `origin` to `neighbour`, if the origin announces to it.
    pub fn session(&self, origin: AsIdx, neighbour: AsIdx) -> Option<&Session> {
        let o = self.origin(origin)?;
        o.sessions
            .binary_search_by_key(&neighbour, |s| s.neighbour)
            .ok()
            .map(|i| &o.sessions[i])
    }
    /// True when some neighbour overrides its local-pref.
    pub fn has_local_pref_overrides(&self) -> bool {
        !self.imports.is_empty()
            || self
                .origins
                .iter()
                .any(|o| o.sessions.iter().any(|s| s.local_pref.is_some()))
    }
    /// The import local-pref `asn` gives routes from `neighbour`, if set.
    #[inline]
    pub fn import_lp(&self, asn: AsIdx, neighbour: AsIdx) -> Option<u32> {
        if self.imports.is_empty() {
            return None;
        }
        self.imports
            .binary_search_by_key(&(asn, neighbour), |x| (x.0, x.1))
            .ok()
            .map(|i| self.imports[i].2)
    }
}
