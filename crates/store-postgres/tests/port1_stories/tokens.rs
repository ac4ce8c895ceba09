//! Every `Tokens` method.

use crate::harness::{err, is_not_found, t, All, Raw, Transcript};
use chrono::Duration;
use waflow_store::{Error, NewToken, TokenGrant};

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let other = s.workspace_by_name_or_create("other").await.unwrap().id;
    let owner = s
        .insert_agent(&ws, "Olivia", "olivia@example.com", "owner")
        .await
        .unwrap();
    let agent = s
        .insert_agent(&ws, "Ann", "ann@example.com", "agent")
        .await
        .unwrap();

    assert!(s.tokens(&ws, None).await.unwrap().is_empty());
    assert_eq!(s.token_grant("h-none").await.unwrap(), None);

    // An API token that never expires, and sign-in tokens of two agents.
    let api = s
        .insert_token(
            NewToken {
                workspace_id: &ws,
                name: "ci",
                hash: "h-api",
                agent_id: None,
                expires_at: None,
            },
            t(0),
        )
        .await
        .unwrap();
    assert!(api.starts_with("tok_"), "{n}: {api}");
    let signin = s
        .insert_token(
            NewToken {
                workspace_id: &ws,
                name: "dashboard",
                hash: "h-owner",
                agent_id: Some(&owner.id),
                expires_at: Some(t(0) + Duration::days(14)),
            },
            t(1),
        )
        .await
        .unwrap();
    let ann_token = s
        .insert_token(
            NewToken {
                workspace_id: &ws,
                name: "dashboard",
                hash: "h-ann",
                agent_id: Some(&agent.id),
                expires_at: Some(t(0) + Duration::days(14)),
            },
            t(2),
        )
        .await
        .unwrap();
    let elsewhere = s
        .insert_token(
            NewToken {
                workspace_id: &other,
                name: "cli",
                hash: "h-other",
                agent_id: None,
                expires_at: None,
            },
            t(3),
        )
        .await
        .unwrap();

    // A hash is stored once.
    let e = err(s
        .insert_token(
            NewToken {
                workspace_id: &ws,
                name: "again",
                hash: "h-api",
                agent_id: None,
                expires_at: None,
            },
            t(4),
        )
        .await);
    // The message is the database's own (it differs between backends); the field is empty.
    match &e {
        Error::Conflict { field, .. } => assert_eq!(field, "", "{n}"),
        other => panic!("{n}: expected a conflict, got {other:?}"),
    }
    say.say("same hash", "conflict");

    // Grants.
    assert_eq!(
        s.token_grant("h-api").await.unwrap(),
        Some(TokenGrant {
            id: api.clone(),
            workspace_id: ws.clone(),
            agent_id: None,
            expires_at: None
        }),
        "{n}"
    );
    let grant = s.token_grant("h-owner").await.unwrap().unwrap();
    assert_eq!(grant.id, signin);
    assert_eq!(grant.agent_id.as_deref(), Some(owner.id.as_str()));
    assert_eq!(grant.expires_at, Some(t(0) + Duration::days(14)));
    say.say("grant", &grant);

    // Listings: newest first, optionally one agent's.
    let all = s.tokens(&ws, None).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [ann_token.as_str(), signin.as_str(), api.as_str()],
        "{n}"
    );
    assert_eq!(all[2].name, "ci");
    assert_eq!(all[2].created_at, t(0));
    assert_eq!(all[2].last_used_at, None);
    assert_eq!(all[1].expires_at, Some(t(0) + Duration::days(14)));
    say.say("tokens", &all);
    let mine = s.tokens(&ws, Some(&owner.id)).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, signin);
    assert_eq!(s.tokens(&other, None).await.unwrap()[0].id, elsewhere);
    assert!(s.tokens(&other, Some(&owner.id)).await.unwrap().is_empty());

    // Use.
    s.touch_token("h-api", t(30)).await.unwrap();
    s.touch_token("h-unknown", t(30)).await.unwrap();
    let api_info = s.tokens(&ws, None).await.unwrap().pop().unwrap();
    assert_eq!(api_info.last_used_at, Some(t(30)), "{n}");

    // Revoking: only the workspace's, only the agent's when one is given.
    let e = err(s.revoke_token(&ws, &signin, Some(&agent.id)).await);
    assert!(is_not_found(&e, "token"), "{n}: {e:?}");
    let e = err(s.revoke_token(&other, &signin, None).await);
    assert!(is_not_found(&e, "token"), "{n}: {e:?}");
    say.say("revoke another's", &e);
    assert_eq!(
        s.revoke_token(&ws, &signin, Some(&owner.id)).await.unwrap(),
        "h-owner"
    );
    assert_eq!(s.token_grant("h-owner").await.unwrap(), None, "{n}");
    let e = err(s.revoke_token(&ws, &signin, None).await);
    assert!(is_not_found(&e, "token"));
    assert_eq!(
        s.revoke_token(&ws, &ann_token, None).await.unwrap(),
        "h-ann"
    );
    assert!(s.revoke_token_by_hash("h-other").await.unwrap());
    assert!(!s.revoke_token_by_hash("h-other").await.unwrap(), "{n}");
    assert_eq!(s.token_grant("h-other").await.unwrap(), None);

    // Expired tokens are kept 30 days, then deleted when a token is stored.
    for (hash, days) in [("h-old", 31), ("h-recent", 29)] {
        s.insert_token(
            NewToken {
                workspace_id: &ws,
                name: "dashboard",
                hash,
                agent_id: Some(&owner.id),
                expires_at: Some(t(0) - Duration::days(days)),
            },
            t(0) - Duration::days(40),
        )
        .await
        .unwrap();
    }
    assert!(s.token_grant("h-old").await.unwrap().is_some());
    s.insert_token(
        NewToken {
            workspace_id: &ws,
            name: "cli",
            hash: "h-new",
            agent_id: None,
            expires_at: None,
        },
        t(0),
    )
    .await
    .unwrap();
    assert_eq!(
        s.token_grant("h-old").await.unwrap(),
        None,
        "{n}: kept too long"
    );
    let recent = s.token_grant("h-recent").await.unwrap().unwrap();
    assert_eq!(recent.expires_at, Some(t(0) - Duration::days(29)), "{n}");
    let hashes = raw
        .text("SELECT MIN(token_hash) || ',' || MAX(token_hash) FROM api_tokens")
        .await;
    say.say("stored", hashes);
    say.say("after expiry", s.tokens(&ws, None).await.unwrap());

    // An agent's tokens go with the agent.
    s.delete_agent(&ws, &agent.id).await.unwrap();
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE agent_id = '{}'",
            agent.id
        ))
        .await,
        0
    );

    say.finish()
}
