//! The crates' modules import down only: no module imports one that leads
//! back to it, and the leaves import nothing of their crate. Read from the
//! sources, so a new import circle fails here before anyone builds on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules a piece of source imports: `crate::x` and every
/// `x` of `crate::{x, y::z}`, comments left out.
fn imported(text: &str, module: &str, used: &mut BTreeSet<String>) {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let name_at = |rest: &str| -> String {
        rest.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + 7..];
        let names: Vec<String> = match rest.strip_prefix('{') {
            // One level of a group is enough: its items start with module names.
            Some(group) => {
                let mut depth = 0;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        depth < 0
                    })
                    .map_or(group.len(), |(i, _)| i);
                let mut items = Vec::new();
                let mut depth = 0;
                let mut start = 0;
                for (i, c) in group[..end].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(name_at(&group[start..i]));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                items.push(name_at(&group[start..end]));
                items
            }
            None => vec![name_at(rest)],
        };
        for name in names {
            if !name.is_empty() && name != module && !name.starts_with(char::is_uppercase) && name != "self" {
                // Constants (`PASSWORD`) are items of the root, not modules.
                if name.chars().any(|c| c.is_ascii_lowercase()) {
                    used.insert(name);
                }
            }
        }
    }
}

/// The top-level modules of the crate at `dir` and the ones each imports.
fn imports(dir: &str) -> Graph {
    fn visit(path: &Path, module: &str, graph: &mut Graph) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                visit(&entry.unwrap().path(), module, graph);
            }
            return;
        }
        let text = std::fs::read_to_string(path).unwrap();
        imported(&text, module, graph.entry(module.to_string()).or_default());
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join("src");
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if name != "lib" {
            visit(&path, &name, &mut graph);
        }
    }
    graph
}

/// Whether `to` is reachable from `from`.
fn reaches(graph: &Graph, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
    if from == to {
        return true;
    }
    if !seen.insert(from.to_string()) {
        return false;
    }
    graph
        .get(from)
        .into_iter()
        .flatten()
        .any(|next| reaches(graph, next, to, seen))
}

/// Fails naming the first import that leads back, and any leaf that imports.
fn import_down_only(dir: &str, leaves: &[&str]) {
    let graph = imports(dir);
    for (module, used) in &graph {
        for other in used {
            assert!(
                !reaches(&graph, other, module, &mut BTreeSet::new()),
                "{dir}: `{module}` imports `{other}`, which leads back to `{module}`: {graph:#?}"
            );
        }
    }
    for leaf in leaves {
        assert_eq!(graph[*leaf], BTreeSet::new(), "{dir}: `{leaf}` is a leaf");
    }
}

#[test]
fn up42_auth_modules_import_down_only() {
    import_down_only("up42-auth", &["defaults", "redirect", "private", "query"]);
}

#[test]
fn typed_client_modules_import_down_only() {
    import_down_only("up42", &["enums", "ids", "toolkit", "wait"]);
}

#[test]
fn testkit_modules_import_down_only() {
    import_down_only("up42-testkit", &["lock", "route", "tls", "jwt", "counters"]);
}

#[test]
fn the_check_sees_groups_and_circles() {
    let mut used = BTreeSet::new();
    imported(
        "use crate::{a::B, b, c::{d, e}};\n// crate::commented\nuse crate::f::G;\nuse crate::{PASSWORD};",
        "z",
        &mut used,
    );
    assert_eq!(used, BTreeSet::from(["a", "b", "c", "f"].map(String::from)));
    let circle = Graph::from([
        ("x".to_string(), BTreeSet::from(["y".to_string()])),
        ("y".to_string(), BTreeSet::from(["x".to_string()])),
    ]);
    assert!(reaches(&circle, "y", "x", &mut BTreeSet::new()));
}
