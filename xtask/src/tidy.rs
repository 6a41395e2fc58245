//! `cargo xtask tidy`: the repository's own rules, checked on the files alone (nothing is
//! built). The first step of `cargo xtask test`; also runs by itself.
//!
//! 1. Every path `ARCHITECTURE.md` names exists. A name is a backticked token (outside fenced
//!    code blocks) that contains a `/` or ends in a known file extension (`.rs`, `.toml`,
//!    `.md`, `.html`, `.ftl`, `.yaml`, `.yml`, `.py`, `.txt`, `.csv`, `.json`, `.sh`) after a
//!    file name (`.csv` alone is a format). Only tokens made of ASCII letters, digits, `_`,
//!    `-`, `.` and `/` count: not globs and templates (`*`, `{`, `<`, `…`), commands (spaces),
//!    formulas or media types (`(`, `+`); nor tokens with `http`, starting with `/` (routes
//!    such as `/api/v1/…`) or with `--` (flags). A name may be relative to the root, to
//!    `crates/`, to any of `crates/*/`, `crates/*/src/`, `crates/*/src/*/`,
//!    `crates/*/tests/it/`, `crates/*/templates/`, `crates/*/locales/*/`, or to `bench/*/`;
//!    so a map that names `tickets/service.rs` under a crate's heading is fine.
//! 2. `ARCHITECTURE.md` has at most 250 lines.
//! 3. Every Rust file under `crates/*/src/`, `crates/*/tests/`, `crates/*/benches/` and
//!    `xtask/src/` starts with a `//!` line (its first line, nothing before it).
//! 4. No `.rs` file under `crates/` or `xtask/` but `crates/kefu-model/src/clock.rs`, the
//!    project's one clock, contains the text `Utc::now` + `()` (chrono's wall clock; comments
//!    count too).
//!
//! Findings are printed grouped by rule, with counts, and make the task fail.

use crate::root;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The most lines `ARCHITECTURE.md` may have.
const MAX_ARCHITECTURE_LINES: usize = 250;

/// The file allowed to read the wall clock.
const CLOCK_FILE: &str = "crates/kefu-model/src/clock.rs";

/// The wall-clock call, spelled in two halves so this file does not contain it.
const WALL_CLOCK: &str = concat!("Utc::", "now()");

/// Extensions that make a backticked token a file name.
const EXTENSIONS: &[&str] = &[
    ".rs", ".toml", ".md", ".html", ".ftl", ".yaml", ".yml", ".py", ".txt", ".csv", ".json", ".sh",
];

pub fn run(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("`cargo xtask tidy` takes no arguments (got `{arg}`)");
    }
    check(&root())
}

/// Checks the repository at `root`, printing the findings and failing when there are any.
pub fn check(root: &Path) -> Result<()> {
    let findings = findings(root)?;
    if findings.is_empty() {
        eprintln!("xtask: tidy: no findings");
        return Ok(());
    }
    eprint!("{}", report(&findings));
    bail!("tidy: {} finding(s)", findings.len())
}

/// The rules, in the order their findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    MissingPath,
    LongArchitecture,
    NoModuleDocs,
    WallClock,
}

impl Rule {
    fn title(self) -> String {
        match self {
            Rule::MissingPath => "paths named in ARCHITECTURE.md that do not exist".into(),
            Rule::LongArchitecture => {
                format!("ARCHITECTURE.md longer than {MAX_ARCHITECTURE_LINES} lines")
            }
            Rule::NoModuleDocs => "Rust files whose first line is not `//!` module docs".into(),
            Rule::WallClock => format!("`{WALL_CLOCK}` outside {CLOCK_FILE}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    rule: Rule,
    /// Where, and what: `ARCHITECTURE.md:12: \`foo.rs\``.
    text: String,
}

fn finding(rule: Rule, text: impl Into<String>) -> Finding {
    Finding {
        rule,
        text: text.into(),
    }
}

/// Every finding of every rule, grouped by rule.
fn findings(root: &Path) -> Result<Vec<Finding>> {
    let mut out = vec![];
    let arch = root.join("ARCHITECTURE.md");
    match std::fs::read_to_string(&arch) {
        Ok(text) => out.extend(architecture(root, &text)),
        Err(e) => out.push(finding(
            Rule::MissingPath,
            format!("ARCHITECTURE.md cannot be read: {e}"),
        )),
    }
    for file in module_doc_files(root)? {
        let text = read(&file)?;
        if !starts_with_module_docs(&text) {
            out.push(finding(Rule::NoModuleDocs, rel(root, &file)));
        }
    }
    let mut clock_files = rust_files(&root.join("crates"))?;
    clock_files.extend(rust_files(&root.join("xtask"))?);
    for file in clock_files {
        if rel(root, &file) == CLOCK_FILE {
            continue;
        }
        for line in wall_clock_lines(&read(&file)?) {
            out.push(finding(
                Rule::WallClock,
                format!("{}:{line}", rel(root, &file)),
            ));
        }
    }
    out.sort_by_key(|f| f.rule);
    Ok(out)
}

/// The findings printed by rule: a heading with the count, then one finding a line.
fn report(findings: &[Finding]) -> String {
    let mut out = format!("tidy: {} finding(s)\n", findings.len());
    for group in findings.chunk_by(|a, b| a.rule == b.rule) {
        out += &format!("\n{} ({}):\n", group[0].rule.title(), group.len());
        for f in group {
            out += &format!("  {}\n", f.text);
        }
    }
    out
}

/// The findings about `ARCHITECTURE.md` (`text`): its length, and the paths it names that
/// exist under no search base of `root`.
fn architecture(root: &Path, text: &str) -> Vec<Finding> {
    let mut out = vec![];
    let lines = text.lines().count();
    if lines > MAX_ARCHITECTURE_LINES {
        out.push(finding(
            Rule::LongArchitecture,
            format!("ARCHITECTURE.md has {lines} lines"),
        ));
    }
    let bases = search_bases(root);
    for (line, name) in named_paths(text) {
        if !bases.iter().any(|b| b.join(name).exists()) {
            out.push(finding(
                Rule::MissingPath,
                format!("ARCHITECTURE.md:{line}: `{name}`"),
            ));
        }
    }
    out
}

/// The directories a name in `ARCHITECTURE.md` may be relative to (those that exist).
fn search_bases(root: &Path) -> Vec<PathBuf> {
    let mut bases = vec![root.to_path_buf(), root.join("crates")];
    for krate in subdirs(&root.join("crates")) {
        bases.push(krate.join("src"));
        bases.extend(subdirs(&krate.join("src")));
        bases.push(krate.join("tests/it"));
        bases.push(krate.join("templates"));
        bases.extend(subdirs(&krate.join("locales")));
        bases.push(krate);
    }
    bases.extend(subdirs(&root.join("bench")));
    bases.retain(|b| b.is_dir());
    bases
}

/// The directories directly in `dir` (none when it is not one), sorted.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The path names in a Markdown text, with their 1-based line numbers: backticked tokens
/// outside fenced code blocks that [`is_path_name`].
fn named_paths(text: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    let mut fence: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match fence {
            Some(f) => {
                if trimmed.starts_with(f) {
                    fence = None;
                }
                continue;
            }
            None => {
                if let Some(f) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
                    fence = Some(f);
                    continue;
                }
            }
        }
        out.extend(
            code_spans(line)
                .into_iter()
                .filter(|s| is_path_name(s))
                .map(|s| (i + 1, s)),
        );
    }
    out
}

/// The contents of the inline code spans of one line: a run of n backticks up to the next
/// run of exactly n; an unmatched run is literal text.
fn code_spans(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let start = i + n;
        let mut j = start;
        let mut end = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    end = Some(j);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match end {
            Some(end) => {
                let s = &line[start..end];
                let s = if s.len() >= 2 && s.starts_with(' ') && s.ends_with(' ') {
                    &s[1..s.len() - 1]
                } else {
                    s
                };
                out.push(s);
                i = end + n;
            }
            None => i = start,
        }
    }
    out
}

/// Whether a backticked token names a file or folder (see the module docs).
fn is_path_name(token: &str) -> bool {
    let path_chars = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c));
    let excluded = token.is_empty()
        || !path_chars
        || token.contains("http")
        || token.starts_with('/')
        || token.starts_with("--");
    let file_name = |e: &&str| token.len() > e.len() && token.ends_with(*e);
    !excluded && (token.contains('/') || EXTENSIONS.iter().any(file_name))
}

/// The Rust files that must start with module docs.
fn module_doc_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = vec![];
    for krate in subdirs(&root.join("crates")) {
        for dir in ["src", "tests", "benches"] {
            files.extend(rust_files(&krate.join(dir))?);
        }
    }
    files.extend(rust_files(&root.join("xtask/src"))?);
    Ok(files)
}

/// Whether a Rust file's first line is a `//!` comment, with nothing before it.
fn starts_with_module_docs(text: &str) -> bool {
    text.starts_with("//!")
}

/// The 1-based numbers of the lines that read the wall clock.
fn wall_clock_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(WALL_CLOCK))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The `.rs` files under `dir`, recursively and sorted, skipping `target` and hidden
/// folders; none when `dir` does not exist.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![];
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))?;
        for entry in entries {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

/// `file` relative to `root`, with `/` separators.
fn rel(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("kefu-xtask-tidy-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn texts(findings: &[Finding], rule: Rule) -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.text.as_str())
            .collect()
    }

    #[test]
    fn code_spans_pair_runs_of_equal_length() {
        assert_eq!(code_spans("a `b` c `d/e.rs`"), ["b", "d/e.rs"]);
        assert_eq!(code_spans("``a ` b`` and `c`"), ["a ` b", "c"]);
        assert_eq!(code_spans("`` `x` ``"), ["`x`"]);
        assert_eq!(code_spans("three ` and `x`"), ["and"]);
        assert_eq!(code_spans("unmatched `` then `x`"), ["x"]);
        assert_eq!(code_spans("no spans"), Vec::<&str>::new());
    }

    #[test]
    fn path_names() {
        for name in [
            "crates/kefu/src/main.rs",
            "web/",
            "lib.rs",
            "Cargo.toml",
            "bench/wfm",
            "locales/en/kefu.ftl",
            "day.yaml",
            "x.sh",
            ".cargo/config.toml",
        ] {
            assert!(is_path_name(name), "{name}");
        }
        for token in [
            "/api/v1/tickets",
            "/healthz",
            "--data-dir",
            "run.py --write",
            "templates/ticket*.html",
            "locales/{en,zh-CN}/kefu.ftl",
            "sqlite://…",
            "https://example.cn/a.html",
            "Vec<a/b>",
            "kefu_sla::evaluate",
            "status.targets()",
            "",
            "x.rsx",
            ".csv",
            "application/problem+json",
            "exp(−T/AHT)",
            "key(a/b)",
            "生成/x.rs",
        ] {
            assert!(!is_path_name(token), "{token}");
        }
    }

    #[test]
    fn named_paths_skip_fenced_blocks_and_number_lines() {
        let text = "# Map\n\
                    `a.rs` and `not a path` and `b/c`\n\
                    ```sh\n\
                    `inside.rs`\n\
                    ```\n\
                    ~~~\n\
                    ```\n\
                    `inside_too.rs`\n\
                    ~~~\n\
                    last `d.toml`\n";
        assert_eq!(named_paths(text), [(2, "a.rs"), (2, "b/c"), (10, "d.toml")]);
    }

    #[test]
    fn architecture_names_resolve_against_the_search_bases() {
        let dir = TempDir::new("arch");
        for file in [
            "Cargo.toml",
            "bench/wfm/run.py",
            "crates/kefu-a/Cargo.toml",
            "crates/kefu-a/src/lib.rs",
            "crates/kefu-a/src/tickets/service.rs",
            "crates/kefu-a/tests/it/main.rs",
            "crates/kefu-a/templates/layout.html",
            "crates/kefu-a/locales/zh-CN/kefu.ftl",
            "crates/kefu-b/src/web/mod.rs",
            "bench/sla/run.py",
        ] {
            dir.write(file, "");
        }
        let text = "\
`Cargo.toml` `bench/wfm/run.py` `kefu-a/src/lib.rs`
`lib.rs` `tickets/service.rs` `service.rs` `main.rs` `layout.html` `kefu.ftl` `web/`
`tests/it/main.rs` `src/tickets` `run.py`
`/api/v1/customers` `--flag` `templates/*.html`
`gone.rs` `tickets/gone.rs`
`crates/kefu-c/src/lib.rs` `tests/it/lib.rs`
";
        let found = architecture(&dir.0, text);
        assert_eq!(
            texts(&found, Rule::MissingPath),
            [
                "ARCHITECTURE.md:5: `gone.rs`",
                "ARCHITECTURE.md:5: `tickets/gone.rs`",
                "ARCHITECTURE.md:6: `crates/kefu-c/src/lib.rs`",
                "ARCHITECTURE.md:6: `tests/it/lib.rs`",
            ]
        );
        assert!(texts(&found, Rule::LongArchitecture).is_empty());
    }

    #[test]
    fn architecture_is_at_most_250_lines() {
        let dir = TempDir::new("long");
        let ok = "line\n".repeat(MAX_ARCHITECTURE_LINES);
        assert!(architecture(&dir.0, &ok).is_empty());
        let long = ok + "one more\n";
        assert_eq!(
            texts(&architecture(&dir.0, &long), Rule::LongArchitecture),
            ["ARCHITECTURE.md has 251 lines"]
        );
    }

    #[test]
    fn module_docs_come_first() {
        assert!(starts_with_module_docs("//! Docs.\nfn main() {}\n"));
        assert!(starts_with_module_docs("//!\n"));
        assert!(!starts_with_module_docs(""));
        assert!(!starts_with_module_docs("\n//! Docs.\n"));
        assert!(!starts_with_module_docs(" //! Docs.\n"));
        assert!(!starts_with_module_docs("// Docs.\n"));
        assert!(!starts_with_module_docs("/// Docs.\nfn f() {}\n"));
        assert!(!starts_with_module_docs(
            "#![allow(dead_code)]\n//! Docs.\n"
        ));
    }

    #[test]
    fn wall_clock_lines_are_numbered() {
        let text = format!("//! x\nfn f() {{\n    let t = chrono::{WALL_CLOCK};\n}}\n");
        assert_eq!(wall_clock_lines(&text), [3]);
        assert!(wall_clock_lines("let t = clock.now();\nUtc::now_ish()\n").is_empty());
    }

    #[test]
    fn findings_of_a_small_tree() {
        let dir = TempDir::new("tree");
        let clock = format!("//! The clock.\npub fn now() {{ chrono::{WALL_CLOCK}; }}\n");
        dir.write(
            "ARCHITECTURE.md",
            "`crates/kefu-model/src/lib.rs` `nope.rs`\n",
        );
        dir.write("crates/kefu-model/src/lib.rs", "//! Model.\n");
        dir.write(CLOCK_FILE, &clock);
        dir.write("crates/kefu-model/src/deep/nested.rs", "fn f() {}\n");
        dir.write("crates/kefu-model/tests/it/main.rs", "\n//! Late.\n");
        dir.write("crates/kefu-model/benches/b.rs", "//! Bench.\n");
        dir.write("crates/kefu-model/examples/e.rs", "fn main() {}\n");
        dir.write(
            "crates/kefu-model/build.rs",
            &format!("fn main() {{ {WALL_CLOCK}; }}\n"),
        );
        dir.write(
            "crates/kefu-model/target/debug/x.rs",
            &format!("{WALL_CLOCK}\n"),
        );
        dir.write("xtask/src/main.rs", "//! Tasks.\n");
        dir.write(
            "xtask/src/t.rs",
            &format!("//! T.\n\n{WALL_CLOCK}\n{WALL_CLOCK}\n"),
        );
        let found = findings(&dir.0).unwrap();
        assert_eq!(
            texts(&found, Rule::MissingPath),
            ["ARCHITECTURE.md:1: `nope.rs`"]
        );
        assert_eq!(
            texts(&found, Rule::NoModuleDocs),
            [
                "crates/kefu-model/src/deep/nested.rs",
                "crates/kefu-model/tests/it/main.rs",
            ]
        );
        assert_eq!(
            texts(&found, Rule::WallClock),
            [
                "crates/kefu-model/build.rs:1",
                "xtask/src/t.rs:3",
                "xtask/src/t.rs:4",
            ]
        );
        let report = report(&found);
        assert!(report.starts_with("tidy: 6 finding(s)\n"), "{report}");
        assert!(report.contains("paths named in ARCHITECTURE.md that do not exist (1):\n  ARCHITECTURE.md:1: `nope.rs`\n"), "{report}");
        assert!(report.contains("`//!` module docs (2):\n"), "{report}");
        assert!(check(&dir.0).is_err());
    }

    #[test]
    fn a_tidy_tree_passes() {
        let dir = TempDir::new("clean");
        dir.write("ARCHITECTURE.md", "# Map\n\n`kefu-model/src/lib.rs`\n");
        dir.write("crates/kefu-model/src/lib.rs", "//! Model.\n");
        dir.write("xtask/src/main.rs", "//! Tasks.\n");
        assert_eq!(findings(&dir.0).unwrap(), []);
        assert!(check(&dir.0).is_ok());
    }
}
