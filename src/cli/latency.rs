//! `cdnsim latency`: the model's RTT between two places, or for a CSV of
//! coordinate pairs (to check the model against any measured data set).
//!
//! ```text
//! cdnsim latency Frankfurt London        # city names
//! cdnsim latency FRA "New York,US"       # IATA code, Name,CC
//! cdnsim latency 50.11,8.68 51.51,-0.13  # lat,lon
//! cdnsim latency --pairs pairs.csv       # rows lat1,lon1,lat2,lon2
//! ```
//!
//! The RTT is the deterministic point-to-point estimate
//! [`LatencyModel::rtt_direct_ms`]: propagation with the fitted stretch plus
//! the distance-based hop count; no jitter, no access delay.

use crate::error::{Error, InputError, Result};
use crate::geo::{Cities, LatLon, LatencyModel};
use std::path::PathBuf;

/// Arguments of `cdnsim latency`.
#[derive(clap::Args, Debug, Clone)]
#[command(about = "Print the latency model's RTT between two places or for a CSV of pairs")]
pub struct LatencyArgs {
    /// First place: city name (Frankfurt), Name,CC (Frankfurt,DE), IATA code
    /// (FRA) or lat,lon (50.11,8.68).
    #[arg(required_unless_present = "pairs", conflicts_with = "pairs")]
    pub from: Option<String>,
    /// Second place, in the same forms as FROM.
    #[arg(required_unless_present = "pairs", conflicts_with = "pairs")]
    pub to: Option<String>,
    /// CSV file of rows `lat1,lon1,lat2,lon2` (header optional): prints a
    /// header `rtt_ms` and one RTT [ms] per row, in order.
    #[arg(long, value_name = "FILE.csv")]
    pub pairs: Option<PathBuf>,
}

/// Runs the command and prints its lines to stdout.
pub fn execute(args: &LatencyArgs) -> Result<()> {
    let lines = run(args, &Cities::embedded(), &LatencyModel::default())?;
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("writing to stdout", e))
}

/// The command's output lines, for a given city table and model.
pub fn run(args: &LatencyArgs, cities: &Cities, model: &LatencyModel) -> Result<Vec<String>> {
    if let Some(path) = &args.pairs {
        // An unreadable input file is the user's to fix: exit code 2.
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(
                path.display().to_string(),
                "",
                format!("cannot read the pairs file: {e}"),
            )
        })?;
        return Ok(pairs_lines(&text, &path.display().to_string(), model)?);
    }
    let (Some(from), Some(to)) = (&args.from, &args.to) else {
        return Err(InputError::new(
            "<command line>",
            "",
            "give two places (FROM TO) or --pairs FILE.csv",
        )
        .into());
    };
    let a = resolve(cities, from, "FROM")?;
    let b = resolve(cities, to, "TO")?;
    let km = a.loc.distance_km(b.loc);
    Ok(vec![
        format!("from: {}", a.label),
        format!("to: {}", b.label),
        format!("distance_km: {km:.1}"),
        format!("hops: {:.2}", model.hops_direct(km)),
        format!("rtt_ms: {:.2}", model.rtt_direct_ms(a.loc, b.loc)),
    ])
}

/// A resolved place and how to print it.
struct Place {
    loc: LatLon,
    label: String,
}

fn resolve(cities: &Cities, query: &str, what: &str) -> Result<Place, InputError> {
    let q = query.trim();
    // `lat,lon` first: `Name,CC` never parses as two numbers.
    if let Some((a, b)) = q.split_once(',') {
        if a.trim().parse::<f64>().is_ok() && b.trim().parse::<f64>().is_ok() {
            return LatLon::parse(q)
                .map(|loc| Place {
                    loc,
                    label: format!("{},{}", loc.lat, loc.lon),
                })
                .ok_or_else(|| {
                    InputError::new(
                        "<command line>",
                        what,
                        format!("`{q}` is out of range: lat must be -90..90 and lon -180..180"),
                    )
                });
        }
    }
    if let Some(id) = cities.lookup(q) {
        let c = cities.get(id);
        let code = c
            .iata
            .as_deref()
            .map_or(String::new(), |x| format!(" ({x})"));
        return Ok(Place {
            loc: c.loc,
            label: format!(
                "{},{}{} {},{}",
                c.name, c.country, code, c.loc.lat, c.loc.lon
            ),
        });
    }
    let hint = cities.suggest(q);
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", hint.join(", "))
    };
    Err(InputError::new(
        "<command line>",
        what,
        format!(
            "unknown place `{q}`: expected a city name (Frankfurt), Name,CC (Frankfurt,DE), \
             an IATA code (FRA) or lat,lon (50.11,8.68){hint}"
        ),
    ))
}

/// Output lines for a `--pairs` file: header `rtt_ms`, then one RTT [ms]
/// per data row. `file` names the input in errors.
pub fn pairs_lines(
    text: &str,
    file: &str,
    model: &LatencyModel,
) -> Result<Vec<String>, InputError> {
    let mut out = vec!["rtt_ms".to_string()];
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split(',')
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        let nums: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        // A first line that is not numeric at all is a header.
        if std::mem::take(&mut first) && nums.iter().all(Option::is_none) {
            continue;
        }
        let bad = |why: String| {
            InputError::at_line(
                file,
                Some(line_no),
                "",
                format!(
                    "{why}; expected a row lat1,lon1,lat2,lon2 of numbers in degrees \
                     (lat -90..90, lon -180..180)"
                ),
            )
        };
        if fields.len() != 4 {
            return Err(bad(format!("{} fields", fields.len())));
        }
        let mut v = [0.0; 4];
        for (k, (f, n)) in fields.iter().zip(&nums).enumerate() {
            v[k] = n.ok_or_else(|| bad(format!("field {} `{f}` is not a number", k + 1)))?;
        }
        let (a, b) = (LatLon::new(v[0], v[1]), LatLon::new(v[2], v[3]));
        for p in [a, b] {
            if !((-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon)) {
                return Err(bad(format!("{},{} is out of range", p.lat, p.lon)));
            }
        }
        out.push(format!("{:.3}", model.rtt_direct_ms(a, b)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &str, to: &str) -> LatencyArgs {
        LatencyArgs {
            from: Some(from.into()),
            to: Some(to.into()),
            pairs: None,
        }
    }

    #[test]
    fn two_places_in_every_form() {
        let (c, m) = (Cities::embedded(), LatencyModel::default());
        let by_name = run(&args("Frankfurt", "London"), &c, &m).unwrap();
        assert_eq!(
            by_name[0],
            "from: Frankfurt am Main,DE (FRA) 50.11552,8.68417"
        );
        assert!(by_name[2].starts_with("distance_km: 63"), "{by_name:?}");
        let by_code = run(&args("FRA", "london,gb"), &c, &m).unwrap();
        assert_eq!(by_name[4], by_code[4]);
        let by_coords = run(&args("50.11552,8.68417", "51.50853,-0.12574"), &c, &m).unwrap();
        assert_eq!(by_name[4], by_coords[4]);
        let rtt: f64 = by_name[4]["rtt_ms: ".len()..].parse().unwrap();
        assert!((10.0..25.0).contains(&rtt), "{rtt}");
    }

    #[test]
    fn unknown_place_is_an_input_error() {
        let (c, m) = (Cities::embedded(), LatencyModel::default());
        let e = run(&args("Atlantis", "FRA"), &c, &m).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.starts_with("<command line>: FROM: unknown place `Atlantis`"),
            "{msg}"
        );
        assert!(msg.contains("IATA code"), "{msg}");
        let e = run(&args("FRA", "95,10"), &c, &m).unwrap_err();
        assert!(e.to_string().contains("TO: `95,10` is out of range"), "{e}");
    }

    #[test]
    fn pairs_in_order_with_optional_header() {
        let m = LatencyModel::default();
        let body = "50.11552,8.68417,51.50853,-0.12574\n0,0,0,0\n\n0,0,0,90\n";
        let plain = pairs_lines(body, "p.csv", &m).unwrap();
        let with_header =
            pairs_lines(&format!("lat1,lon1,lat2,lon2\n{body}"), "p.csv", &m).unwrap();
        assert_eq!(plain, with_header);
        assert_eq!(plain.len(), 4);
        assert_eq!(plain[0], "rtt_ms");
        let v: Vec<f64> = plain[1..].iter().map(|s| s.parse().unwrap()).collect();
        assert!(v[1] < v[0] && v[0] < v[2], "{v:?}");
        assert_eq!(
            format!(
                "{:.3}",
                m.rtt_direct_ms(LatLon::new(0.0, 0.0), LatLon::new(0.0, 0.0))
            ),
            plain[2]
        );
    }

    #[test]
    fn bad_pair_rows_name_file_and_line() {
        let m = LatencyModel::default();
        let e = pairs_lines("lat1,lon1,lat2,lon2\n1,2,3,4\n1,2,3\n", "p.csv", &m).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("p.csv:3: 3 fields; expected a row lat1,lon1,lat2,lon2"),
            "{e}"
        );
        let e = pairs_lines("1,2,3,x\n", "p.csv", &m).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("p.csv:1: field 4 `x` is not a number"),
            "{e}"
        );
        let e = pairs_lines("a,b,c,d\ne,f,g,h\n", "p.csv", &m).unwrap_err();
        assert!(e.to_string().starts_with("p.csv:2: field 1 `e`"), "{e}");
        let e = pairs_lines("1,2,3,4\n91,0,0,0\n", "p.csv", &m).unwrap_err();
        assert!(
            e.to_string().starts_with("p.csv:2: 91,0 is out of range"),
            "{e}"
        );
    }
}
