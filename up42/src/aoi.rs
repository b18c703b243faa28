//! Areas of interest, checked before they are sent: UP42 refuses an area
//! with open rings, coordinates out of range or edges that cross, and an
//! area drawn across the antimeridian covers the other side of the Earth.
//! [`Aoi::check`] finds all of that at once, with the vertex count and the
//! area in km² (geodesic); [`Aoi::union`] merges several features into one
//! and [`Aoi::simplify`] reduces the vertices.
//!
//! ```
//! use up42::aoi::Aoi;
//!
//! let text = r#"{"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6], [13.3, 52.4]]]}"#;
//! let aoi = Aoi::from_geojson(text.parse().unwrap());
//! let check = aoi.check();
//! assert!(check.is_ok(), "{:?}", check.problems);
//! assert_eq!(check.vertices, 4);
//! assert!((check.area_km2 - 304.0).abs() < 5.0);
//! ```

use std::fmt;

use geo::{BooleanOps, GeodesicArea, Simplify, Validation};
use geojson::{Feature, FeatureCollection, GeoJson, Geometry, GeometryValue, PolygonType, Position};
use serde::Serialize;

/// An area of interest: the features of a GeoJSON file.
#[derive(Debug, Clone)]
pub struct Aoi {
    features: FeatureCollection,
}

/// What [`Aoi::check`] found.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AoiCheck {
    /// How many features have a geometry.
    pub features: usize,
    /// The vertices of every ring (the closing one not counted).
    pub vertices: usize,
    /// The geodesic area, in km² (of the well-formed polygons).
    pub area_km2: f64,
    /// Whether a polygon spans more than 180° of longitude: drawn across
    /// the antimeridian, it would cover the other side of the Earth.
    pub crosses_antimeridian: bool,
    /// What is wrong; empty for an area that can be sent.
    pub problems: Vec<AoiProblem>,
}

impl AoiCheck {
    /// Whether the area can be sent as it is.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Something wrong with an area of interest; `feature` counts from 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AoiProblem {
    /// No feature has a geometry.
    NoGeometry,
    /// Several features, where one area is sent: merge them with [`Aoi::union`].
    SeveralFeatures {
        /// How many.
        count: usize,
    },
    /// A geometry that is no area (a point, a line).
    NotAnArea {
        /// Which feature.
        feature: usize,
        /// Its GeoJSON type.
        kind: String,
    },
    /// A ring with fewer than four positions, or whose last is not its first.
    RingNotClosed {
        /// Which feature.
        feature: usize,
    },
    /// A position outside longitude −180..180 or latitude −90..90.
    OutOfRange {
        /// Which feature.
        feature: usize,
        /// The longitude.
        lon: f64,
        /// The latitude.
        lat: f64,
    },
    /// Edges that cross, or another invalidity `geo` names.
    Invalid {
        /// Which feature.
        feature: usize,
        /// What `geo` found.
        reason: String,
    },
    /// A polygon across the antimeridian: split it at ±180°.
    CrossesAntimeridian {
        /// Which feature.
        feature: usize,
    },
}

impl fmt::Display for AoiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AoiProblem::NoGeometry => f.write_str("no feature has a geometry"),
            AoiProblem::SeveralFeatures { count } => {
                write!(f, "{count} features where one area is sent: merge them (union)")
            }
            AoiProblem::NotAnArea { feature, kind } => {
                write!(f, "feature {feature} is a {kind}, not an area")
            }
            AoiProblem::RingNotClosed { feature } => {
                write!(
                    f,
                    "feature {feature} has a ring that is not closed (its last position must be its first)"
                )
            }
            AoiProblem::OutOfRange { feature, lon, lat } => write!(
                f,
                "feature {feature} has the position [{lon}, {lat}], outside longitude -180..180 or latitude -90..90"
            ),
            AoiProblem::Invalid { feature, reason } => write!(f, "feature {feature} is invalid: {reason}"),
            AoiProblem::CrossesAntimeridian { feature } => write!(
                f,
                "feature {feature} spans more than 180° of longitude: drawn across the antimeridian, split it at ±180°"
            ),
        }
    }
}

impl Aoi {
    /// The area of `features`.
    pub fn new(features: FeatureCollection) -> Aoi {
        Aoi { features }
    }

    /// The area of any GeoJSON: a FeatureCollection, a Feature or a geometry.
    pub fn from_geojson(geojson: GeoJson) -> Aoi {
        Aoi::new(match geojson {
            GeoJson::FeatureCollection(collection) => collection,
            GeoJson::Feature(feature) => FeatureCollection::from_iter([feature]),
            GeoJson::Geometry(geometry) => FeatureCollection::from_iter([Feature::from(geometry)]),
        })
    }

    /// Its features.
    pub fn features(&self) -> &FeatureCollection {
        &self.features
    }

    /// Its features, to send.
    pub fn into_features(self) -> FeatureCollection {
        self.features
    }

    /// The geometries of the features that have one.
    fn geometries(&self) -> impl Iterator<Item = &Geometry> {
        self.features.features.iter().filter_map(|f| f.geometry.as_ref())
    }

    /// Every problem of the area, its vertices and its area.
    pub fn check(&self) -> AoiCheck {
        let mut check = AoiCheck {
            features: self.geometries().count(),
            vertices: 0,
            area_km2: 0.0,
            crosses_antimeridian: false,
            problems: Vec::new(),
        };
        match check.features {
            0 => check.problems.push(AoiProblem::NoGeometry),
            1 => {}
            count => check.problems.push(AoiProblem::SeveralFeatures { count }),
        }
        for (at, geometry) in self.geometries().enumerate() {
            check_one(at + 1, geometry, &mut check);
        }
        check
    }

    /// The features merged into one: a Polygon, or a MultiPolygon of the
    /// parts that do not touch. Geometries that are no area are dropped.
    pub fn union(self) -> Aoi {
        Aoi::from_geojson(GeoJson::Geometry(geometry(&self.merged())))
    }

    /// The features' areas merged, as `geo`'s type.
    fn merged(&self) -> geo::MultiPolygon<f64> {
        let polygons: Vec<geo::MultiPolygon<f64>> = self.geometries().filter_map(multi_polygon).collect();
        geo::unary_union(polygons.iter())
    }

    /// The part of the area inside `footprint` (a scene's), as one feature:
    /// what an order of that scene can cover, never more than the scene.
    /// `None` when they do not overlap, or either is no area.
    pub fn clip_to(&self, footprint: &Geometry) -> Option<Aoi> {
        let inside = self.merged().intersection(&multi_polygon(footprint)?);
        match inside.0.is_empty() {
            true => None,
            false => Some(Aoi::from_geojson(GeoJson::Geometry(geometry(&inside)))),
        }
    }

    /// Each area with fewer vertices: none moves farther than `tolerance`
    /// degrees from the outline (Ramer–Douglas–Peucker).
    pub fn simplify(mut self, tolerance: f64) -> Aoi {
        for feature in &mut self.features.features {
            if let Some(simpler) = feature.geometry.as_ref().and_then(multi_polygon) {
                feature.geometry = Some(geometry(&simpler.simplify(tolerance)));
            }
        }
        self
    }
}

/// The polygons of an area geometry, as `geo`'s type.
fn multi_polygon(geometry: &Geometry) -> Option<geo::MultiPolygon<f64>> {
    match geo::Geometry::<f64>::try_from(geometry.value.clone()).ok()? {
        geo::Geometry::Polygon(polygon) => Some(geo::MultiPolygon(vec![polygon])),
        geo::Geometry::MultiPolygon(polygons) => Some(polygons),
        _ => None,
    }
}

/// `polygons` as GeoJSON: a Polygon when there is one, else a MultiPolygon.
fn geometry(polygons: &geo::MultiPolygon<f64>) -> Geometry {
    match polygons.0.as_slice() {
        [one] => Geometry::from(one),
        _ => Geometry::from(polygons),
    }
}

/// A position's longitude and latitude (NaN where it has none).
fn lon_lat(position: &Position) -> (f64, f64) {
    let at = |i: usize| position.as_slice().get(i).copied().unwrap_or(f64::NAN);
    (at(0), at(1))
}

/// The checks of feature `at`'s geometry, added to `check`.
fn check_one(at: usize, geometry: &Geometry, check: &mut AoiCheck) {
    let polygons: Vec<&PolygonType> = match &geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            let kind = other.type_name().to_string();
            check.problems.push(AoiProblem::NotAnArea { feature: at, kind });
            return;
        }
    };
    let before = check.problems.len();
    for ring in polygons.iter().flat_map(|rings| rings.iter()) {
        check.vertices += ring.len().saturating_sub(1);
        if ring.len() < 4 || ring.first() != ring.last() {
            check.problems.push(AoiProblem::RingNotClosed { feature: at });
        }
        let outside = ring
            .iter()
            .map(lon_lat)
            .find(|(lon, lat)| !(-180.0..=180.0).contains(lon) || !(-90.0..=90.0).contains(lat));
        if let Some((lon, lat)) = outside {
            check.problems.push(AoiProblem::OutOfRange {
                feature: at,
                lon,
                lat,
            });
        }
        let lons = ring.iter().map(|p| lon_lat(p).0).filter(|lon| !lon.is_nan());
        let (west, east) = lons.fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), lon| {
            (w.min(lon), e.max(lon))
        });
        if east - west > 180.0 && !check.crosses_antimeridian {
            check.crosses_antimeridian = true;
            check
                .problems
                .push(AoiProblem::CrossesAntimeridian { feature: at });
        }
    }
    if check.problems.len() > before {
        return;
    }
    let Some(area) = multi_polygon(geometry) else {
        return;
    };
    match area.check_validation() {
        Ok(()) => check.area_km2 += area.geodesic_area_unsigned() / 1e6,
        Err(reason) => check.problems.push(AoiProblem::Invalid {
            feature: at,
            reason: reason.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aoi(text: &str) -> Aoi {
        Aoi::from_geojson(text.parse().unwrap())
    }

    const BERLIN: &str = r#"{"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6], [13.3, 52.4]]]}"#;

    #[test]
    fn a_good_area_has_its_vertices_and_area() {
        let check = aoi(BERLIN).check();
        assert!(check.is_ok(), "{:?}", check.problems);
        assert_eq!((check.features, check.vertices), (1, 4));
        assert!((300.0..310.0).contains(&check.area_km2), "{}", check.area_km2);
    }

    #[test]
    fn each_problem_is_found_and_named() {
        let cases = [
            (
                r#"{"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6]]]}"#,
                "not closed",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[200, 52.4], [13.5, 52.4], [13.5, 52.6], [200, 52.4]]]}"#,
                "outside longitude",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}"#,
                "is invalid",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]]]}"#,
                "antimeridian",
            ),
            (r#"{"type": "Point", "coordinates": [13.3, 52.4]}"#, "not an area"),
        ];
        for (text, says) in cases {
            let check = aoi(text).check();
            assert!(!check.is_ok(), "{text}");
            let shown: Vec<String> = check.problems.iter().map(ToString::to_string).collect();
            assert!(shown.iter().any(|p| p.contains(says)), "{says}: {shown:?}");
        }
    }

    #[test]
    fn several_features_are_refused_until_merged() {
        let two = format!(
            r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature", "properties": {{}}, "geometry": {BERLIN}}}, {{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Polygon", "coordinates": [[[13.4, 52.5], [13.7, 52.5], [13.7, 52.7], [13.4, 52.7], [13.4, 52.5]]]}}}}]}}"#
        );
        let several = aoi(&two);
        assert_eq!(
            several.check().problems,
            [AoiProblem::SeveralFeatures { count: 2 }]
        );
        let merged = several.union();
        let check = merged.check();
        assert!(check.is_ok(), "{:?}", check.problems);
        assert_eq!(check.features, 1);
        assert!(
            check.area_km2 > 304.0,
            "the union is larger than either: {}",
            check.area_km2
        );
    }

    #[test]
    fn an_area_clipped_to_a_footprint_is_never_larger_than_it() {
        let footprint: Geometry = r#"{"type": "Polygon", "coordinates": [[[13.4, 52.5], [13.6, 52.5], [13.6, 52.7], [13.4, 52.7], [13.4, 52.5]]]}"#.parse().unwrap();
        let clipped = aoi(BERLIN).clip_to(&footprint).unwrap();
        let check = clipped.check();
        assert!(check.is_ok(), "{:?}", check.problems);
        // A quarter of Berlin's box: 0.1° x 0.1° of the 0.2° x 0.2°.
        let whole = aoi(BERLIN).check().area_km2;
        assert!(
            (check.area_km2 / whole - 0.25).abs() < 0.01,
            "{} of {whole}",
            check.area_km2
        );
        let away: Geometry =
            r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}"#
                .parse()
                .unwrap();
        assert!(aoi(BERLIN).clip_to(&away).is_none(), "no overlap, no area");
    }

    #[test]
    fn simplifying_drops_vertices_within_the_tolerance() {
        let mut ring: Vec<[f64; 2]> = (0..=100)
            .map(|i| [13.3 + 0.002 * f64::from(i), 52.4 + 0.00001 * f64::from(i % 2)])
            .collect();
        ring.extend([[13.5, 52.6], [13.3, 52.6], [13.3, 52.4]]);
        let text = serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string();
        let dense = aoi(&text);
        assert!(dense.check().vertices > 100);
        let simple = dense.simplify(0.001);
        let check = simple.check();
        assert!(check.is_ok(), "{:?}", check.problems);
        assert!(check.vertices <= 5, "{}", check.vertices);
    }
}
