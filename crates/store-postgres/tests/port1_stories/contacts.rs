//! Every `Contacts` method.

use crate::harness::{err, is_not_found, t, All, Raw, Transcript};
use serde_json::json;
use waflow_store::{Contact, ContactFilter, ContactPatch, Error, UserIdJoin};

fn filter() -> ContactFilter {
    ContactFilter {
        tag: None,
        list: None,
        search: None,
        after_id: None,
        assigned_to: None,
        limit: 100,
    }
}

fn names(list: &[Contact]) -> Vec<&str> {
    list.iter().map(|c| c.name.as_str()).collect()
}

pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let other = s.workspace_by_name_or_create("other").await.unwrap().id;
    let ann = s
        .insert_agent(&ws, "Ann", "ann@example.com", "agent")
        .await
        .unwrap();

    assert!(s.contacts(&ws, &filter()).await.unwrap().is_empty());

    // Created with a patch applied.
    let fields = json!({"city": "Lisbon", "orders": 3, "vip": true})
        .as_object()
        .unwrap()
        .clone();
    let maria = s
        .insert_contact(
            &ws,
            "+351910000001",
            "María Souza",
            &ContactPatch {
                tags: Some(vec!["VIP".into(), "lead".into()]),
                fields: Some(fields.clone()),
                assigned_agent_id: Some(Some(ann.id.clone())),
                opted_out: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(maria.phone, "+351910000001");
    assert_eq!(maria.name, "María Souza");
    assert_eq!(maria.tags, ["VIP", "lead"]);
    assert_eq!(maria.fields, fields);
    assert_eq!(maria.assigned_agent_id.as_deref(), Some(ann.id.as_str()));
    assert!(maria.opted_out && maria.opted_out_at.is_some(), "{n}");
    assert!(!maria.blocked && !maria.excluded_from_automation);
    say.say("maria", &maria);
    let bob = s
        .insert_contact(&ws, "+15550000002", "Bob_Stone", &ContactPatch::default())
        .await
        .unwrap();
    assert!(bob.tags.is_empty() && bob.lists.is_empty() && bob.fields.is_empty());
    assert!(!bob.opted_out && bob.opted_out_at.is_none());
    let carla = s
        .insert_contact(
            &ws,
            "+15550000003",
            "carla",
            &ContactPatch {
                tags: Some(vec!["Lead".into()]),
                blocked: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(carla.blocked);
    let dan = s
        .insert_contact(&ws, "+15550000004", "Dan 100%", &ContactPatch::default())
        .await
        .unwrap();
    let elsewhere = s
        .insert_contact(
            &other,
            "+15550000002",
            "Bob elsewhere",
            &ContactPatch::default(),
        )
        .await
        .unwrap();

    // A phone is unique within a workspace (the message ends with the database's own words).
    let e = err(s
        .insert_contact(&ws, "+15550000002", "Bob again", &ContactPatch::default())
        .await);
    match &e {
        Error::Conflict { field, message } => {
            assert_eq!(field, "phone", "{n}");
            assert!(
                message.starts_with("a contact with phone +15550000002 already exists ("),
                "{n}: {message}"
            );
        }
        other => panic!("{n}: expected a conflict, got {other:?}"),
    }
    say.say("same phone", "conflict on phone");
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(*) FROM contacts WHERE workspace_id = '{ws}'"
        ))
        .await,
        4
    );

    // Lists are written by imports and campaigns; here, directly.
    raw.exec(&format!(
        "UPDATE contacts SET lists = '[\"Newsletter\",\"Spring Sale\"]' WHERE id = '{}'; \
         UPDATE contacts SET lists = '[\"newsletter\"]' WHERE id = '{}'",
        bob.id, dan.id
    ))
    .await;

    // Filters.
    let all = s.contacts(&ws, &filter()).await.unwrap();
    assert_eq!(
        names(&all),
        ["María Souza", "Bob_Stone", "carla", "Dan 100%"],
        "{n}"
    );
    say.say("all", &all);
    let by = |tag: Option<&str>, list: Option<&str>, search: Option<&str>| ContactFilter {
        tag: tag.map(Into::into),
        list: list.map(Into::into),
        search: search.map(Into::into),
        ..filter()
    };
    let lead = s
        .contacts(&ws, &by(Some("LEAD"), None, None))
        .await
        .unwrap();
    assert_eq!(
        names(&lead),
        ["María Souza", "carla"],
        "{n}: tags ignore case"
    );
    let vip = s.contacts(&ws, &by(Some("vip"), None, None)).await.unwrap();
    assert_eq!(names(&vip), ["María Souza"], "{n}");
    assert!(
        s.contacts(&ws, &by(Some("le"), None, None))
            .await
            .unwrap()
            .is_empty(),
        "{n}: whole tags"
    );
    let news = s
        .contacts(&ws, &by(None, Some("NEWSLETTER"), None))
        .await
        .unwrap();
    assert_eq!(
        names(&news),
        ["Bob_Stone", "Dan 100%"],
        "{n}: lists ignore case"
    );
    let sale = s
        .contacts(&ws, &by(None, Some("spring sale"), None))
        .await
        .unwrap();
    assert_eq!(names(&sale), ["Bob_Stone"]);
    assert!(
        s.contacts(&ws, &by(None, Some("spring"), None))
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let search = |text: &'static str| found(s, &ws, by(None, None, Some(text)));
    assert_eq!(search("CARLA").await, ["carla"], "{n}: names ignore case");
    assert_eq!(search("0000002").await, ["Bob_Stone"], "{n}: phones");
    assert_eq!(
        search("+1555").await,
        ["Bob_Stone", "carla", "Dan 100%"],
        "{n}"
    );
    assert_eq!(
        search("b_s").await,
        ["Bob_Stone"],
        "{n}: _ matches one character"
    );
    assert_eq!(search("bXs").await, Vec::<String>::new());
    assert_eq!(search("b_stone").await, ["Bob_Stone"]);
    assert_eq!(
        search("100%").await,
        ["María Souza", "Dan 100%"],
        "{n}: % is a wildcard"
    );
    assert_eq!(search("n 100%").await, ["Dan 100%"], "{n}");
    assert_eq!(search("souza").await, ["María Souza"], "{n}");
    assert_eq!(
        search("MARÍA").await,
        ["María Souza"],
        "{n}: the search is lower-cased"
    );
    assert_eq!(
        search("\\").await,
        Vec::<String>::new(),
        "{n}: no escape character"
    );
    let combined = s
        .contacts(
            &ws,
            &ContactFilter {
                tag: Some("lead".into()),
                search: Some("car".into()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&combined), ["carla"]);
    let assigned = s
        .contacts(
            &ws,
            &ContactFilter {
                assigned_to: Some(ann.id.clone()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&assigned), ["María Souza"], "{n}");
    say.say("assigned", &assigned);

    // Pages: in id order after the cursor; a negative limit is none, as on SQLite.
    let page1 = s
        .contacts(
            &ws,
            &ContactFilter {
                limit: 2,
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&page1), ["María Souza", "Bob_Stone"], "{n}");
    let page2 = s
        .contacts(
            &ws,
            &ContactFilter {
                limit: 2,
                after_id: Some(page1[1].id.clone()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&page2), ["carla", "Dan 100%"], "{n}");
    let page3 = s
        .contacts(
            &ws,
            &ContactFilter {
                limit: 2,
                after_id: Some(page2[1].id.clone()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert!(page3.is_empty(), "{n}");
    assert!(s
        .contacts(
            &ws,
            &ContactFilter {
                limit: 0,
                ..filter()
            }
        )
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.contacts(
            &ws,
            &ContactFilter {
                limit: -1,
                ..filter()
            }
        )
        .await
        .unwrap()
        .len(),
        4,
        "{n}"
    );
    let theirs = s.contacts(&other, &filter()).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].id, elsewhere.id);

    // One contact; not found in another workspace.
    assert_eq!(s.contact(&ws, &bob.id).await.unwrap().phone, "+15550000002");
    let e = err(s.contact(&other, &bob.id).await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");
    say.say("another workspace's", &e);

    // Patches: only what is given changes; opting out keeps its first time.
    let patched = s
        .update_contact(
            &ws,
            &bob.id,
            &ContactPatch {
                name: Some("Bob Stone".into()),
                tags: Some(vec!["customer".into()]),
                excluded_from_automation: Some(true),
                opted_out: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.name, "Bob Stone");
    assert_eq!(patched.tags, ["customer"]);
    assert_eq!(
        patched.lists,
        ["Newsletter", "Spring Sale"],
        "{n}: lists untouched"
    );
    assert!(patched.excluded_from_automation && patched.opted_out && !patched.blocked);
    assert_eq!(patched.created_at, bob.created_at);
    let opted_at = patched.opted_out_at;
    raw.exec(&format!(
        "UPDATE contacts SET opted_out_at = {} WHERE id = '{}'",
        t(1).timestamp_millis(),
        bob.id
    ))
    .await;
    let again = s
        .update_contact(
            &ws,
            &bob.id,
            &ContactPatch {
                opted_out: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        again.opted_out_at,
        Some(t(1)),
        "{n}: the first opt-out time stays"
    );
    assert!(opted_at.is_some());
    let back = s
        .update_contact(
            &ws,
            &bob.id,
            &ContactPatch {
                opted_out: Some(false),
                assigned_agent_id: Some(Some(ann.id.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!back.opted_out && back.opted_out_at.is_none(), "{n}");
    assert_eq!(back.assigned_agent_id.as_deref(), Some(ann.id.as_str()));
    let kept = s
        .update_contact(&ws, &bob.id, &ContactPatch::default())
        .await
        .unwrap();
    assert_eq!(
        kept.assigned_agent_id.as_deref(),
        Some(ann.id.as_str()),
        "{n}: None leaves the agent"
    );
    assert_eq!(kept.name, "Bob Stone");
    let unassigned = s
        .update_contact(
            &ws,
            &bob.id,
            &ContactPatch {
                assigned_agent_id: Some(None),
                blocked: Some(true),
                fields: Some(fields.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(unassigned.assigned_agent_id, None, "{n}");
    assert!(unassigned.blocked);
    assert_eq!(unassigned.fields, fields);
    say.say("patched", &unassigned);
    let e = err(s
        .update_contact(&other, &bob.id, &ContactPatch::default())
        .await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");

    // Business-scoped user ids: the first link wins.
    assert_eq!(s.phone_of_user_id(&ws, "US.1001").await.unwrap(), None);
    s.link_user_id(&ws, &carla.id, "US.1001").await.unwrap();
    assert_eq!(
        s.phone_of_user_id(&ws, "US.1001").await.unwrap().as_deref(),
        Some("+15550000003")
    );
    assert_eq!(
        s.phone_of_user_id(&other, "US.1001").await.unwrap(),
        None,
        "{n}"
    );
    s.link_user_id(&ws, &dan.id, "US.1001").await.unwrap();
    s.link_user_id(&ws, &carla.id, "US.2002").await.unwrap();
    s.link_user_id(&ws, "ct_missing", "US.3003").await.unwrap();
    s.link_user_id(&other, &dan.id, "US.3003").await.unwrap();
    assert_eq!(
        s.phone_of_user_id(&ws, "US.1001").await.unwrap().as_deref(),
        Some("+15550000003"),
        "{n}"
    );
    assert_eq!(
        s.phone_of_user_id(&ws, "US.2002").await.unwrap(),
        None,
        "{n}"
    );
    assert_eq!(
        s.phone_of_user_id(&ws, "US.3003").await.unwrap(),
        None,
        "{n}"
    );
    // Two contacts linked to one user id at once: one of them holds it, and neither call fails.
    let (a, b) = tokio::join!(
        s.link_user_id(&ws, &bob.id, "US.4004"),
        s.link_user_id(&ws, &maria.id, "US.4004")
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(*) FROM contacts WHERE workspace_id = '{ws}' AND wa_user_id = 'US.4004'"
        ))
        .await,
        1,
        "{n}"
    );

    // Joining a phone and a user id: known only by the user id, the contact gains the phone;
    // then a contact of its own phone absorbs another known only by a user id.
    let by_user_id = s
        .insert_contact(&ws, "US.5005", "", &ContactPatch::default())
        .await
        .unwrap();
    s.link_user_id(&ws, &by_user_id.id, "US.5005")
        .await
        .unwrap();
    let joined = s
        .join_user_id(&ws, "+15550000009", "US.5005", t(2))
        .await
        .unwrap();
    assert_eq!(
        joined,
        UserIdJoin::GainedPhone {
            contact_id: by_user_id.id.clone()
        },
        "{n}"
    );
    assert_eq!(
        s.phone_of_user_id(&ws, "US.5005").await.unwrap().as_deref(),
        Some("+15550000009")
    );
    let ghost = s
        .insert_contact(
            &ws,
            "US.6006",
            "",
            &ContactPatch {
                tags: Some(vec!["ghost".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.link_user_id(&ws, &ghost.id, "US.6006").await.unwrap();
    let merged = s
        .join_user_id(&ws, "+15550000004", "US.6006", t(3))
        .await
        .unwrap();
    assert_eq!(
        merged,
        UserIdJoin::Merged {
            survivor: dan.id.clone(),
            merged: ghost.id.clone()
        },
        "{n}"
    );
    let dan_now = s.contact(&ws, &dan.id).await.unwrap();
    assert_eq!(dan_now.tags, ["ghost"], "{n}");
    assert!(is_not_found(
        &err(s.contact(&ws, &ghost.id).await),
        "contact"
    ));
    assert_eq!(
        s.join_user_id(&ws, "+15550000004", "US.6006", t(4))
            .await
            .unwrap(),
        UserIdJoin::Unchanged
    );
    say.say("joins", [&joined, &merged]);

    // Deleting a contact deletes their runs and conversations with them.
    let at = t(0).timestamp_millis();
    let number = s.numbers(&ws).await.unwrap()[0].id.clone();
    raw.exec(&format!(
        "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) \
         VALUES ('cv_carla', '{ws}', '{number}', '{c}', {at}, {at}); \
         INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind, status, created_at) \
         VALUES ('msg_carla', '{ws}', 'cv_carla', '{number}', '{c}', 'inbound', 'text', 'hi', 'contact', 'received', {at}); \
         INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, created_at, updated_at) \
         VALUES ('run_carla', '{ws}', 'wf_x', 1, '{c}', '{number}', 'cv_carla', 'waiting', {at}, {at});",
        c = carla.id
    ))
    .await;
    let e = err(s.delete_contact(&other, &carla.id).await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM runs").await,
        1,
        "{n}: a refused delete deletes nothing"
    );
    s.delete_contact(&ws, &carla.id).await.unwrap();
    for table in ["runs", "conversations", "messages"] {
        assert_eq!(
            raw.int(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{n}: {table}"
        );
    }
    let e = err(s.delete_contact(&ws, &carla.id).await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");
    say.say("deleted twice", &e);
    // Stored names are lower-cased in ASCII only, as SQLite's lower() does.
    s.update_contact(
        &ws,
        &bob.id,
        &ContactPatch {
            name: Some("ÉLODIE".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(search("lodie").await, ["ÉLODIE"], "{n}");
    assert_eq!(search("ÉLODIE").await, Vec::<String>::new(), "{n}");
    say.say("left", s.contacts(&ws, &filter()).await.unwrap());

    say.finish()
}

/// The names of the contacts a filter finds.
async fn found<S: All>(s: &S, ws: &str, f: ContactFilter) -> Vec<String> {
    let list = s.contacts(ws, &f).await.unwrap();
    names(&list).into_iter().map(String::from).collect()
}
