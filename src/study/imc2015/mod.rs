//! Calder, Flavel, Katz-Bassett, Mahajan, Padhye, "Analyzing the
//! Performance of an Anycast CDN" (ACM IMC 2015), on a simulated world.
//!
//! 1. Routing ([`routing`]): the scenario's world and catchments, then one
//!    quiescent snapshot (anycast and every unicast prefix) after each
//!    routing change of the study's `[[events]]`.
//! 2. Resolvers: the run's DNS model (ISP resolvers at the Chen et al.
//!    distances, public anycast resolvers), as every DNS mode has it.
//! 3. The beacon campaign ([`campaign`]) over the scenario's days.
//! 4. Figures 1-9 and the paper-vs-simulated table ([`figures`],
//!    `report::imc2015`).
//!
//! docs/reproducing-imc2015.md describes every step and figure.

pub mod campaign;
pub mod figures;
pub mod routing;

use crate::error::{Error, InputError};
use crate::geo::LatLon;
use crate::rng::Streams;
use crate::scenario::RunConfig;
use crate::scenario::study::StudyConfig;
use crate::time::SimTime;

/// Everything the figures are computed from.
pub struct StudyData {
    pub study: StudyConfig,
    /// Per group: demand share, whether in Europe / the US, its LDNS.
    pub share: Vec<f64>,
    pub europe: Vec<bool>,
    pub us: Vec<bool>,
    pub ldns: Vec<usize>,
    pub resolvers: usize,
    /// Per group, per PoP: great-circle distance [km].
    pub pop_km: Vec<Vec<f64>>,
    pub pop_names: Vec<String>,
    pub snapshots: Vec<routing::Snapshot>,
    /// Prefix solves the snapshots took (after reuse).
    pub solves: usize,
    /// Routing changes applied (time, what).
    pub changes: Vec<(SimTime, String)>,
    pub beacons: Vec<campaign::Beacon>,
}

/// The routing changes of the study in time order: the scenario's
/// `[[events]]` and the background churn of `[bgp.churn]` (stream
/// `world/churn`), each with a description for routing_changes.csv.
fn changes(
    cfg: &RunConfig,
    world: &crate::world::World,
) -> Vec<(SimTime, routing::Change, String)> {
    use crate::world::churn::ChurnChange as C;
    let mut v: Vec<(SimTime, routing::Change, String)> = cfg
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                e.at,
                routing::Change::Event(i, e.action.clone()),
                format!("{} {}", e.kind.name(), e.target),
            )
        })
        .collect();
    if let Some(c) = &cfg.bgp.churn {
        let g = &world.graph;
        for e in crate::world::churn::generate(c, world, cfg.duration, &Streams::new(cfg.seed)) {
            let what = match e.change {
                C::LinkDown { a, b } => format!("churn link-down {}-{}", g.asn(a), g.asn(b)),
                C::LinkUp { a, b } => format!("churn link-up {}-{}", g.asn(a), g.asn(b)),
                C::SessionDown { pop, neighbour } => format!(
                    "churn session-down {}-{} at {}",
                    g.asn(world.cdn),
                    g.asn(neighbour),
                    cfg.pops[pop].name
                ),
                C::SessionUp { pop, neighbour } => format!(
                    "churn session-up {}-{} at {}",
                    g.asn(world.cdn),
                    g.asn(neighbour),
                    cfg.pops[pop].name
                ),
                C::Drain { pop } => format!("churn drain {}", cfg.pops[pop].name),
                C::Undrain { pop } => format!("churn undrain {}", cfg.pops[pop].name),
                C::LocalPref {
                    asn,
                    neighbour,
                    offset,
                } => format!(
                    "churn local-pref {} from {} {offset:+}",
                    g.asn(asn),
                    g.asn(neighbour)
                ),
            };
            v.push((e.at, routing::Change::Churn(e.change), what));
        }
    }
    // Stable: events before churn at the same time.
    v.sort_by_key(|x| x.0);
    v
}

/// Runs the study of a validated scenario with `[study]`.
pub fn run(
    cfg: &RunConfig,
    locate: &dyn Fn(&str, String) -> InputError,
) -> Result<StudyData, Error> {
    let study = cfg
        .study
        .clone()
        .ok_or_else(|| Error::Runtime("no [study] in the scenario".into()))?;
    let mut plan_cfg = cfg.clone();
    plan_cfg.steering = crate::scenario::raw::Steering::Anycast;
    let (routes, routed) = crate::sim::plan(&plan_cfg, locate)?;
    let routed = routed.ok_or_else(|| locate("world", "the study needs a world".into()))?;
    let who = crate::sim::steering::resolution(cfg, &routes, Some(&routed), locate)?
        .ok_or_else(|| locate("dns", "the study needs [dns]".into()))?;
    let ch = changes(cfg, &routed.world);
    let timed: Vec<(SimTime, routing::Change)> = ch.iter().map(|c| (c.0, c.1.clone())).collect();
    let (snapshots, solves) = routing::snapshots(&routed.world, cfg, &timed, locate)?;

    let loc = |c: crate::geo::CityId| cfg.cities.get(c).loc;
    let pop_locs: Vec<LatLon> = cfg.pops.iter().map(|p| loc(p.city)).collect();
    let total: f64 = cfg.groups.iter().map(|g| g.share).sum();
    let share: Vec<f64> = cfg.groups.iter().map(|g| g.share / total).collect();
    let inputs: Vec<campaign::GroupInput> = cfg
        .groups
        .iter()
        .enumerate()
        .map(|(i, _)| campaign::GroupInput {
            share: share[i],
            near_ldns: campaign::by_distance(who.resolvers[who.of_group[i].0].loc, &pop_locs),
        })
        .collect();
    let noise = campaign::Noise {
        access: cfg.latency.access_distribution(),
        jitter: cfg.latency.jitter_distribution(),
    };
    let beacons = campaign::run(
        &inputs,
        &snapshots,
        study.days,
        study.beacons_per_day,
        noise,
        &Streams::new(cfg.seed),
    );
    Ok(StudyData {
        share,
        europe: cfg
            .groups
            .iter()
            .map(|g| cfg.cities.get(g.city).continent == "EU")
            .collect(),
        us: cfg
            .groups
            .iter()
            .map(|g| cfg.cities.get(g.city).country == "US")
            .collect(),
        ldns: who.of_group.iter().map(|x| x.0).collect(),
        resolvers: who.resolvers.len(),
        pop_km: cfg
            .groups
            .iter()
            .map(|g| {
                pop_locs
                    .iter()
                    .map(|p| loc(g.city).distance_km(*p))
                    .collect()
            })
            .collect(),
        pop_names: cfg.pops.iter().map(|p| p.name.clone()).collect(),
        snapshots,
        solves,
        changes: ch.into_iter().map(|c| (c.0, c.2)).collect(),
        beacons,
        study,
    })
}
