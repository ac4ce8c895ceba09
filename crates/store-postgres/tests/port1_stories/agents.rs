//! Every `Agents` method, and that no change leaves a workspace without an owner.

use crate::harness::{err, is_not_found, All, Raw, Transcript};
use waflow_store::{ContactPatch, Error};

fn conflict(e: &Error) -> (&str, &str) {
    match e {
        Error::Conflict { field, message } => (field, message),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let other = s.workspace_by_name_or_create("other").await.unwrap().id;

    assert!(s.agents(&ws).await.unwrap().is_empty());
    assert!(s
        .agents_by_email("olivia@example.com")
        .await
        .unwrap()
        .is_empty());

    // Created, oldest first.
    let olivia = s
        .insert_agent(&ws, "Olivia", "olivia@example.com", "owner")
        .await
        .unwrap();
    assert_eq!(
        (
            olivia.name.as_str(),
            olivia.email.as_str(),
            olivia.role.as_str()
        ),
        ("Olivia", "olivia@example.com", "owner")
    );
    assert_eq!(olivia.workspace_id, ws);
    let adam = s
        .insert_agent(&ws, "Adam", "adam@example.com", "admin")
        .await
        .unwrap();
    let ann = s
        .insert_agent(&ws, "Ann", "ann@example.com", "agent")
        .await
        .unwrap();
    say.say("inserted", [&olivia, &adam, &ann]);

    // An email is unique within a workspace only.
    let e = err(s
        .insert_agent(&ws, "Other Olivia", "olivia@example.com", "agent")
        .await);
    assert_eq!(
        conflict(&e),
        (
            "email",
            "an agent with email olivia@example.com already exists"
        ),
        "{n}"
    );
    say.say("same email", &e);
    let olivia_elsewhere = s
        .insert_agent(&other, "Olivia", "olivia@example.com", "owner")
        .await
        .unwrap();
    let listed: Vec<String> = s
        .agents(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(listed, ["Olivia", "Adam", "Ann"], "{n}");
    say.say("agents", &listed);
    assert_eq!(s.agents(&other).await.unwrap().len(), 1);

    // Passwords, and agents by email across workspaces.
    s.set_agent_password(
        &ws,
        &olivia.id,
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    )
    .await
    .unwrap();
    let by_email = s.agents_by_email("olivia@example.com").await.unwrap();
    let seen: Vec<(&str, Option<&str>)> = by_email
        .iter()
        .map(|(a, h)| (a.workspace_id.as_str(), h.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                ws.as_str(),
                Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
            ),
            (other.as_str(), None)
        ],
        "{n}"
    );
    assert_eq!(by_email[1].0.id, olivia_elsewhere.id);
    say.say("by email", &by_email);
    let e = err(s.set_agent_password(&other, &adam.id, "x").await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");
    let e = err(s.set_agent_password(&ws, "ag_missing", "x").await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");

    // One agent; not found in another workspace.
    assert_eq!(
        s.agent(&ws, &adam.id).await.unwrap().email,
        "adam@example.com"
    );
    let e = err(s.agent(&other, &adam.id).await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");

    // Name and role changes.
    let renamed = s
        .update_agent(&ws, &ann.id, Some("Ann Lee"), None)
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.role.as_str()),
        ("Ann Lee", "agent")
    );
    let unchanged = s.update_agent(&ws, &olivia.id, None, None).await.unwrap();
    assert_eq!(
        (unchanged.name.as_str(), unchanged.role.as_str()),
        ("Olivia", "owner")
    );
    let promoted = s
        .update_agent(&ws, &adam.id, None, Some("owner"))
        .await
        .unwrap();
    assert_eq!(promoted.role, "owner");
    let demoted = s
        .update_agent(&ws, &olivia.id, Some("Olivia K"), Some("admin"))
        .await
        .unwrap();
    assert_eq!(
        (demoted.name.as_str(), demoted.role.as_str()),
        ("Olivia K", "admin")
    );
    say.say("changed", [&renamed, &promoted, &demoted]);
    // Adam is now the last owner: not demoted, and nothing of the change is written.
    let e = err(s
        .update_agent(&ws, &adam.id, Some("Adam B"), Some("agent"))
        .await);
    assert_eq!(
        conflict(&e),
        (
            "role",
            "agent adam@example.com is the workspace's last owner and cannot be demoted; make another agent owner first"
        ),
        "{n}"
    );
    say.say("last owner demoted", &e);
    let still = s.agent(&ws, &adam.id).await.unwrap();
    assert_eq!(
        (still.name.as_str(), still.role.as_str()),
        ("Adam", "owner")
    );
    // The last owner keeps a role given as owner again.
    assert_eq!(
        s.update_agent(&ws, &adam.id, None, Some("owner"))
            .await
            .unwrap()
            .role,
        "owner"
    );
    let e = err(s.update_agent(&ws, "ag_missing", Some("x"), None).await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");
    let e = err(s.update_agent(&other, &adam.id, None, Some("agent")).await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");

    // Two owners demoted at once: one of them stays owner.
    s.update_agent(&ws, &olivia.id, None, Some("owner"))
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        s.update_agent(&ws, &olivia.id, None, Some("admin")),
        s.update_agent(&ws, &adam.id, None, Some("admin"))
    );
    let refused = [&a, &b].iter().filter(|r| r.is_err()).count();
    assert_eq!(
        refused, 1,
        "{n}: exactly one demotion is refused: {a:?} {b:?}"
    );
    for r in [&a, &b] {
        if let Err(e) = r {
            assert_eq!(conflict(e).0, "role", "{n}");
        }
    }
    let owners =
        format!("SELECT COUNT(*) FROM agents WHERE workspace_id = '{ws}' AND role = 'owner'");
    assert_eq!(raw.int(&owners).await, 1, "{n}");
    // Back to Adam as the only owner, Olivia admin.
    s.update_agent(&ws, &adam.id, None, Some("owner"))
        .await
        .unwrap();
    s.update_agent(&ws, &olivia.id, None, Some("admin"))
        .await
        .unwrap();

    // Deleting: the agent's contacts are unassigned; the last owner stays.
    let patch = ContactPatch {
        assigned_agent_id: Some(Some(ann.id.clone())),
        ..Default::default()
    };
    let c = s
        .insert_contact(&ws, "+15550001", "Carla", &patch)
        .await
        .unwrap();
    assert_eq!(c.assigned_agent_id.as_deref(), Some(ann.id.as_str()));
    let e = err(s.delete_agent(&other, &ann.id).await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");
    s.delete_agent(&ws, &ann.id).await.unwrap();
    assert_eq!(
        s.contact(&ws, &c.id).await.unwrap().assigned_agent_id,
        None,
        "{n}"
    );
    let e = err(s.agent(&ws, &ann.id).await);
    assert!(is_not_found(&e, "agent"));
    let e = err(s.delete_agent(&ws, &ann.id).await);
    assert!(is_not_found(&e, "agent"), "{n}: {e:?}");
    let e = err(s.delete_agent(&ws, &adam.id).await);
    assert_eq!(
        conflict(&e),
        (
            "",
            "agent adam@example.com is the workspace's last owner and cannot be deleted; make another agent owner first"
        ),
        "{n}"
    );
    say.say("last owner deleted", &e);
    s.delete_agent(&ws, &olivia.id).await.unwrap();
    let left: Vec<String> = s
        .agents(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(left, ["Adam"], "{n}");
    say.say("left", &left);

    say.finish()
}
