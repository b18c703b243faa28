//! Every operation of UP42's endpoint catalogue has a typed method in the
//! `up42` crate, or stands in `up42::toolkit::untyped::UNTYPED` with its reason;
//! never both, and the list holds nothing the catalogue does not know.

use std::collections::BTreeSet;

use up42_catalogue::{Method, bundled, shape};

/// The `(method, shape)` of every `#[up42_endpoint]` in the typed crate's sources.
fn typed() -> BTreeSet<(Method, Vec<String>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("up42/src");
    crate::declarations::declared(&dir)
        .into_iter()
        .map(|(method, template)| (method.parse().unwrap(), shape(&template)))
        .collect()
}

#[test]
fn every_catalogue_operation_is_typed_or_listed_with_a_reason() {
    let typed = typed();
    let untyped: BTreeSet<(Method, Vec<String>)> = up42::toolkit::untyped::UNTYPED
        .iter()
        .map(|u| (u.method.parse().unwrap(), shape(u.path)))
        .collect();
    assert_eq!(
        untyped.len(),
        up42::toolkit::untyped::UNTYPED.len(),
        "an endpoint listed twice"
    );
    let mut missing = Vec::new();
    for operation in &bundled().operations {
        let key = (operation.method, operation.shape.clone());
        match (typed.contains(&key), untyped.contains(&key)) {
            (true, true) => panic!(
                "{} {} is typed and listed as untyped",
                operation.method, operation.template
            ),
            (false, false) => missing.push(format!("{} {}", operation.method, operation.template)),
            _ => {}
        }
    }
    assert!(missing.is_empty(), "neither typed nor listed: {missing:#?}");
    for (method, shape) in untyped.iter().chain(&typed) {
        assert!(
            bundled()
                .operations
                .iter()
                .any(|o| o.method == *method && &o.shape == shape),
            "{method} {shape:?} is not in the catalogue"
        );
    }
    assert!(
        up42::toolkit::untyped::UNTYPED
            .iter()
            .all(|u| !u.reason.is_empty())
    );
    assert!(
        typed.len() >= 39,
        "the 39 priority-1 endpoints at least: {}",
        typed.len()
    );
}
