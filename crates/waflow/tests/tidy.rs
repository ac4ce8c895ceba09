//! Tidy checks on the source tree: every Rust file says what it is for in a `//!` doc comment, and
//! server code has no `unwrap()`/`expect()` outside tests, and no doc comment holds a Rust example
//! (CI runs no doc tests).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(crates).unwrap().flatten() {
        let src = krate.path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 30, "found the sources");
    files
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<_> = sources()
        .into_iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap()
                .trim_start()
                .starts_with("//!")
                && !p.ends_with("tests.rs")
        })
        .collect();
    assert!(missing.is_empty(), "files without a //! doc: {missing:?}");
}

/// CI runs no doc tests (there are none, and `cargo test --doc` resolves other features and
/// compiles part of the dependency tree again): a code block in a doc comment must say it is not
/// Rust (` ```text `, ` ```sh `, …) or be `ignore`d, so no example rots untested.
#[test]
fn doc_comments_hold_no_runnable_examples() {
    let mut offenders = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut open = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let Some(doc) = line
                .strip_prefix("///")
                .or_else(|| line.strip_prefix("//!"))
            else {
                continue;
            };
            let Some(fence) = doc.trim_start().strip_prefix("```") else {
                continue;
            };
            if !open {
                let lang = fence.trim();
                let runnable = lang.is_empty()
                    || lang.split(',').any(|t| {
                        matches!(
                            t.trim(),
                            "rust" | "should_panic" | "no_run" | "compile_fail"
                        )
                    });
                if runnable && !lang.contains("ignore") {
                    offenders.push(format!("{}:{}: {}", path.display(), i + 1, line));
                }
            }
            open = !open;
        }
    }
    assert!(
        offenders.is_empty(),
        "doc comments with Rust examples (CI does not run doc tests; mark them text or ignore):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_unwrap_or_expect_outside_tests() {
    let mut offenders = Vec::new();
    for path in sources() {
        if path.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests live at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in code.lines().enumerate() {
            if line.contains(".unwrap()") || line.contains(".expect(") {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "unwrap/expect in non-test code:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn provider_pipelines_live_in_their_channel_crates() {
    // The server checks a webhook's signature and hands over the bytes; the engine receives
    // typed inbound events and reads stored media through `InboundMedia`, never by JSON key.
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let rules: [(&str, &[&str]); 2] = [
        (
            "server",
            &[
                "webhook::parse",
                "InboundMessage",
                "fetch_media",
                "Delivery::Message",
                "webhook_deliveries",
                "whatsapp_rust",
                "phone_of_user_id",
            ],
        ),
        (
            "engine",
            &[
                "webhook::parse",
                "InboundMessage",
                "\"media_id\"",
                "\"media_error\"",
                "[\"file\"]",
                "get(\"file\")",
                "\"mime_type\"",
            ],
        ),
    ];
    let mut offenders = Vec::new();
    for (krate, words) in rules {
        let mut files = Vec::new();
        rust_files(&crates.join(krate).join("src"), &mut files);
        assert!(files.len() > 5, "found the {krate} sources");
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                if let Some(w) = words.iter().find(|w| line.contains(*w)) {
                    offenders.push(format!("{}:{}: {w}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "provider details outside their channel crate: {offenders:#?}"
    );
}
