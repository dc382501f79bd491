//! Keeps the top-level modules of `src/` layered: a module may use only modules below it, so
//! each can be read, and changed, knowing only what is under it. The test reads the sources,
//! maps each file to its top-level module (`src/bridge/channel.rs` is `bridge`), collects the
//! `crate::<module>` paths in its code (comments do not count, `super::` stays inside a module)
//! and fails naming a cycle, with where each of its steps is, if the graph has one. The crate
//! root (`lib.rs`) is left out: it only declares the modules and registers the addon.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a module uses another: the file and line of the first such path.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn the_top_level_modules_form_no_cycle() {
  let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
  let mut files = Vec::new();
  rust_files(&src, &mut files);
  let module_of = |file: &Path| -> Option<String> {
    let relative = file.strip_prefix(&src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let module = first.strip_suffix(".rs").unwrap_or(first);
    (module != "lib").then(|| module.to_string())
  };
  let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
  assert!(
    modules.contains("registry"),
    "no modules found under {}",
    src.display()
  );

  let mut edges = Edges::new();
  for file in &files {
    let Some(from) = module_of(file) else {
      continue;
    };
    let text = std::fs::read_to_string(file).expect("a source file is readable");
    let uses = edges.entry(from.clone()).or_default();
    for (line, used) in crate_paths(&strip_comments(&text)) {
      if used != from && modules.contains(&used) {
        let place = format!(
          "{}:{line}",
          file.strip_prefix(&src).unwrap_or(file).display()
        );
        uses.entry(used).or_insert(place);
      }
    }
  }

  if let Some(cycle) = find_cycle(&edges) {
    let steps: Vec<String> = cycle
      .windows(2)
      .map(|w| format!("  {} -> {} (src/{})", w[0], w[1], edges[&w[0]][&w[1]]))
      .collect();
    panic!(
      "the top-level modules of src/ use each other in a circle:\n{}",
      steps.join("\n")
    );
  }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
  let entries = std::fs::read_dir(dir).expect("src/ is readable");
  for entry in entries {
    let path = entry.expect("a directory entry of src/").path();
    if path.is_dir() {
      rust_files(&path, out);
    } else if path.extension().is_some_and(|e| e == "rs") {
      out.push(path);
    }
  }
}

/// The text without `//` and `/* */` comments (doc comments included: a doc link is no
/// dependency), keeping the line breaks so that line numbers still hold. String literals are
/// kept as they are; none of the crate's has `//` before a path that matters.
fn strip_comments(text: &str) -> String {
  let mut out = String::with_capacity(text.len());
  let mut rest = text;
  while !rest.is_empty() {
    if let Some(after) = rest.strip_prefix("//") {
      let end = after.find('\n').unwrap_or(after.len());
      rest = &after[end..];
    } else if let Some(after) = rest.strip_prefix("/*") {
      let end = after.find("*/").map_or(after.len(), |i| i + 2);
      out.extend(after[..end].chars().filter(|&c| c == '\n'));
      rest = &after[end..];
    } else {
      let c = rest.chars().next().unwrap_or_default();
      out.push(c);
      rest = &rest[c.len_utf8()..];
    }
  }
  out
}

/// The top-level module of each `crate::` path in `code`, with its line: `crate::a::b` gives
/// `a`, `crate::{a, b::c}` gives `a` and `b`. `$crate::` in a macro counts as well.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
  let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
  let mut found = Vec::new();
  for (at, _) in code.match_indices("crate::") {
    if code[..at].chars().next_back().is_some_and(is_ident) {
      continue;
    }
    let line = code[..at].matches('\n').count() + 1;
    let after = &code[at + "crate::".len()..];
    let names: Vec<&str> = match after.strip_prefix('{') {
      Some(group) => top_level_items(group)
        .into_iter()
        .map(|item| item.trim_start())
        .collect(),
      None => vec![after],
    };
    for name in names {
      let end = name.find(|c: char| !is_ident(c)).unwrap_or(name.len());
      if end > 0 {
        found.push((line, name[..end].to_string()));
      }
    }
  }
  found
}

/// The comma-separated items of a `{...}` group whose opening brace is already consumed, up
/// to its closing brace.
fn top_level_items(group: &str) -> Vec<&str> {
  let mut items = Vec::new();
  let (mut depth, mut start) = (0usize, 0);
  for (i, c) in group.char_indices() {
    match c {
      '{' => depth += 1,
      '}' if depth == 0 => {
        items.push(&group[start..i]);
        return items;
      }
      '}' => depth -= 1,
      ',' if depth == 0 => {
        items.push(&group[start..i]);
        start = i + 1;
      }
      _ => {}
    }
  }
  items
}

/// A cycle of the graph, as the modules along it with the first repeated at the end.
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
  fn visit(
    module: &str,
    edges: &Edges,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
  ) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|m| m == module) {
      let mut cycle = path[at..].to_vec();
      cycle.push(module.to_string());
      return Some(cycle);
    }
    if done.contains(module) {
      return None;
    }
    path.push(module.to_string());
    for used in edges.get(module).into_iter().flat_map(|uses| uses.keys()) {
      if let Some(cycle) = visit(used, edges, path, done) {
        return Some(cycle);
      }
    }
    path.pop();
    done.insert(module.to_string());
    None
  }
  let mut done = BTreeSet::new();
  edges
    .keys()
    .find_map(|module| visit(module, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_checker_reads_paths_and_finds_cycles() {
  let code = strip_comments(
    "use crate::{a, b::{c, d}};\n// crate::commented\nlet x = $crate::e::f();\nmy_crate::g;\n",
  );
  let names: Vec<String> = crate_paths(&code).into_iter().map(|(_, m)| m).collect();
  assert_eq!(names, ["a", "b", "e"]);

  let graph = |pairs: &[(&str, &str)]| {
    let mut edges = Edges::new();
    for (from, to) in pairs {
      edges
        .entry(from.to_string())
        .or_default()
        .insert(to.to_string(), String::new());
    }
    edges
  };
  assert_eq!(
    find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
    None
  );
  assert_eq!(
    find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
    Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
  );
}
