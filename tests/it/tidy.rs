//! Tidy checks of the source tree (in the spirit of rust-analyzer's `tidy` tests): rules of the
//! architecture that the compiler does not enforce, checked on the text of `src/`.
//!
//! - **Size**: no `.rs` file under `src/` has more than [`MAX_LINES`] lines.
//! - **Layering**: every `use crate::…`, `crate::…`, `super::…` and `self::…` path is resolved to
//!   the module it names (the deepest module file of the path; items of the crate root,
//!   `crate::Error` and `crate::Result`, are `error`'s re-exports). A top-level module may use
//!   only modules of a *lower* layer in [`LAYERS`] (the layering stated in `src/lib.rs`); a
//!   top-level module missing from the table is an error.
//! - **No cycles between siblings**: inside a module, its child modules (files `x.rs` or folders
//!   `x/`, a folder counting as one node) must not use each other in a cycle. The parent
//!   (`mod.rs`) is not a sibling: it may use its children, and a child may use items defined
//!   in its ancestors' `mod.rs` (the types a module is about live there; its children implement
//!   it). So an edge from a module to one of its ancestors or descendants is always allowed.
//!
//! Comments are ignored (doc links may point anywhere), and so are `#[cfg(test)]` items: unit
//! tests may use the whole crate, as integration tests do. `main.rs` only uses `refgap::`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest allowed source file, in lines.
const MAX_LINES: usize = 600;

/// The layers of the crate, lowest first: a module may use only modules before it.
const LAYERS: [&str; 9] = [
    "error", "vocab", "scenario", "model", "stats", "engine", "exact", "report", "cli",
];

type Module = Vec<String>;

struct SourceFile {
    path: PathBuf,
    module: Module,
    text: String,
}

/// One resolved use of a module by another.
struct Edge {
    from: Module,
    to: Module,
    at: String,
}

#[test]
fn files_are_small_and_modules_are_layered_without_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let files = read_sources(&src);
    let modules: BTreeSet<Module> = files.iter().map(|f| f.module.clone()).collect();
    let mut failures = Vec::new();

    for f in &files {
        let lines = f.text.lines().count();
        if lines > MAX_LINES {
            failures.push(format!(
                "{} has {lines} lines (at most {MAX_LINES}): split it by responsibility",
                f.path.strip_prefix(root).unwrap_or(&f.path).display()
            ));
        }
    }

    let edges: Vec<Edge> = files.iter().flat_map(|f| edges_of(f, &modules, root)).collect();
    let mut siblings: BTreeMap<Module, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    let mut unknown = BTreeSet::new();
    for e in &edges {
        let common = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
        if common == e.from.len() || common == e.to.len() {
            continue; // ancestor or descendant
        }
        if common == 0 {
            let (a, b) = (&e.from[0], &e.to[0]);
            match (layer(a), layer(b)) {
                (Some(la), Some(lb)) if la > lb => {}
                (Some(_), Some(_)) => failures.push(format!(
                    "{}: `{a}` uses `{}`, but `{b}` is not in a lower layer than `{a}` ({})",
                    e.at,
                    e.to.join("::"),
                    LAYERS.join(" < ")
                )),
                (la, lb) => {
                    for (m, l) in [(a, la), (b, lb)] {
                        if l.is_none() && unknown.insert(m.clone()) {
                            failures.push(format!(
                                "top-level module `{m}` has no layer; add it to LAYERS and to the crate docs"
                            ));
                        }
                    }
                }
            }
            continue;
        }
        let parent = e.from[..common].to_vec();
        siblings
            .entry(parent)
            .or_default()
            .entry(e.from[common].clone())
            .or_default()
            .entry(e.to[common].clone())
            .or_insert_with(|| e.at.clone());
    }
    for (parent, graph) in &siblings {
        for component in cycles(graph) {
            let mut steps = Vec::new();
            for a in &component {
                for (b, at) in &graph[a] {
                    if component.contains(b) {
                        steps.push(format!("  {a} -> {b} ({at})"));
                    }
                }
            }
            failures.push(format!(
                "the children of `{}` use each other in a cycle ({}):\n{}",
                parent.join("::"),
                component.iter().cloned().collect::<Vec<_>>().join(", "),
                steps.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "tidy found {} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn layer(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == m)
}

/// Every `.rs` file under `src/` except `main.rs`, with its module path.
fn read_sources(src: &Path) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut module: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            let last = module.pop().unwrap();
            match last.as_str() {
                "main.rs" if module.is_empty() => continue,
                "lib.rs" if module.is_empty() => {}
                "mod.rs" => {}
                file => module.push(file.trim_end_matches(".rs").to_owned()),
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(SourceFile { path, module, text });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The code of a file without comments and `#[cfg(test)]` items, as `(line number, code)`.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut skip_until: Option<String> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(end) = &skip_until {
            if line == end {
                skip_until = None;
            }
            i += 1;
            continue;
        }
        if line.trim() == "#[cfg(test)]" {
            // rustfmt closes an item at the indentation of its attribute.
            let indent = &line[..line.len() - line.trim_start().len()];
            let item = lines.get(i + 1).copied().unwrap_or("");
            if !item.trim_end().ends_with(';') {
                skip_until = Some(format!("{indent}}}"));
            }
            i += 2;
            continue;
        }
        out.push((i + 1, strip_comment(line)));
        i += 1;
    }
    out
}

/// The line without its `//` comment (a `//` inside a string literal is kept).
fn strip_comment(line: &str) -> String {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return line[..i].to_owned(),
            _ => {}
        }
    }
    line.to_owned()
}

/// The modules a file uses, through `use` declarations and paths written inline.
fn edges_of(f: &SourceFile, modules: &BTreeSet<Module>, root: &Path) -> Vec<Edge> {
    let lines = code_lines(&f.text);
    let mut paths: Vec<(usize, String)> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let (n, line) = &lines[k];
        let trimmed = line.trim_start();
        let decl = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        if let Some(rest) = decl {
            let mut tree = rest.to_owned();
            while !tree.contains(';') && k + 1 < lines.len() {
                k += 1;
                tree.push_str(&lines[k].1);
            }
            let tree: String = tree
                .split(';')
                .next()
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            paths.extend(expand_use(&tree).into_iter().map(|p| (*n, p)));
        } else {
            paths.extend(inline_paths(line).into_iter().map(|p| (*n, p)));
        }
        k += 1;
    }
    let mut out = Vec::new();
    for (n, p) in paths {
        if let Some(to) = resolve(&f.module, &p, modules)
            && to != f.module
            && !out
                .iter()
                .any(|e: &Edge| e.to == to && e.at.ends_with(&format!(":{n}")))
        {
            out.push(Edge {
                from: f.module.clone(),
                to,
                at: format!("{}:{n}", f.path.strip_prefix(root).unwrap_or(&f.path).display()),
            });
        }
    }
    out
}

/// `a::{b, c::{d, e}}` -> `a::b`, `a::c::d`, `a::c::e` (whitespace already removed).
fn expand_use(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(p).into_iter().map(move |s| format!("{prefix}{s}")))
        .collect()
}

/// Paths starting with `crate::`, `super::` or `self::` written inside code.
fn inline_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = line[from..].find(start).map(|i| i + from) {
            from = i + start.len();
            let ident_before =
                i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
            if ident_before {
                continue;
            }
            let end = line[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(line.len(), |e| e + i);
            out.push(line[i..end].to_owned());
        }
    }
    out
}

/// The module a path names, seen from `from`: the deepest module file along the path. `None`
/// for paths outside the crate (other crates, local names).
fn resolve(from: &Module, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segments = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut at: Module = match *segments.peek()? {
        "crate" => Vec::new(),
        "super" | "self" => from.clone(),
        _ => return None,
    };
    if segments.peek() == Some(&"crate") {
        segments.next();
    }
    let mut rest = Vec::new();
    for s in segments {
        match s {
            "self" if rest.is_empty() => {}
            "super" if rest.is_empty() => {
                at.pop();
            }
            _ => rest.push(s),
        }
    }
    for &s in &rest {
        let mut next = at.clone();
        next.push(s.to_owned());
        if modules.contains(&next) {
            at = next;
        } else {
            break;
        }
    }
    if at.is_empty() && !rest.is_empty() {
        // The crate root holds only `error`'s re-exports (`crate::Error`, `crate::Result`).
        return Some(vec!["error".to_owned()]);
    }
    (!at.is_empty()).then_some(at)
}

/// The strongly connected components of the graph that have more than one node: each is a set
/// of modules that use each other in a cycle. (The graphs are small: reachability by search.)
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for next in graph.get(&n).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|n| (n, reach(n))).collect();
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for (n, r) in &reachable {
        if !r.contains(*n) || out.iter().any(|c| c.contains(*n)) {
            continue;
        }
        let component = r
            .iter()
            .filter(|m| reachable.get(m).is_some_and(|back| back.contains(*n)))
            .cloned()
            .collect();
        out.push(component);
    }
    out
}
