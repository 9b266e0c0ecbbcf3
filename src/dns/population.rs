//! Client populations generated from the city table: `groups` client
//! groups (each one /24 prefix) placed in cities drawn with probability
//! proportional to population (with replacement: a large city gets many
//! prefixes), per region with its share of the demand. Within a region
//! every group has the same demand, so a city's demand is proportional to
//! its population in expectation.

use crate::geo::{Cities, CityId};
use crate::rng::Streams;
use crate::scenario::raw::Population;
use rand::RngExt;

/// Generated groups: (city, share of the generated demand), sorted by city
/// so a city's prefixes are consecutive (neighbouring /24s). Errors are
/// (field path under `clients.population`, message).
pub fn generate(
    p: &Population,
    cities: &Cities,
    streams: &Streams,
) -> Result<Vec<(CityId, f64)>, (String, String)> {
    if p.groups == 0 || p.groups > MAX_GROUPS {
        return Err((
            "groups".into(),
            format!("{} is out of range (expected 1 to {MAX_GROUPS})", p.groups),
        ));
    }
    let all = [crate::scenario::raw::Region {
        continent: None,
        country: None,
        share: crate::units::Share(1.0),
    }];
    let regions = if p.regions.is_empty() {
        &all[..]
    } else {
        &p.regions[..]
    };
    let total: f64 = regions.iter().map(|r| r.share.0).sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err((
            "regions".into(),
            format!("shares sum to {}%, expected 100%", total * 100.0),
        ));
    }
    let mut out = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        let field = format!("regions[{i}]");
        // The default (no regions given) is the whole table, with neither.
        if !p.regions.is_empty() && r.continent.is_some() == r.country.is_some() {
            return Err((
                field,
                "give exactly one of `continent` (e.g. \"EU\") or `country` (e.g. \"US\")".into(),
            ));
        }
        let pool: Vec<(CityId, u64)> = cities
            .iter()
            .filter(|(_, c)| {
                c.population >= p.min_population.max(1)
                    && r.continent
                        .as_ref()
                        .is_none_or(|x| c.continent.eq_ignore_ascii_case(x))
                    && r.country
                        .as_ref()
                        .is_none_or(|x| c.country.eq_ignore_ascii_case(x))
            })
            .map(|(id, c)| (id, c.population))
            .collect();
        if pool.is_empty() {
            return Err((
                field,
                "no city of the city table matches (continent codes: AF AN AS EU NA OC SA; country codes: ISO 3166 alpha-2)".into(),
            ));
        }
        let n = ((f64::from(p.groups) * r.share.0).round() as u32).max(1);
        let mut cum = Vec::with_capacity(pool.len());
        let mut acc = 0u64;
        for &(_, pop) in &pool {
            acc += pop;
            cum.push(acc);
        }
        let mut rng = streams.stream(&format!("clients/population/{i}"));
        for _ in 0..n {
            let x = rng.random_range(0..acc);
            let k = cum.partition_point(|&c| c <= x);
            out.push((pool[k].0, r.share.0 / f64::from(n)));
        }
    }
    out.sort_by_key(|x| x.0);
    Ok(out)
}

/// Most generated groups: one /24 each, numbered upward from 10.0.0.0/24
/// (`output::steering::prefix`), so at most the 2^24 - 10 x 2^16 /24s
/// from 10.0.0.0 to 255.255.255.0 (16,121,856; a full BGP table has ~1 M
/// prefixes). In practice memory bounds it first: the run's estimate
/// (scenario/memory.rs) counts the per-group state.
pub const MAX_GROUPS: u32 = (1 << 24) - (10 << 16);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::Region;
    use crate::units::Share;

    /// 2^20 groups (a full table's worth of /24s) in well under a second
    /// of work; over the limit is refused, naming it.
    #[test]
    fn a_million_groups_and_the_limit() {
        let cities = Cities::embedded();
        let mut p = Population {
            groups: 1 << 20,
            share: None,
            regions: Vec::new(),
            min_population: 0,
        };
        let g = generate(&p, &cities, &Streams::new(3)).unwrap();
        assert_eq!(g.len(), 1 << 20);
        assert!(g.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(
            crate::output::steering::prefix(MAX_GROUPS as usize - 1),
            "255.255.255.0/24"
        );
        assert_eq!(crate::output::steering::prefix(65_536), "11.0.0.0/24");
        p.groups = MAX_GROUPS + 1;
        let e = generate(&p, &cities, &Streams::new(3)).unwrap_err();
        assert_eq!(e.0, "groups");
        assert!(e.1.contains("expected 1 to 16121856"), "{}", e.1);
    }

    #[test]
    fn without_regions_the_whole_table_is_drawn_from() {
        let cities = Cities::embedded();
        let p = Population {
            groups: 500,
            share: None,
            regions: Vec::new(),
            min_population: 0,
        };
        let g = generate(&p, &cities, &Streams::new(7)).expect("no regions is valid");
        assert_eq!(g.len(), 500);
        let total: f64 = g.iter().map(|x| x.1).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let continents: std::collections::BTreeSet<&str> = g
            .iter()
            .map(|x| cities.get(x.0).continent.as_str())
            .collect();
        assert!(continents.len() >= 4, "{continents:?}");
    }

    #[test]
    fn population_weighted_and_regional_shares() {
        let cities = Cities::embedded();
        let s = Streams::new(7);
        let p = Population {
            groups: 2000,
            share: None,
            regions: vec![
                Region {
                    continent: Some("EU".into()),
                    country: None,
                    share: Share(0.25),
                },
                Region {
                    continent: None,
                    country: Some("US".into()),
                    share: Share(0.75),
                },
            ],
            min_population: 0,
        };
        let g = generate(&p, &cities, &s).unwrap();
        assert_eq!(g.len(), 2000);
        let us: f64 = g
            .iter()
            .filter(|x| cities.get(x.0).country == "US")
            .map(|x| x.1)
            .sum();
        assert!((us - 0.75).abs() < 1e-9, "{us}");
        // New York (the largest US city) gets more groups than any other.
        let count = |name: &str| g.iter().filter(|x| cities.get(x.0).name == name).count();
        assert!(
            count("New York City") > count("Chicago"),
            "{} {}",
            count("New York City"),
            count("Chicago")
        );
        assert!(g.windows(2).all(|w| w[0].0 <= w[1].0));
        // Same seed, same groups.
        assert_eq!(generate(&p, &cities, &s).unwrap(), g);
    }
}
