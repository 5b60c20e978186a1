//! The dependency rules of docs/ARCHITECTURE.md, checked on the source text: no import cycle
//! between files, the engine imports nothing outside itself but the leaf modules, the output
//! layer and the charts never see the command line, and the leaf modules import nothing.
//!
//! An import is a `use` of, or a path through, `crate::` or `super::` (a parent calling its
//! declared child module is structure, not an import). Test modules are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/` but the binary, keyed by its module path.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("main.rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut segments: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
                segments.pop();
            }
            out.insert(segments, path);
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths of one use-tree starting at `s` (`a::b::{c, d::E}`), segments only.
fn use_tree(s: &[char], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        while i < s.len() && s[i].is_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == '{' {
            i += 1;
            loop {
                i = use_tree(s, i, path.clone(), out);
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        if start == i {
            out.push(path);
            return i;
        }
        path.push(s[start..i].iter().collect());
        if s.get(i) == Some(&':') && s.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The crate-relative paths a file names through `crate::` and `super::`.
fn imported_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let text: String = chars.iter().collect();
    let mut out = Vec::new();
    for (anchor, base) in [
        ("crate::", Vec::new()),
        // `super` is the parent module: `a::b` for `a/b/c.rs` and for `a/b/c/mod.rs`.
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(anchor) {
            let at = from + pos;
            let before = text[..at].chars().last();
            from = at + anchor.len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let char_index = text[..from].chars().count();
            let mut found = Vec::new();
            use_tree(&chars, char_index, base.clone(), &mut found);
            out.extend(found);
        }
    }
    out
}

/// The file a crate-relative path lands in: its longest prefix that is a module.
fn resolve(path: &[String], modules: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|prefix| modules.contains_key(prefix))
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut edges = BTreeMap::new();
    for (module, path) in &modules {
        let targets: BTreeSet<Vec<String>> = imported_paths(module, &code(path))
            .iter()
            .filter_map(|p| resolve(p, &modules))
            .filter(|target| target != module)
            .collect();
        edges.insert(module.clone(), targets);
    }
    edges
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("::")
    }
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let edges = graph();
    assert!(edges.len() > 30, "read too few files: {}", edges.len());
    // Depth-first search for any cycle.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            return Some(stack[i..].iter().map(|m| name(m)).collect());
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

/// Every import of the modules under `from` that lands under one of `forbidden`.
fn violations(from: &str, forbidden: &[&str]) -> Vec<String> {
    let edges = graph();
    let mut found = Vec::new();
    for (module, targets) in &edges {
        if module.first().map(String::as_str) != Some(from) {
            continue;
        }
        for target in targets {
            if forbidden.contains(&target.first().map_or("lib", String::as_str)) {
                found.push(format!("{} imports {}", name(module), name(target)));
            }
        }
    }
    found
}

#[test]
fn the_engine_imports_nothing_but_itself_and_the_leaves() {
    let edges = graph();
    let study: Vec<_> = edges
        .keys()
        .filter(|m| m.first().is_some_and(|s| s == "study"))
        .collect();
    assert!(study.len() >= 8, "the engine's files were not read");
    for module in study {
        for target in &edges[module] {
            let top = target.first().map_or("lib", String::as_str);
            assert!(
                ["study", "error", "util"].contains(&top),
                "{} imports {}",
                name(module),
                name(target)
            );
        }
    }
}

#[test]
fn charts_and_exports_never_see_the_command_line() {
    let forbidden = ["options", "cli", "pipeline", "commands", "console", "data"];
    let mut found = violations("chart", &forbidden);
    found.extend(violations("export", &forbidden));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn leaf_modules_import_nothing_of_the_crate() {
    let edges = graph();
    for leaf in ["util", "note", "error"] {
        let targets = &edges[&vec![leaf.to_string()]];
        assert!(targets.is_empty(), "{leaf} imports {targets:?}");
    }
}

#[test]
fn the_import_reader_finds_nested_use_trees() {
    let module = vec!["pipeline".to_string(), "load".to_string()];
    let code = "use crate::data::{align, csv::CsvDirSource};\nuse super::plan::Plan;\nlet x = crate::util::epoch_days(d);";
    let paths = imported_paths(&module, code);
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "data::align",
            "data::csv::CsvDirSource",
            "util::epoch_days",
            "pipeline::plan::Plan"
        ]
    );
}

/// The Python package is a front end, like the CLI: it parses with the CLI's parser, runs the
/// pipeline and hands tables over; it computes nothing (no `study`) and draws nothing (no
/// `chart`) itself.
#[test]
fn the_python_package_is_a_front_end() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/src");
    let mut used = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = code(&path);
        for (i, _) in text.match_indices("eventstudy::") {
            let rest = &text[i + "eventstudy::".len()..];
            let top: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.insert(top);
        }
    }
    assert!(
        used.contains("pipeline"),
        "python/src was not read: {used:?}"
    );
    for forbidden in ["study", "chart"] {
        assert!(
            !used.contains(forbidden),
            "python/src uses eventstudy::{forbidden}"
        );
    }
}
