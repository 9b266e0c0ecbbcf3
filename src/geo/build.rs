//! Rebuilds `topologies/cities.csv` from public data, reproducibly.
//!
//! Inputs (in `DATA/geo/`, see docs/cities.md for where to get them):
//! - `geonames_cities15000.csv.gz` (GeoNames, CC BY 4.0): every city of at
//!   least 15,000 inhabitants with coordinates and population;
//! - `geonames_countries.csv`: ISO country -> continent code;
//! - `airportsdata_airports.csv.gz` (airportsdata, MIT): IATA codes;
//! - `cloudflare_colos.csv`, `aws_cloudfront_edge_locations.csv`,
//!   `cdn_pops_adaptive.csv` (MIT): PoP lists of the major CDNs.
//!
//! The table holds the [`BuildOptions::top_n`] most populous GeoNames cities
//! plus every city that hosts a PoP of one of the lists. A PoP is mapped to
//! a GeoNames city of the same country (when the list says the country) by
//! these rules, first match wins:
//! 1. a city whose name matches the PoP's city name (the list's own, or the
//!    airport's city for lists that only give a code), within
//!    [`BuildOptions::pop_radius_km`]: the nearest exact match, else the
//!    nearest whose name starts with it (`Frankfurt` ~ `Frankfurt am Main`);
//! 2. the most populous city within [`BuildOptions::metro_radius_km`] (a PoP
//!    at an airport or in a suburb serves the metro);
//! 3. the nearest city within `pop_radius_km`.
//!
//! PoPs without coordinates use their airport's, else the most populous city
//! of their name and country. A PoP matching none is reported as unmapped
//! (3 of 2,213 with the shipped data; a test checks the share stays <1%).
//!
//! IATA codes: each city's candidates are first the codes of the PoPs mapped
//! to it (real airports before metro codes such as `TYO`, then by how many
//! PoPs use the code, then alphabetically), then airports of the same country
//! within `metro_radius_km` whose city (in airportsdata) is this city's name
//! ("International" airports first, then nearest).
//! Cities with PoPs pick first (most PoPs first), then the rest by
//! population; each takes its best candidate not yet taken, so codes are
//! unique across the table. A city with no candidate gets none.
//!
//! Names are GeoNames names folded to ASCII ([`super::ascii::fold`]); rows
//! are sorted by population (descending), then GeoNames id. Coordinates are
//! copied as GeoNames writes them, so the output is byte-stable.

use super::LatLon;
use super::ascii;
use crate::error::{Error, InputError};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// Knobs of the table builder; [`Default`] gives the shipped table.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// How many of the most populous GeoNames cities to include.
    pub top_n: usize,
    /// Farthest a PoP may be from the city it is mapped to [km].
    pub pop_radius_km: f64,
    /// Radius of a metro: PoPs and airports this close serve the city [km].
    pub metro_radius_km: f64,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            top_n: 1000,
            pop_radius_km: 80.0,
            metro_radius_km: 50.0,
        }
    }
}

/// What the builder did, for tests and docs.
#[derive(Clone, Debug, Default)]
pub struct BuildReport {
    /// Rows written.
    pub rows: usize,
    /// PoPs read from all lists.
    pub pops: usize,
    /// PoPs mapped by rule 1, 2, 3.
    pub mapped_by_rule: [usize; 3],
    /// PoPs not mapped: `list:code`.
    pub unmapped: Vec<String>,
    /// Rows that host at least one PoP.
    pub pop_cities: usize,
    /// PoP cities outside the top-N by population.
    pub pop_cities_added: usize,
    /// Rows with an IATA code.
    pub with_iata: usize,
}

struct GeoCity {
    geonameid: u64,
    name: String,
    country: String,
    lat: String,
    lon: String,
    loc: LatLon,
    population: u64,
}

struct Airport {
    iata: String,
    name: String,
    city_key: String,
    country: String,
    loc: LatLon,
}

struct Pop {
    list: &'static str,
    code: String,
    /// City names the list gives, best first.
    city: Vec<String>,
    country: Option<String>,
    /// Missing in some rows; then the airport's, else the city name decides.
    loc: Option<LatLon>,
}

fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| Error::io(format!("{}: gunzip", path.display()), e))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| {
            Error::Input(InputError::new(
                path.display().to_string(),
                "",
                format!("not UTF-8: {e}"),
            ))
        })
    }
}

/// Reads a CSV with a header into rows of named fields.
/// Pseudo-column holding a row's 1-based line number.
const LINE: &str = "\u{0}line";

fn read_csv(path: &Path) -> Result<Vec<BTreeMap<String, String>>, Error> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| InputError::at_line(&file, Some(1), "", format!("bad header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            InputError::at_line(&file, line, "", e.to_string())
        })?;
        let mut row: BTreeMap<String, String> = header
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        let line = rec.position().map_or(0, |p| p.line());
        row.insert(LINE.to_string(), line.to_string());
        rows.push(row);
    }
    Ok(rows)
}

fn field<'a>(row: &'a BTreeMap<String, String>, name: &str, file: &Path) -> Result<&'a str, Error> {
    row.get(name).map(String::as_str).ok_or_else(|| {
        Error::Input(InputError::new(
            file.display().to_string(),
            name,
            format!("missing column `{name}`"),
        ))
    })
}

fn num<T: std::str::FromStr>(
    row: &BTreeMap<String, String>,
    name: &str,
    file: &Path,
) -> Result<T, Error> {
    let s = field(row, name, file)?;
    s.trim().parse().map_err(|_| {
        let line = row.get(LINE).and_then(|l| l.parse().ok());
        Error::Input(InputError::at_line(
            file.display().to_string(),
            line,
            name,
            format!("`{s}` is not a number"),
        ))
    })
}

/// Coordinates from two columns; `None` when both are empty (some PoP
/// lists leave them out).
fn latlon(
    row: &BTreeMap<String, String>,
    lat: &str,
    lon: &str,
    file: &Path,
) -> Result<Option<LatLon>, Error> {
    if field(row, lat, file)?.is_empty() && field(row, lon, file)?.is_empty() {
        return Ok(None);
    }
    Ok(Some(LatLon::new(
        num(row, lat, file)?,
        num(row, lon, file)?,
    )))
}

fn latlon_req(
    row: &BTreeMap<String, String>,
    lat: &str,
    lon: &str,
    file: &Path,
) -> Result<LatLon, Error> {
    latlon(row, lat, lon, file)?.ok_or_else(|| {
        let line = row.get(LINE).and_then(|l| l.parse().ok());
        Error::Input(InputError::at_line(
            file.display().to_string(),
            line,
            lat,
            "coordinates missing",
        ))
    })
}

/// Name match of rule 1: equal, or `pop` is the first word(s) of `city`.
fn name_matches(city_key: &str, pop_key: &str) -> bool {
    city_key == pop_key
        || (city_key.starts_with(pop_key) && city_key[pop_key.len()..].starts_with([' ', '-', '(']))
}

/// Builds the city table from `data_dir` (the folder holding `geo/`).
/// Returns the CSV text and a report.
pub fn build_cities_csv(
    data_dir: &Path,
    opts: &BuildOptions,
) -> Result<(String, BuildReport), Error> {
    let geo = data_dir.join("geo");
    let mut report = BuildReport::default();

    // Countries -> continent.
    let p = geo.join("geonames_countries.csv");
    let mut continent = BTreeMap::new();
    for r in read_csv(&p)? {
        continent.insert(
            field(&r, "iso", &p)?.to_string(),
            field(&r, "continentcode", &p)?.to_string(),
        );
    }

    // GeoNames cities.
    let p = geo.join("geonames_cities15000.csv.gz");
    let mut cities = Vec::new();
    for r in read_csv(&p)? {
        cities.push(GeoCity {
            geonameid: num(&r, "geonameid", &p)?,
            name: field(&r, "name", &p)?.to_string(),
            country: field(&r, "countrycode", &p)?.to_string(),
            lat: field(&r, "latitude", &p)?.to_string(),
            lon: field(&r, "longitude", &p)?.to_string(),
            loc: latlon_req(&r, "latitude", "longitude", &p)?,
            population: num(&r, "population", &p)?,
        });
    }
    // Population order; the index into `cities` is the rank.
    cities.sort_by_key(|c| (std::cmp::Reverse(c.population), c.geonameid));
    let keys: Vec<String> = cities.iter().map(|c| ascii::key(&c.name)).collect();

    // Airports with an IATA code.
    let p = geo.join("airportsdata_airports.csv.gz");
    let mut airports: Vec<Airport> = Vec::new();
    for r in read_csv(&p)? {
        let iata = field(&r, "iata", &p)?;
        if iata.len() != 3 {
            continue;
        }
        airports.push(Airport {
            iata: iata.to_string(),
            name: field(&r, "name", &p)?.to_string(),
            city_key: ascii::key(field(&r, "city", &p)?),
            country: field(&r, "country", &p)?.to_string(),
            loc: latlon_req(&r, "lat", "lon", &p)?,
        });
    }
    airports.sort_by(|a, b| a.iata.cmp(&b.iata));
    let airport_by_code: BTreeMap<&str, usize> = airports
        .iter()
        .enumerate()
        .map(|(i, a)| (a.iata.as_str(), i))
        .collect();

    // PoP lists.
    let mut pops = Vec::new();
    let p = geo.join("cloudflare_colos.csv");
    for r in read_csv(&p)? {
        pops.push(Pop {
            list: "cloudflare",
            code: field(&r, "colo", &p)?.to_string(),
            // `name` is "Ashburn, VA, United States" where `city` may say
            // "Dulles" (the airport): the first part of `name` names the metro.
            city: [
                field(&r, "name", &p)?
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                field(&r, "city", &p)?.to_string(),
            ]
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect(),
            country: Some(field(&r, "cca2", &p)?.to_string()),
            loc: latlon(&r, "lat", "lon", &p)?,
        });
    }
    let p = geo.join("aws_cloudfront_edge_locations.csv");
    for r in read_csv(&p)? {
        pops.push(Pop {
            list: "cloudfront",
            code: field(&r, "code", &p)?.to_string(),
            city: vec![field(&r, "city", &p)?.to_string()],
            country: Some(field(&r, "country_code", &p)?.to_string()),
            loc: latlon(&r, "latitude", "longitude", &p)?,
        });
    }
    let p = geo.join("cdn_pops_adaptive.csv");
    for r in read_csv(&p)? {
        let code = field(&r, "iata", &p)?.to_string();
        let loc = latlon(&r, "latitude", "longitude", &p)?;
        // Lists with only a code: the airport names the city and country,
        // when it is the airport near the given coordinates.
        let ap = airport_by_code
            .get(code.as_str())
            .map(|&i| &airports[i])
            .filter(|a| loc.is_none_or(|l| a.loc.distance_km(l) <= opts.pop_radius_km));
        pops.push(Pop {
            list: "adaptive",
            code,
            city: ap.map(|a| a.city_key.clone()).into_iter().collect(),
            // airportsdata's country differs from GeoNames' for some
            // territories (Puerto Rico is `US` there, `PR` here): unused.
            country: None,
            loc,
        });
    }
    report.pops = pops.len();

    // Map PoPs to cities: rank -> (code -> count).
    let lat_band = opts.pop_radius_km / 110.0 + 0.01;
    let mut pop_codes: BTreeMap<usize, BTreeMap<String, usize>> = BTreeMap::new();
    for pop in &pops {
        let loc = pop.loc.or_else(|| {
            airport_by_code
                .get(pop.code.as_str())
                .map(|&i| airports[i].loc)
        });
        let Some(loc) = loc else {
            // No coordinates at all: the most populous city of that name
            // in that country.
            let hit = pop.city.iter().find_map(|name| {
                let k = ascii::key(name);
                (0..cities.len()).find(|&i| {
                    keys[i] == k
                        && pop
                            .country
                            .as_ref()
                            .is_none_or(|cc| *cc == cities[i].country)
                })
            });
            match hit {
                Some(rank) => {
                    report.mapped_by_rule[0] += 1;
                    *pop_codes
                        .entry(rank)
                        .or_default()
                        .entry(pop.code.clone())
                        .or_default() += 1;
                }
                None => report.unmapped.push(format!("{}:{}", pop.list, pop.code)),
            }
            continue;
        };
        let near: Vec<(usize, f64)> = cities
            .iter()
            .enumerate()
            .filter(|(_, c)| (c.loc.lat - loc.lat).abs() <= lat_band)
            .filter(|(_, c)| pop.country.as_ref().is_none_or(|cc| *cc == c.country))
            .map(|(i, c)| (i, c.loc.distance_km(loc)))
            .filter(|&(_, d)| d <= opts.pop_radius_km)
            .collect();
        let nearest = |it: &mut dyn Iterator<Item = &(usize, f64)>| {
            it.min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|x| x.0)
        };
        let by_name = pop.city.iter().find_map(|name| {
            let k = ascii::key(name);
            nearest(&mut near.iter().filter(|(i, _)| keys[*i] == k))
                .or_else(|| nearest(&mut near.iter().filter(|(i, _)| name_matches(&keys[*i], &k))))
        });
        let (rank, rule) = if let Some(i) = by_name {
            (i, 0)
        } else if let Some(&(i, _)) = near
            .iter()
            .filter(|x| x.1 <= opts.metro_radius_km)
            .min_by_key(|x| x.0)
        {
            (i, 1)
        } else if let Some(i) = nearest(&mut near.iter()) {
            (i, 2)
        } else {
            report.unmapped.push(format!("{}:{}", pop.list, pop.code));
            continue;
        };
        report.mapped_by_rule[rule] += 1;
        *pop_codes
            .entry(rank)
            .or_default()
            .entry(pop.code.clone())
            .or_default() += 1;
    }

    // The table: top-N plus PoP cities, in population order.
    let mut chosen: BTreeSet<usize> = (0..opts.top_n.min(cities.len())).collect();
    report.pop_cities = pop_codes.len();
    report.pop_cities_added = pop_codes.keys().filter(|&&r| r >= opts.top_n).count();
    chosen.extend(pop_codes.keys().copied());

    // IATA candidates per chosen city.
    let mut candidates: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &rank in &chosen {
        let c = &cities[rank];
        let mut list: Vec<String> = Vec::new();
        if let Some(codes) = pop_codes.get(&rank) {
            let mut v: Vec<(&String, &usize)> = codes.iter().collect();
            v.sort_by_key(|(code, n)| {
                (
                    !airport_by_code.contains_key(code.as_str()),
                    std::cmp::Reverse(**n),
                    (*code).clone(),
                )
            });
            list.extend(v.into_iter().map(|(code, _)| code.clone()));
        }
        let mut aps: Vec<(bool, f64, &str)> = airports
            .iter()
            .filter(|a| a.country == c.country && a.city_key == keys[rank])
            .filter_map(|a| {
                let d = a.loc.distance_km(c.loc);
                let intl = a.name.contains("International");
                (d <= opts.metro_radius_km).then_some((!intl, d, a.iata.as_str()))
            })
            .collect();
        aps.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for (_, _, code) in aps {
            if !list.iter().any(|x| x == code) {
                list.push(code.to_string());
            }
        }
        candidates.insert(rank, list);
    }
    let mut order: Vec<usize> = chosen.iter().copied().collect();
    order.sort_by_key(|r| {
        let n: usize = pop_codes.get(r).map_or(0, |m| m.values().sum());
        (std::cmp::Reverse(n), *r)
    });
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut iata: BTreeMap<usize, String> = BTreeMap::new();
    for r in order {
        if let Some(code) = candidates[&r].iter().find(|c| !taken.contains(*c)) {
            taken.insert(code.clone());
            iata.insert(r, code.clone());
        }
    }

    // Write.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let werr = |e: csv::Error| Error::Runtime(format!("writing the city table: {e}"));
    w.write_record([
        "name",
        "country",
        "continent",
        "lat",
        "lon",
        "population",
        "iata",
        "geonameid",
    ])
    .map_err(werr)?;
    for &rank in &chosen {
        let c = &cities[rank];
        let name = ascii::fold(&c.name).ok_or_else(|| {
            Error::Runtime(format!(
                "GeoNames {} `{}`: a character has no ASCII folding; extend geo::ascii::fold",
                c.geonameid, c.name
            ))
        })?;
        let cont = continent.get(&c.country).ok_or_else(|| {
            Error::Runtime(format!(
                "GeoNames {}: country `{}` not in geonames_countries.csv",
                c.geonameid, c.country
            ))
        })?;
        let code = iata.get(&rank).map_or("", String::as_str);
        report.with_iata += usize::from(!code.is_empty());
        w.write_record([
            name.as_str(),
            &c.country,
            cont,
            &c.lat,
            &c.lon,
            &c.population.to_string(),
            code,
            &c.geonameid.to_string(),
        ])
        .map_err(werr)?;
        report.rows += 1;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Runtime(format!("writing the city table: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::Runtime(format!("city table is not UTF-8: {e}")))?;
    Ok((text, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_match_rule() {
        assert!(name_matches("frankfurt am main", "frankfurt"));
        assert!(name_matches("paris", "paris"));
        assert!(!name_matches("parisot", "paris"));
        assert!(!name_matches("york", "new york"));
    }
}
