//! Sign-in hardening (issue 16): failed sign-ins limited per account and per address (429 with
//! Retry-After), the same work for unknown emails, sign-out, token expiry, the workspace's tokens
//! listed without secrets and revoked, and a data directory private whatever the umask.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_engine::clock::SystemClock;
use waflow_server::auth::passwords::PasswordCost;
use waflow_server::auth::SignInOptions;

/// The server with cheap password hashes (these tests sign in often) and `adjust`ed limits.
async fn spawn(adjust: impl FnOnce(&mut SignInOptions)) -> TestApp {
    TestApp::spawn_configured(Arc::new(SystemClock), |config| {
        config.sign_in.password_cost = PasswordCost::cheapest();
        adjust(&mut config.sign_in);
    })
    .await
}

/// Creates an agent with a password; its id.
async fn agent(app: &TestApp, email: &str, role: &str) -> String {
    let r = app
        .post(
            "/api/v1/agents",
            json!({"name": email, "email": email, "role": role, "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// Signs in: status, `Retry-After` (if any) and body.
async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, Option<u64>, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().expect("Retry-After in seconds"));
    (status, retry, r.json().await.unwrap())
}

async fn token(app: &TestApp, email: &str) -> String {
    let (status, _, body) = login(app, email, "correct horse").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn as_token(app: &TestApp, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
    let r = app.request_as(Some(token), method, path, None).await;
    (r.status, r.body)
}

#[tokio::test]
async fn the_61st_wrong_password_within_the_window_is_refused_until_it_passes() {
    let app = spawn(|s| s.window = Duration::from_secs(4)).await;
    agent(&app, "sara@shop.it", "agent").await;
    agent(&app, "leo@shop.it", "agent").await;
    // 60 wrong passwords at once: each is answered.
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..60 {
        let (client, url) = (
            app.client.clone(),
            format!("{}/api/v1/auth/login", app.base),
        );
        let body = json!({"email": "sara@shop.it", "password": format!("guess {i}")});
        attempts.spawn(async move { client.post(url).json(&body).send().await.unwrap().status() });
    }
    while let Some(status) = attempts.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::UNAUTHORIZED);
    }
    let (status, retry, body) = login(&app, "sara@shop.it", "guess 61").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some_and(|s| (1..=4).contains(&s)), "{retry:?}");
    assert_eq!(body["error"]["limit"], "sign_in_per_account", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again in"),
        "{body}"
    );
    // The right password is refused too while the account is locked ...
    let (status, retry, _) = login(&app, "sara@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ... but not another account from the same address.
    let (status, _, _) = login(&app, "leo@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::OK);
    // After the lockout, the right password works.
    tokio::time::sleep(Duration::from_millis(retry.unwrap() * 1000 + 100)).await;
    let (status, _, body) = login(&app, "sara@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn failures_from_one_address_are_limited_across_emails() {
    let app = spawn(|s| s.per_address = 10).await;
    agent(&app, "sara@shop.it", "agent").await;
    for i in 0..10 {
        let (status, _, body) = login(&app, &format!("nobody{i}@shop.it"), "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, retry, body) = login(&app, "nobody10@shop.it", "guess").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some_and(|s| s >= 1), "{retry:?}");
    assert_eq!(body["error"]["limit"], "sign_in_per_address", "{body}");
    let (status, _, _) = login(&app, "sara@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn unknown_emails_take_as_long_as_known_ones() {
    // Real hashing cost: the comparison is about the Argon2 work.
    let app = TestApp::spawn().await;
    agent(&app, "sara@shop.it", "agent").await;
    let timed = |email: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let (status, _, _) = login(app, email, "wrong password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            started.elapsed()
        }
    };
    // Warm up (the dummy hash is made on first use).
    timed("nobody@shop.it").await;
    timed("sara@shop.it").await;
    // Medians of 9 tries each, interleaved. Other tests load the machine, so a round may be
    // skewed: up to 3 rounds, one within 20 % passes. Without the dummy hash an unknown email is
    // answered in a fraction of the time, and every round fails.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for _ in 0..9 {
            known.push(timed("sara@shop.it").await);
            unknown.push(timed("nobody@shop.it").await);
        }
        known.sort();
        unknown.sort();
        let (k, u) = (known[4].as_secs_f64(), unknown[4].as_secs_f64());
        let gap = (k - u).abs() / k.max(u);
        if gap <= 0.2 {
            return;
        }
        rounds.push(format!(
            "known {k:.4} s, unknown {u:.4} s: {:.0} % apart",
            gap * 100.0
        ));
    }
    panic!("known and unknown emails take different times: {rounds:?}");
}

#[tokio::test]
async fn tokens_are_listed_without_secrets_revoked_and_signed_out() {
    let app = spawn(|_| {}).await;
    let sara = agent(&app, "sara@shop.it", "agent").await;
    agent(&app, "olga@shop.it", "owner").await;
    let (s1, s2) = (
        token(&app, "sara@shop.it").await,
        token(&app, "sara@shop.it").await,
    );
    let o1 = token(&app, "olga@shop.it").await;

    // Sara sees her own two sign-ins, the one in use marked, and no secret.
    let (status, mine) = as_token(&app, &s1, Method::GET, "/api/v1/auth/tokens").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = mine["data"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.iter().all(|t| t["agent_id"] == sara.as_str()));
    assert_eq!(mine.iter().filter(|t| t["current"] == true).count(), 1);
    let in_30_days = chrono::Utc::now() + chrono::Duration::days(30);
    for t in &mine {
        let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "agent_id",
                "created_at",
                "current",
                "expired",
                "expires_at",
                "id",
                "last_used_at",
                "name"
            ]
        );
        let expires = utc(t["expires_at"].as_str().unwrap());
        assert!((in_30_days - expires).num_minutes().abs() <= 1, "{t}");
    }
    // The owner sees everyone's; nothing listed is a secret or its hash.
    let all = app.get("/api/v1/auth/tokens").await;
    let text = all.body.to_string();
    assert_eq!(all.body["data"].as_array().unwrap().len(), 4, "{text}");
    for secret in [&s1, &s2, &o1, &app.token] {
        let hash = waflow_server::extract::hash_token(secret);
        assert!(
            !text.contains(secret.as_str()) && !text.contains(&hash),
            "{text}"
        );
    }
    let listed = all.body["data"].as_array().unwrap().clone();
    let id = |t: &Value| t["id"].as_str().unwrap().to_string();
    let olga_token = id(listed
        .iter()
        .find(|t| t["agent_id"].is_string() && t["agent_id"] != sara.as_str())
        .unwrap());
    let other = id(listed
        .iter()
        .find(|t| t["agent_id"] == sara.as_str() && t["current"] == false)
        .unwrap());
    assert!(mine.iter().any(|t| t["current"] == false && id(t) == other));

    // An agent cannot revoke someone else's token; an owner can revoke anyone's.
    let path = format!("/api/v1/auth/tokens/{olga_token}");
    let (status, _) = as_token(&app, &s1, Method::DELETE, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        as_token(&app, &o1, Method::GET, "/api/v1/auth/me").await.0,
        StatusCode::OK
    );
    let path = format!("/api/v1/auth/tokens/{other}");
    let (status, _) = as_token(&app, &o1, Method::DELETE, &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = as_token(&app, &s2, Method::GET, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // Signing out revokes the token in use.
    let (status, _) = as_token(&app, &s1, Method::POST, "/api/v1/auth/logout").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = as_token(&app, &s1, Method::GET, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );

    // A used token shows when; deleting an agent ends its sign-ins at once.
    let s3 = token(&app, "sara@shop.it").await;
    assert_eq!(
        as_token(&app, &s3, Method::GET, "/api/v1/numbers").await.0,
        StatusCode::OK
    );
    assert!(
        eventually(5, || async {
            let list = app.get("/api/v1/auth/tokens").await.body;
            list["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["agent_id"] == sara.as_str() && t["last_used_at"].is_string())
        })
        .await,
        "last_used_at is recorded"
    );
    let r = app
        .request(Method::DELETE, &format!("/api/v1/agents/{sara}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        as_token(&app, &s3, Method::GET, "/api/v1/numbers").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_sign_in_is_refused_with_a_clear_message() {
    let app = spawn(|s| s.token_ttl = Some(Duration::from_secs(1))).await;
    agent(&app, "sara@shop.it", "agent").await;
    let t = token(&app, "sara@shop.it").await;
    assert_eq!(
        as_token(&app, &t, Method::GET, "/api/v1/auth/me").await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = as_token(&app, &t, Method::GET, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("expired") && message.contains("sign in again"),
        "{message}"
    );
    let list = app.get("/api/v1/auth/tokens").await.body;
    let signed_in = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["agent_id"].is_string());
    assert_eq!(signed_in.unwrap()["expired"], true, "{list}");
}
