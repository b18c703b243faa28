//! What `orders estimate|place` orders, and what it costs: one order per
//! scene (`--scenes`, the output of `catalog search`) or one for the area
//! (`--aoi`), the data product resolved through the glossary, and the
//! estimate of each with the total the cost guard reads.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};
use up42::catalog::Scene;
use up42::geojson::{Feature, GeoJson};
use up42::ids::DataProductId;
use up42::orders::{Estimate, NewOrder};

use super::NewOrderArgs;
use crate::failure::Failure;
use crate::table::{Table, Tone};
use crate::values;

/// Credits for people: `13,488`.
pub struct Credits(pub i64);

impl std::fmt::Display for Credits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (at, digit) in digits.chars().enumerate() {
            if at > 0 && (digits.len() - at).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        f.write_str(&grouped)
    }
}

/// One order to estimate or place, and the scene it is for.
pub struct Planned {
    pub order: NewOrder,
    /// The scene's id and collection, with `--scenes`.
    pub scene: Option<(String, String)>,
}

/// The orders the flags describe.
pub async fn orders(client: &up42::Client, args: &NewOrderArgs) -> Result<Vec<Planned>, Failure> {
    let aoi = args
        .aoi
        .as_deref()
        .map(values::aoi)
        .transpose()
        .map_err(Failure::Usage)?;
    let mut products = Products::new(client);
    let mut planned = Vec::new();
    match &args.scenes {
        Some(path) => {
            let chosen = match &args.product {
                Some(product) => Some(products.named(product).await?),
                None => None,
            };
            for scene in read_scenes(path)? {
                let product = match &chosen {
                    Some(product) => product.clone(),
                    None => {
                        products
                            .of_collection(scene.properties.collection.as_str())
                            .await?
                    }
                };
                let mut order = NewOrder::for_scene(&scene, product);
                if let Some(aoi) = &aoi {
                    // Never more than the scene: what lies outside it cannot be delivered.
                    let Some(inside) = aoi.clip_to(&scene.geometry) else {
                        return Err(Failure::Usage(format!(
                            "--aoi does not overlap scene {}: leave it out of --scenes, or widen the area",
                            scene.properties.id
                        )));
                    };
                    order = order.aoi(inside.into_features());
                }
                let facts = (
                    scene.properties.id.to_string(),
                    scene.properties.collection.to_string(),
                );
                planned.push(Planned {
                    order,
                    scene: Some(facts),
                });
            }
        }
        None => {
            let Some(product) = &args.product else {
                return Err(Failure::Usage(
                    "--product: name the data product to order (`up42 collections` shows them)".to_string(),
                ));
            };
            let Some(aoi) = aoi else {
                return Err(Failure::Usage(
                    "--aoi: give the area to order, or --scenes".to_string(),
                ));
            };
            let mut order = NewOrder::new(
                products.named(product).await?,
                "Ordered with up42",
                aoi.into_features(),
            );
            if let Some(params) = &args.params {
                order = order.params(values::json_or_file("--params", params).map_err(Failure::Usage)?);
            }
            planned.push(Planned { order, scene: None });
        }
    }
    Ok(planned.into_iter().map(|p| finish(p, args)).collect())
}

/// `p` with the name, tags and budget the flags give.
fn finish(mut p: Planned, args: &NewOrderArgs) -> Planned {
    if let Some(name) = &args.name {
        p.order = p.order.name(name.as_str());
    }
    if !args.tag.is_empty() {
        p.order = p.order.tags(args.tag.iter().map(String::as_str));
    }
    if let Some(budget) = &args.budget {
        p.order = p.order.budget(budget.as_str());
    }
    p
}

/// The scenes of `--scenes`: a FeatureCollection, a Feature, or a Feature a line.
fn read_scenes(path: &Path) -> Result<Vec<Scene>, Failure> {
    let usage = |message: String| Failure::Usage(format!("--scenes: {message}"));
    let text = values::input("--scenes", path).map_err(Failure::Usage)?;
    let features: Vec<Feature> = match text.parse::<GeoJson>() {
        Ok(GeoJson::FeatureCollection(collection)) => collection.features,
        Ok(GeoJson::Feature(feature)) => vec![feature],
        Ok(GeoJson::Geometry(_)) => {
            return Err(usage(
                "a geometry is no scene; give what `catalog search -o geojson` prints".into(),
            ));
        }
        Err(_) => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(at, line)| match line.parse::<GeoJson>() {
                Ok(GeoJson::Feature(feature)) => Ok(feature),
                _ => Err(usage(format!("line {} is not a GeoJSON Feature", at + 1))),
            })
            .collect::<Result<_, _>>()?,
    };
    if features.is_empty() {
        return Err(usage(format!("{} holds no scene", path.display())));
    }
    features
        .into_iter()
        .enumerate()
        .map(|(at, feature)| {
            Scene::try_from(feature)
                .map_err(|e| usage(format!("feature {}: {}", at + 1, crate::catalog::reason(&e))))
        })
        .collect()
}

/// The data product `text` names: its id, or its name in the glossary.
pub async fn product(client: &up42::Client, text: &str) -> Result<DataProductId, Failure> {
    Products::new(client).named(text).await
}

/// Data products by name or id, and each collection's, from the glossary.
struct Products<'a> {
    client: &'a up42::Client,
    of_collection: HashMap<String, DataProductId>,
}

impl<'a> Products<'a> {
    fn new(client: &'a up42::Client) -> Self {
        Products {
            client,
            of_collection: HashMap::new(),
        }
    }

    /// The product `text` names: an id as it is, else the product of that
    /// name in the glossary.
    async fn named(&mut self, text: &str) -> Result<DataProductId, Failure> {
        let is_id = text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if is_id {
            return Ok(DataProductId::from(text));
        }
        use futures_util::TryStreamExt;
        let collections: Vec<up42::glossary::Collection> =
            self.client.glossary().collections().items().try_collect().await?;
        collections
            .iter()
            .flat_map(|c| &c.data_products)
            .find(|p| p.name.eq_ignore_ascii_case(text))
            .and_then(|p| p.id.clone())
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "--product: `{text}` is not a data product that can be ordered; `up42 collections` lists them"
                ))
            })
    }

    /// The one data product of `collection`.
    async fn of_collection(&mut self, collection: &str) -> Result<DataProductId, Failure> {
        if let Some(product) = self.of_collection.get(collection) {
            return Ok(product.clone());
        }
        let found = self.client.glossary().collection(collection).await?;
        let products: Vec<(&str, DataProductId)> = found
            .data_products
            .iter()
            .filter_map(|p| Some((p.name.as_str(), p.id.clone()?)))
            .collect();
        let product = match products.as_slice() {
            [(_, one)] => one.clone(),
            [] => {
                return Err(Failure::Usage(format!(
                    "collection `{collection}` has no data product to order"
                )));
            }
            many => {
                let names: Vec<&str> = many.iter().map(|(name, _)| *name).collect();
                return Err(Failure::Usage(format!(
                    "collection `{collection}` has several data products ({}): choose one with --product",
                    names.join(", ")
                )));
            }
        };
        self.of_collection.insert(collection.to_string(), product.clone());
        Ok(product)
    }
}

/// The estimates of planned orders.
pub struct Costs {
    rows: Vec<(Option<(String, String)>, Estimate)>,
}

impl Costs {
    /// Estimates each of `planned`.
    pub async fn of(client: &up42::Client, planned: &[Planned]) -> Result<Costs, Failure> {
        let mut rows = Vec::with_capacity(planned.len());
        for p in planned {
            rows.push((p.scene.clone(), client.orders().estimate(&p.order).await?));
        }
        Ok(Costs { rows })
    }

    /// Credits in all.
    pub fn credits(&self) -> i64 {
        self.rows.iter().map(|(_, e)| e.summary.total_credits).sum()
    }

    /// How many orders the features that can be ordered make.
    pub fn orders(&self) -> usize {
        self.rows.iter().map(|(_, e)| e.results.len()).sum()
    }

    /// Prints each refused feature's reason on stderr; whether all were refused.
    pub fn report_refusals(&self) -> bool {
        for (scene, estimate) in &self.rows {
            for refused in &estimate.errors {
                crate::term::note!(
                    "{} cannot be ordered: {}",
                    what(scene, refused.index),
                    reason(refused)
                );
            }
        }
        self.orders() == 0
    }

    /// The estimates as one object: `results` and `errors` (with the scene
    /// and collection where there is one) and the `summary`.
    pub fn json(&self) -> Value {
        let with_scene = |value: Value, scene: &Option<(String, String)>| match (value, scene) {
            (Value::Object(mut fields), Some((id, collection))) => {
                fields.insert("scene".into(), json!(id));
                fields.insert("collection".into(), json!(collection));
                Value::Object(fields)
            }
            (value, _) => value,
        };
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for (scene, estimate) in &self.rows {
            results.extend(estimate.results.iter().map(|r| with_scene(json!(r), scene)));
            errors.extend(estimate.errors.iter().map(|e| with_scene(json!(e), scene)));
        }
        let size: f64 = self.rows.iter().map(|(_, e)| e.summary.total_size).sum();
        let unit = self.rows.first().map(|(_, e)| e.summary.unit.to_string());
        json!({
            "results": results,
            "errors": errors,
            "summary": {"totalCredits": self.credits(), "totalSize": size, "unit": unit},
        })
    }

    /// A row per feature: what it is, its size, its credits or why it was refused.
    pub fn table(&self) -> Table {
        let mut table = Table::new(&["ORDER", "COLLECTION", "SIZE", "CREDITS"]);
        for (scene, estimate) in &self.rows {
            let collection = scene.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            for cost in &estimate.results {
                table.row(vec![
                    (what(scene, cost.index), Tone::Plain),
                    (collection.clone(), Tone::Plain),
                    (format!("{} {}", cost.size, cost.unit), Tone::Plain),
                    (Credits(cost.credits).to_string(), Tone::Plain),
                ]);
            }
            for refused in &estimate.errors {
                table.row(vec![
                    (what(scene, refused.index), Tone::Plain),
                    (collection.clone(), Tone::Plain),
                    (String::new(), Tone::Plain),
                    (format!("refused: {}", reason(refused)), Tone::Bad),
                ]);
            }
        }
        table.row(vec![
            ("TOTAL".into(), Tone::Plain),
            (String::new(), Tone::Plain),
            (String::new(), Tone::Plain),
            (Credits(self.credits()).to_string(), Tone::Plain),
        ]);
        table
    }
}

/// Why a feature was refused: UP42's message, and its details where they
/// are words (UP42's message alone is often just "Failed").
pub fn reason(refused: &up42::orders::OrderError) -> String {
    match refused.details.as_str().filter(|d| !d.is_empty()) {
        Some(details) => format!("{}: {details}", refused.message),
        None => refused.message.clone(),
    }
}

/// A feature as a person knows it: its scene, or its place in the area.
fn what(scene: &Option<(String, String)>, index: usize) -> String {
    match scene {
        Some((id, _)) => format!("scene {id}"),
        None => format!("feature {index}"),
    }
}

#[cfg(test)]
mod tests {
    use super::Credits;

    #[test]
    fn credits_are_grouped_by_thousands() {
        let shown: Vec<String> = [0, 999, 1_240, 13_488, 1_000_000, -2_500]
            .into_iter()
            .map(|n| Credits(n).to_string())
            .collect();
        assert_eq!(shown, ["0", "999", "1,240", "13,488", "1,000,000", "-2,500"]);
    }
}
