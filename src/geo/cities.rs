//! The city table: `topologies/cities.csv`, embedded in the binary.
//!
//! Format (CSV with header):
//! `name,country,continent,lat,lon,population,iata,geonameid`
//! - `country`: ISO 3166-1 alpha-2; `continent`: AF, AN, AS, EU, NA, OC, SA;
//! - `iata`: the metro's main airport code where one exists, else empty;
//! - `population` of the city proper (GeoNames).
//!
//! Lookup accepts a name (`Frankfurt`), a name with country (`Frankfurt,DE`),
//! an IATA code (`FRA`) or a GeoNames id (`geonames:2925533`, the only
//! unambiguous form for the few cities that share a name within a country).
//! Names are matched ignoring case and accents
//! (`sao paulo` finds `Sao Paulo`, as does `São Paulo`); a name that is the
//! first word(s) of a city's name finds it when no city has exactly that
//! name (`Frankfurt` finds `Frankfurt am Main`, `New York` finds
//! `New York City`). When a name is ambiguous the most populous city wins,
//! and `name,CC` disambiguates.
//!
//! The shipped table is built by [`super::build`] from GeoNames and CDN PoP
//! lists (docs/cities.md); a test rebuilds it byte for byte.

use super::LatLon;
use super::ascii;
use crate::error::InputError;
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// The table shipped in the binary.
pub const EMBEDDED_CITIES_CSV: &str = include_str!("../../topologies/cities.csv");

/// Index of a city in a [`Cities`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct CityId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub struct City {
    pub name: String,
    pub country: String,
    pub continent: String,
    pub loc: LatLon,
    pub population: u64,
    pub iata: Option<String>,
    /// GeoNames id: a stable, unambiguous reference (`geonames:ID`).
    pub geonameid: Option<u64>,
}

#[derive(Deserialize)]
struct Row {
    name: String,
    country: String,
    continent: String,
    lat: f64,
    lon: f64,
    population: u64,
    iata: String,
    geonameid: Option<u64>,
}

/// A table of cities with lookup by name, name+country and IATA code.
#[derive(Clone, Debug)]
pub struct Cities {
    cities: Vec<City>,
    by_name: FxHashMap<String, CityId>,
    by_name_cc: FxHashMap<String, CityId>,
    by_iata: FxHashMap<String, CityId>,
    by_geonameid: FxHashMap<u64, CityId>,
    by_prefix: FxHashMap<String, CityId>,
    by_prefix_cc: FxHashMap<String, CityId>,
}

impl Cities {
    /// The embedded table.
    pub fn embedded() -> Cities {
        Cities::parse(EMBEDDED_CITIES_CSV, "topologies/cities.csv (embedded)")
            .expect("embedded city table is valid (checked by a unit test)")
    }

    /// Parses a table in the documented format; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Cities, InputError> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut cities = Vec::new();
        for rec in rdr.deserialize::<Row>() {
            let row = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize);
                InputError::at_line(file, line, "", format!("{e}; expected columns name,country,continent,lat,lon,population,iata,geonameid"))
            })?;
            let line = cities.len() + 2;
            if !(-90.0..=90.0).contains(&row.lat) || !(-180.0..=180.0).contains(&row.lon) {
                return Err(InputError::at_line(
                    file,
                    Some(line),
                    "",
                    format!(
                        "coordinates {},{} out of range (lat -90..90, lon -180..180)",
                        row.lat, row.lon
                    ),
                ));
            }
            cities.push(City {
                name: row.name,
                country: row.country,
                continent: row.continent,
                loc: LatLon::new(row.lat, row.lon),
                population: row.population,
                iata: (!row.iata.is_empty()).then_some(row.iata),
                geonameid: row.geonameid,
            });
        }
        if cities.is_empty() {
            return Err(InputError::new(file, "", "the city table has no rows"));
        }
        let mut t = Cities {
            cities,
            by_name: FxHashMap::default(),
            by_name_cc: FxHashMap::default(),
            by_iata: FxHashMap::default(),
            by_geonameid: FxHashMap::default(),
            by_prefix: FxHashMap::default(),
            by_prefix_cc: FxHashMap::default(),
        };
        // Most populous first so it wins ambiguous names.
        let mut order: Vec<usize> = (0..t.cities.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(t.cities[i].population), i));
        for i in order {
            let c = &t.cities[i];
            let id = CityId(i as u32);
            let key = ascii::key(&c.name);
            t.by_name_cc
                .entry(format!("{key},{}", c.country.to_lowercase()))
                .or_insert(id);
            t.by_name.entry(key.clone()).or_insert(id);
            // First words of the name, for `Frankfurt` -> `Frankfurt am Main`;
            // exact names (inserted above or later) take precedence.
            let mut prefix_ends: Vec<usize> = key.match_indices(' ').map(|(i, _)| i).collect();
            prefix_ends.reverse();
            for end in prefix_ends {
                let p = &key[..end];
                t.by_prefix.entry(p.to_string()).or_insert(id);
                t.by_prefix_cc
                    .entry(format!("{p},{}", c.country.to_lowercase()))
                    .or_insert(id);
            }
            if let Some(g) = c.geonameid {
                t.by_geonameid.entry(g).or_insert(id);
            }
            if let Some(code) = &c.iata {
                t.by_iata.entry(code.to_uppercase()).or_insert(id);
            }
        }
        Ok(t)
    }

    pub fn len(&self) -> usize {
        self.cities.len()
    }
    pub fn is_empty(&self) -> bool {
        self.cities.is_empty()
    }
    pub fn get(&self, id: CityId) -> &City {
        &self.cities[id.0 as usize]
    }
    pub fn iter(&self) -> impl Iterator<Item = (CityId, &City)> {
        self.cities
            .iter()
            .enumerate()
            .map(|(i, c)| (CityId(i as u32), c))
    }

    /// Finds a city by `Name`, `Name,CC` or IATA code.
    pub fn lookup(&self, query: &str) -> Option<CityId> {
        let q = query.trim();
        if let Some(id) = q.strip_prefix("geonames:") {
            return id
                .trim()
                .parse()
                .ok()
                .and_then(|g: u64| self.by_geonameid.get(&g).copied());
        }
        if q.len() == 3 && q.chars().all(|c| c.is_ascii_uppercase()) {
            if let Some(&id) = self.by_iata.get(q) {
                return Some(id);
            }
        }
        if let Some((name, cc)) = q.rsplit_once(',') {
            let key = format!("{},{}", ascii::key(name.trim()), cc.trim().to_lowercase());
            if let Some(&id) = self.by_name_cc.get(&key).or(self.by_prefix_cc.get(&key)) {
                return Some(id);
            }
            // A name that itself holds a comma ("Washington, D.C.").
        }
        let key = ascii::key(q);
        self.by_name.get(&key).or(self.by_prefix.get(&key)).copied()
    }

    /// A few names close to `query`, for "did you mean" messages.
    pub fn suggest(&self, query: &str) -> Vec<&str> {
        let q = ascii::key(query);
        let prefix: String = q.chars().take(3).collect();
        let mut hits: Vec<&City> = self
            .cities
            .iter()
            .filter(|c| ascii::key(&c.name).starts_with(&prefix))
            .collect();
        hits.sort_by_key(|c| std::cmp::Reverse(c.population));
        hits.into_iter().take(3).map(|c| c.name.as_str()).collect()
    }

    /// The city nearest to a point.
    pub fn nearest(&self, p: LatLon) -> CityId {
        let (i, _) = self
            .cities
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.loc.distance_km(p)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("table is non-empty");
        CityId(i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_looks_up() {
        let c = Cities::embedded();
        assert!(c.len() >= 10);
        let fra = c.lookup("Frankfurt").expect("Frankfurt");
        assert_eq!(c.get(fra).country, "DE");
        assert_eq!(c.lookup("frankfurt,de"), Some(fra));
        assert_eq!(c.lookup("FRA"), Some(fra));
        assert_eq!(c.lookup("Atlantis"), None);
        assert_eq!(c.get(fra).name, "Frankfurt am Main");
    }

    #[test]
    fn shipped_table_is_large_ascii_with_unique_codes() {
        let c = Cities::embedded();
        assert!(c.len() >= 1000, "{}", c.len());
        let mut codes = std::collections::BTreeSet::new();
        for (_, city) in c.iter() {
            assert!(city.name.is_ascii(), "{}", city.name);
            assert!(["AF", "AN", "AS", "EU", "NA", "OC", "SA"].contains(&city.continent.as_str()));
            if let Some(code) = &city.iata {
                assert!(codes.insert(code.clone()), "duplicate IATA {code}");
            }
        }
    }

    #[test]
    fn lookup_folds_accents_and_prefixes() {
        let c = Cities::embedded();
        let sp = c.lookup("Sao Paulo").expect("Sao Paulo");
        assert_eq!(c.lookup("São Paulo"), Some(sp));
        assert_eq!(c.lookup("GRU"), Some(sp));
        let ny = c.lookup("New York").expect("New York");
        assert_eq!(c.get(ny).name, "New York City");
        assert_eq!(c.lookup("new york,us"), Some(ny));
        // Ambiguous names: the most populous wins, `,CC` disambiguates.
        assert_eq!(c.get(c.lookup("Valencia").unwrap()).country, "VE");
        assert_eq!(c.get(c.lookup("Valencia,ES").unwrap()).country, "ES");
        assert_eq!(c.get(c.lookup("Ashburn").unwrap()).country, "US");
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let e = Cities::parse(
            "name,country,continent,lat,lon,population,iata,geonameid\nX,DE,EU,99,0,1,,\n",
            "c.csv",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("c.csv:2: "), "{e}");
    }
}
