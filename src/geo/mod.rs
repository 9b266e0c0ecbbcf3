//! Geography: points, great-circle distance, and the city table.
//!
//! Cities are the places of the model: PoPs, clients, routers and
//! interconnections all sit in a city. The table ships in the binary
//! (`topologies/cities.csv`, derived from GeoNames, CC BY 4.0) and can be
//! replaced by a file of the same format.

pub mod ascii;
pub mod build;
pub mod cities;
pub mod fit;
pub mod latency;

pub use cities::{Cities, City, CityId};
pub use latency::LatencyModel;

/// Mean Earth radius [km] (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the Earth [degrees].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Self {
        LatLon { lat, lon }
    }

    /// Great-circle distance [km] by the haversine formula.
    pub fn distance_km(self, other: LatLon) -> f64 {
        self.distance_km_cos(other, self.cos_lat(), other.cos_lat())
    }

    /// The cosine of the latitude, the per-point factor of the haversine
    /// (for [`LatLon::distance_km_cos`]).
    #[inline]
    pub fn cos_lat(self) -> f64 {
        self.lat.to_radians().cos()
    }

    /// [`LatLon::distance_km`] given both points' [`LatLon::cos_lat`]: the
    /// same operations, so the same result to the bit, with two of the
    /// four trigonometric calls done once per point instead of per pair
    /// (the city distance matrix).
    #[inline]
    pub fn distance_km_cos(self, other: LatLon, cos_self: f64, cos_other: f64) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + cos_self * cos_other * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// Parses `"lat,lon"` in degrees.
    pub fn parse(s: &str) -> Option<LatLon> {
        let (a, b) = s.split_once(',')?;
        let lat: f64 = a.trim().parse().ok()?;
        let lon: f64 = b.trim().parse().ok()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(LatLon { lat, lon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // London - New York: about 5,570 km.
        let lon = LatLon::new(51.5074, -0.1278);
        let nyc = LatLon::new(40.7128, -74.0060);
        let d = lon.distance_km(nyc);
        assert!((d - 5570.0).abs() < 15.0, "{d}");
        assert_eq!(lon.distance_km(lon), 0.0);
        // Antipodes: half the circumference.
        let a = LatLon::new(0.0, 0.0).distance_km(LatLon::new(0.0, 180.0));
        assert!((a - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
    }

    #[test]
    fn parse_lat_lon() {
        assert_eq!(LatLon::parse("48.85, 2.35"), Some(LatLon::new(48.85, 2.35)));
        assert_eq!(LatLon::parse("91,0"), None);
        assert_eq!(LatLon::parse("Paris"), None);
    }
}
