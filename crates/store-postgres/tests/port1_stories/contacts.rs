//! Every `Contacts` method: creating, filtering and paging here, changes in `contact_changes`.

use crate::harness::{err, All, Raw, Transcript};
use serde_json::json;
use waflow_store::{Contact, ContactFilter, ContactPatch, Error};

/// The contacts the first part of the story made, for the second.
pub struct Cast {
    pub ws: String,
    pub other: String,
    pub ann: String,
    pub maria: String,
    pub bob: Contact,
    pub carla: String,
    pub dan: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A filter of nothing, 100 at most.
pub fn filter() -> ContactFilter {
    ContactFilter {
        tag: None,
        list: None,
        search: None,
        after_id: None,
        assigned_to: None,
        limit: 100,
    }
}

/// The names of contacts.
pub fn names(list: &[Contact]) -> Vec<&str> {
    list.iter().map(|c| c.name.as_str()).collect()
}

/// Creating, filtering and paging contacts; then their changes (`contact_changes`).
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

    let cast = Cast {
        ws: ws.clone(),
        other: other.clone(),
        ann: ann.id.clone(),
        maria: maria.id.clone(),
        bob: bob.clone(),
        carla: carla.id.clone(),
        dan: dan.id.clone(),
        fields: fields.clone(),
    };
    crate::contact_changes::story(s, raw, &mut say, &cast).await;
    say.finish()
}

/// The names of the contacts a filter finds.
pub async fn found<S: All>(s: &S, ws: &str, f: ContactFilter) -> Vec<String> {
    let list = s.contacts(ws, &f).await.unwrap();
    names(&list).into_iter().map(String::from).collect()
}
