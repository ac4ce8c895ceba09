//! Every `ContactImports` method, told to both backends.

use crate::harness::{ms, t, Raw, Transcript};
use serde_json::{json, Map, Value};
use waflow_domain::import::ContactRow;
use waflow_domain::phone::PhoneNumber;
use waflow_store::{BadRow, ContactImport, ContactImports, Error, ImportCounts, ImportEnd};

const SEED: &str = "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO contacts (id, workspace_id, phone, name, tags, lists, fields, created_at, updated_at) VALUES
  ('ct_old', 'ws1', '+15550001', 'Old', '[\"a\"]', '[\"L1\"]', '{\"city\":\"Rome\"}', 0, 0),
  ('ct_theirs', 'ws2', '+15550002', 'Theirs', '[]', '[]', '{}', 0, 0);
";

const CONTACTS: &str =
    "SELECT workspace_id, phone, name, tags, lists, fields, created_at, updated_at \
                        FROM contacts ORDER BY workspace_id, phone";

pub fn row(
    phone: &str,
    name: Option<&str>,
    tags: &[&str],
    lists: &[&str],
    fields: Value,
) -> ContactRow {
    let fields: Map<String, Value> = match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    ContactRow {
        phone: PhoneNumber::parse(phone).unwrap(),
        name: name.map(String::from),
        tags: tags.iter().map(|s| s.to_string()).collect(),
        lists: lists.iter().map(|s| s.to_string()).collect(),
        fields,
    }
}

fn counts(bytes_read: u64, rows: u64, created: u64, updated: u64, bad: u64) -> ImportCounts {
    ImportCounts {
        bytes_read,
        rows,
        created,
        updated,
        bad,
    }
}

fn ids(v: &[ContactImport]) -> Vec<&str> {
    v.iter().map(|i| i.id.as_str()).collect()
}

/// The story; its transcript.
pub async fn story<S: ContactImports + ?Sized>(s: &S, raw: &dyn Raw) -> Transcript {
    let n = raw.name();
    let mut tr = Transcript::default();
    raw.exec(SEED).await;

    let imp1 = s.insert_import("ws1", 4096, t(1)).await.unwrap();
    tr.label(&imp1.id, "imp_1");
    assert!(imp1.id.starts_with("imp_"), "{n}");
    assert_eq!(
        (
            imp1.workspace_id.as_str(),
            imp1.state.as_str(),
            imp1.file_bytes,
            imp1.counts,
            imp1.created_at
        ),
        ("ws1", "running", 4096, ImportCounts::default(), t(1)),
        "{n}"
    );
    assert_eq!(
        (imp1.bad_rows.clone(), imp1.error.clone(), imp1.finished_at),
        (vec![], None, None),
        "{n}"
    );
    tr.note("inserted", &imp1);

    // A chunk: an existing contact updated, new ones created, a phone twice applied in order.
    let chunk = [
        row("+15550001", None, &["A", "b"], &[], json!({})),
        row("+15550002", Some("New"), &[], &["L2"], json!({"x": 1})),
        row("+15550002", None, &["t"], &[], json!({})),
        row("+15550003", Some("Same"), &[], &[], json!({})),
    ];
    let c1 = s
        .import_chunk("ws1", &imp1.id, &chunk, counts(100, 5, 0, 0, 1), t(2))
        .await
        .unwrap();
    assert_eq!(c1, counts(100, 5, 2, 2, 1), "{n}");
    let contacts = raw.rows(CONTACTS).await;
    let want = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        contacts[0],
        want(&[
            "ws1",
            "+15550001",
            "Old",
            "[\"a\",\"b\"]",
            "[\"L1\"]",
            "{\"city\":\"Rome\"}",
            "0",
            &ms(2).to_string()
        ]),
        "{n}"
    );
    assert_eq!(
        contacts[1][2..6],
        want(&["New", "[\"t\"]", "[\"L2\"]", "{\"x\":1}"]),
        "{n}"
    );
    assert_eq!(
        contacts[1][6..],
        want(&[&ms(2).to_string(), &ms(2).to_string()]),
        "{n}"
    );
    assert_eq!(contacts[2][1..4], want(&["+15550003", "Same", "[]"]), "{n}");
    assert_eq!(
        contacts[3],
        want(&["ws2", "+15550002", "Theirs", "[]", "[]", "{}", "0", "0"]),
        "{n}"
    );
    for (id, phone) in raw
        .rows("SELECT id, phone FROM contacts WHERE workspace_id = 'ws1'")
        .await
        .iter()
        .map(|r| (&r[0], &r[1]))
    {
        tr.label(id, &format!("ct{phone}"));
    }
    tr.note("contacts after chunk 1", &contacts);
    let stored = s.contact_import("ws1", &imp1.id).await.unwrap();
    assert_eq!(
        (stored.counts, stored.state.as_str()),
        (c1, "running"),
        "{n}"
    );

    // Rows that change nothing are counted, not rewritten; an empty chunk stores the counters.
    let c2 = s
        .import_chunk(
            "ws1",
            &imp1.id,
            &[
                row("+15550003", Some("Same"), &[], &[], json!({})),
                row("+15550001", None, &["B"], &["l1"], json!({"city": "Rome"})),
            ],
            counts(200, 7, 2, 2, 1),
            t(3),
        )
        .await
        .unwrap();
    assert_eq!(c2, counts(200, 7, 2, 4, 1), "{n}");
    assert_eq!(
        raw.rows(CONTACTS).await,
        contacts,
        "{n}: a row changing nothing rewrote its contact"
    );
    let c3 = s
        .import_chunk("ws1", &imp1.id, &[], counts(210, 8, 2, 4, 2), t(4))
        .await
        .unwrap();
    assert_eq!(c3, counts(210, 8, 2, 4, 2), "{n}");
    assert_eq!(
        s.contact_import("ws1", &imp1.id).await.unwrap().counts,
        c3,
        "{n}"
    );

    // Another workspace's import: not found, and nothing of its chunk is written.
    let e = s.contact_import("ws2", &imp1.id).await.unwrap_err();
    assert!(
        matches!(e, Error::NotFound { what: "import" }),
        "{n}: {e:?}"
    );
    tr.note("import of another workspace", &e);
    let e = s
        .import_chunk(
            "ws2",
            &imp1.id,
            &[row("+15550009", Some("Nine"), &[], &[], json!({}))],
            c3,
            t(4),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "running import"
            }
        ),
        "{n}: {e:?}"
    );
    tr.note("chunk of another workspace", &e);
    assert_eq!(
        raw.rows("SELECT COUNT(*) FROM contacts WHERE phone = '+15550009'")
            .await,
        [["0"]],
        "{n}"
    );

    // The list, newest first.
    let imp2 = s.insert_import("ws1", 6 * 1024 * 1024, t(5)).await.unwrap();
    tr.label(&imp2.id, "imp_2");
    let big = s
        .import_chunk(
            "ws1",
            &imp2.id,
            &[row("+15550004", None, &["x"], &[], json!({}))],
            counts(3 * 1024 * 1024, 40_000, 39_989, 0, 10),
            t(5),
        )
        .await
        .unwrap();
    assert_eq!(big, counts(3 * 1024 * 1024, 40_000, 39_990, 0, 10), "{n}");
    let all = s.contact_imports("ws1", 10).await.unwrap();
    assert_eq!(ids(&all), [imp2.id.as_str(), imp1.id.as_str()], "{n}");
    tr.note("imports", &all);
    assert_eq!(
        ids(&s.contact_imports("ws1", 1).await.unwrap()),
        [imp2.id.as_str()],
        "{n}"
    );
    assert_eq!(s.contact_imports("ws1", -1).await.unwrap().len(), 2, "{n}");
    assert!(
        s.contact_imports("ws2", 10).await.unwrap().is_empty(),
        "{n}"
    );

    // Finishing: done with its bad rows; another workspace's finish changes nothing.
    let bad = vec![
        BadRow {
            line: 3,
            reason: "phone: \"x\" is not a phone number".into(),
        },
        BadRow {
            line: 9,
            reason: "name: too long".into(),
        },
    ];
    let end = counts(4096, 8, 2, 4, 2);
    s.finish_import(
        "ws2",
        &imp1.id,
        end,
        &[],
        ImportEnd::Failed("no".into()),
        t(6),
    )
    .await
    .unwrap();
    assert_eq!(
        s.contact_import("ws1", &imp1.id).await.unwrap().state,
        "running",
        "{n}"
    );
    s.finish_import("ws1", &imp1.id, end, &bad, ImportEnd::Done, t(6))
        .await
        .unwrap();
    let done = s.contact_import("ws1", &imp1.id).await.unwrap();
    assert_eq!(
        (
            done.state.as_str(),
            done.counts,
            done.bad_rows.clone(),
            done.error.clone(),
            done.finished_at
        ),
        ("done", end, bad.clone(), None, Some(t(6))),
        "{n}"
    );
    tr.note("done", &done);
    let e = s
        .import_chunk("ws1", &imp1.id, &[], end, t(7))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "running import"
            }
        ),
        "{n}: {e:?}"
    );

    let imp3 = s.insert_import("ws2", 10, t(7)).await.unwrap();
    tr.label(&imp3.id, "imp_3");
    let imp4 = s.insert_import("ws1", 20, t(8)).await.unwrap();
    tr.label(&imp4.id, "imp_4");
    s.finish_import(
        "ws1",
        &imp4.id,
        counts(20, 0, 0, 0, 0),
        &[],
        ImportEnd::Failed("the file is not UTF-8".into()),
        t(9),
    )
    .await
    .unwrap();
    let failed = s.contact_import("ws1", &imp4.id).await.unwrap();
    assert_eq!(
        (failed.state.as_str(), failed.error.as_deref()),
        ("failed", Some("the file is not UTF-8")),
        "{n}"
    );

    // Imports still running when the server starts again fail, saying how far they got.
    assert_eq!(s.fail_interrupted_imports(t(10)).await.unwrap(), 2, "{n}");
    let stopped = s.contact_import("ws1", &imp2.id).await.unwrap();
    assert_eq!(stopped.state, "failed", "{n}");
    assert_eq!(stopped.finished_at, Some(t(10)), "{n}");
    assert_eq!(
        stopped.error.as_deref(),
        Some("the server stopped while the import ran; it had read 40,000 rows (3.0 MB of 6.0 MB): \
              39,990 contacts created, 0 updated, 10 bad rows — those contacts are stored. Import the \
              file again to finish: rows already imported are updated, never duplicated"),
        "{n}"
    );
    let theirs = s.contact_import("ws2", &imp3.id).await.unwrap();
    assert_eq!(
        (theirs.state.as_str(), theirs.finished_at),
        ("failed", Some(t(10))),
        "{n}"
    );
    assert_eq!(
        s.contact_import("ws1", &imp1.id).await.unwrap().state,
        "done",
        "{n}"
    );
    assert_eq!(s.fail_interrupted_imports(t(11)).await.unwrap(), 0, "{n}");
    tr.note(
        "after restart",
        &s.contact_imports("ws1", 10).await.unwrap(),
    );
    tr.note("theirs after restart", &theirs);
    let end = raw.rows(CONTACTS).await;
    assert_eq!(end.len(), 5, "{n}: {end:?}");
    tr.note("contacts at the end", &end);
    tr
}
