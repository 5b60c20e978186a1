//! The documentation is tested like the code: every `console` example of the README and of
//! docs/ runs as written (trycmd), on the example data, and must print what the page shows;
//! every relative link resolves; the README stays short; every fenced block names its
//! language (a bare fence would be read as an example to run).

use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file under docs/, in a stable order.
fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut stack = vec![root().join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

/// Every `console` block runs in a folder of its own page's, where `examples/` is the
/// repository's and the store and outputs are the page's own: `$ eventstudy ...` is the
/// binary this test was built with, `$ cat` shows a file. A page's blocks run in order, so a
/// later command may read what an earlier one wrote.
#[test]
fn documented_commands_run_as_written() {
    let sandbox = tempfile::tempdir().unwrap();
    let cases = trycmd::TestCases::new();
    cases
        .register_bin(
            "eventstudy",
            PathBuf::from(env!("CARGO_BIN_EXE_eventstudy")),
        )
        .register_bin("cat", PathBuf::from("/bin/cat"))
        .env("EVENTSTUDY_DATA_DIR", "notebooks-data")
        .env("EVENTSTUDY_LOCK_TIMEOUT", "5");
    let mut pages = 0;
    for (i, doc) in doc_files().iter().enumerate() {
        let text = std::fs::read_to_string(doc).unwrap();
        if !text.contains("```console") {
            continue;
        }
        let stem = format!("{i:02}-{}", doc.file_stem().unwrap().to_string_lossy());
        let page = sandbox.path().join(format!("{stem}.md"));
        std::fs::write(&page, &text).unwrap();
        let cwd = sandbox.path().join(format!("{stem}.in"));
        std::fs::create_dir(&cwd).unwrap();
        std::os::unix::fs::symlink(root().join("examples"), cwd.join("examples")).unwrap();
        cases.case(&page);
        pages += 1;
    }
    assert!(pages >= 5, "only {pages} pages have examples");
    cases.run();
}

/// A link's target without its fragment, and the fragment.
fn split_link(link: &str) -> (&str, Option<&str>) {
    match link.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (link, None),
    }
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => out.extend(heading.take().map(|h| anchor(&h))),
            _ => {}
        }
    }
    out
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    for doc in doc_files() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for event in Parser::new(&text) {
            let (Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })) = event
            else {
                continue;
            };
            if dest_url.contains("://") || dest_url.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = split_link(&dest_url);
            let target = if path.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(path)
            };
            if !target.exists() {
                broken.push(format!("{}: {dest_url}", relative(&doc)));
                continue;
            }
            if let Some(fragment) = fragment {
                let page = std::fs::read_to_string(&target).unwrap_or_default();
                if !anchors(&page).iter().any(|a| a == fragment) {
                    broken.push(format!("{}: {dest_url} (no such heading)", relative(&doc)));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// A newcomer reads the README in five minutes; the rest is in docs/.
#[test]
fn the_readme_is_short_and_links_into_the_guide() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = text.lines().count();
    assert!(lines <= 300, "README.md has {lines} lines");
    for page in [
        "docs/guide/README.md",
        "docs/METHODS.md",
        "docs/reference/json.md",
    ] {
        assert!(text.contains(page), "README.md does not link {page}");
    }
    let headings: Vec<String> = Parser::new(&text)
        .scan(None::<HeadingLevel>, |level, event| {
            Some(match event {
                Event::Start(Tag::Heading { level: l, .. }) => {
                    *level = Some(l);
                    None
                }
                Event::Text(t) if level.is_some() => {
                    *level = None;
                    Some(t.to_string())
                }
                _ => None,
            })
        })
        .flatten()
        .collect();
    assert!(headings.iter().any(|h| h == "Set-up"), "{headings:?}");
}

/// trycmd reads a fence without a language as commands to run: every block says what it is.
#[test]
fn every_fenced_block_names_its_language() {
    let mut bare = Vec::new();
    for doc in doc_files() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for event in Parser::new(&text) {
            if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event {
                if info.trim().is_empty() {
                    bare.push(relative(&doc));
                }
            }
        }
    }
    assert!(
        bare.is_empty(),
        "fenced blocks without a language in {bare:?}"
    );
}

/// The docs describe the project as it is; its history is in git log.
#[test]
fn the_docs_narrate_no_work_periods() {
    let periods = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "later", "earlier", "previous", "this", "last",
    ];
    let mut found = Vec::new();
    for doc in doc_files() {
        let text = std::fs::read_to_string(&doc).unwrap().to_lowercase();
        for (n, line) in text.lines().enumerate() {
            let words: Vec<&str> = line
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .collect();
            for pair in words.windows(2) {
                let session = pair[1] == "session" || pair[1] == "session's";
                if session && periods.contains(&pair[0]) {
                    found.push(format!("{}:{}: {line}", relative(&doc), n + 1));
                }
            }
            if line.contains("issue 8") || line.contains("since the ") && line.contains(" session")
            {
                found.push(format!("{}:{}: {line}", relative(&doc), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Where a test named `path::name` is: `tests/<file>.rs` for an integration test, else the
/// module `path` under `src/` (its last `tests` segment is the module's test block).
fn test_exists(reference: &str) -> bool {
    let Some((module, name)) = reference.rsplit_once("::") else {
        return false;
    };
    let mut segments: Vec<&str> = module.split("::").collect();
    let candidates: Vec<PathBuf> = if segments.len() == 1 {
        vec![root().join("tests").join(format!("{}.rs", segments[0]))]
    } else {
        if segments.last() == Some(&"tests") {
            segments.pop();
        }
        let base = root().join("src").join(segments.join("/"));
        vec![base.with_extension("rs"), base.join("mod.rs")]
    };
    candidates.iter().any(|path| {
        std::fs::read_to_string(path).is_ok_and(|text| text.contains(&format!("fn {name}(")))
    })
}

/// Every row of the failure-mode table names the tests that exercise it, and they exist.
#[test]
fn every_failure_mode_names_the_tests_that_exercise_it() {
    let text = std::fs::read_to_string(root().join("docs/reference/exit-codes.md")).unwrap();
    let table = &text[text.find("| fault |").expect("the failure-mode table")..];
    let rows: Vec<&str> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(rows.len() >= 20, "{} rows", rows.len());
    let mut missing = Vec::new();
    for row in rows {
        let tested_by = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
        let names: Vec<&str> = tested_by
            .split(',')
            .map(|n| n.trim().trim_matches('`'))
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            missing.push(format!("no test named: {row}"));
        }
        for name in names {
            if !test_exists(name) {
                missing.push(format!("no such test: {name}"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every exit code of the table is one the tests see the binary return.
#[test]
fn every_exit_code_in_the_table_is_exercised() {
    let text = std::fs::read_to_string(root().join("docs/reference/exit-codes.md")).unwrap();
    let mut sources = String::new();
    for entry in std::fs::read_dir(root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            sources.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    for code in 1..=3 {
        assert!(
            text.contains(&format!("| {code} |")),
            "code {code} not in the table"
        );
        let asserted = [format!("Some({code}))"), format!(".code({code})")];
        assert!(
            asserted.iter().any(|a| sources.contains(a.as_str())),
            "no test asserts exit code {code}"
        );
    }
}
