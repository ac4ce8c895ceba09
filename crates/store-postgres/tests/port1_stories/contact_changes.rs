//! The second part of the `Contacts` story: patches, user ids, joins and deletion.

use crate::contacts::{filter, found, Cast};
use crate::harness::{err, is_not_found, t, All, Raw, Transcript};
use waflow_store::{ContactFilter, ContactPatch, UserIdJoin};

/// Patches, business-scoped user ids, joins and deletion, told after the contacts of `cast`
/// were made.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>, say: &mut Transcript, cast: &Cast) {
    let n = raw.name();
    let (ws, other) = (cast.ws.clone(), cast.other.clone());
    let (bob, fields) = (cast.bob.clone(), cast.fields.clone());
    let search = |text: &'static str| {
        found(
            s,
            &cast.ws,
            ContactFilter {
                search: Some(text.into()),
                ..filter()
            },
        )
    };
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
                assigned_agent_id: Some(Some(cast.ann.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!back.opted_out && back.opted_out_at.is_none(), "{n}");
    assert_eq!(back.assigned_agent_id.as_deref(), Some(cast.ann.as_str()));
    let kept = s
        .update_contact(&ws, &bob.id, &ContactPatch::default())
        .await
        .unwrap();
    assert_eq!(
        kept.assigned_agent_id.as_deref(),
        Some(cast.ann.as_str()),
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
    s.link_user_id(&ws, &cast.carla, "US.1001").await.unwrap();
    assert_eq!(
        s.phone_of_user_id(&ws, "US.1001").await.unwrap().as_deref(),
        Some("+15550000003")
    );
    assert_eq!(
        s.phone_of_user_id(&other, "US.1001").await.unwrap(),
        None,
        "{n}"
    );
    s.link_user_id(&ws, &cast.dan, "US.1001").await.unwrap();
    s.link_user_id(&ws, &cast.carla, "US.2002").await.unwrap();
    s.link_user_id(&ws, "ct_missing", "US.3003").await.unwrap();
    s.link_user_id(&other, &cast.dan, "US.3003").await.unwrap();
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
        s.link_user_id(&ws, &cast.maria, "US.4004")
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
            survivor: cast.dan.clone(),
            merged: ghost.id.clone()
        },
        "{n}"
    );
    let dan_now = s.contact(&ws, &cast.dan).await.unwrap();
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
        c = cast.carla
    ))
    .await;
    let e = err(s.delete_contact(&other, &cast.carla).await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM runs").await,
        1,
        "{n}: a refused delete deletes nothing"
    );
    s.delete_contact(&ws, &cast.carla).await.unwrap();
    for table in ["runs", "conversations", "messages"] {
        assert_eq!(
            raw.int(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{n}: {table}"
        );
    }
    let e = err(s.delete_contact(&ws, &cast.carla).await);
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
}
