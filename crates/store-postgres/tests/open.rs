//! Opening the store: migrations run once and are found applied the next time; a server that
//! cannot be reached is a backend error naming its URL without the password.

use waflow_store::Error;
use waflow_store_postgres::{testing, PgStore};

#[tokio::test]
async fn opening_twice_finds_the_schema_in_place() {
    let url = testing::fresh_database().await;
    let first = PgStore::open(&url, 2).await.unwrap();
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0)")
        .execute(first.pool())
        .await
        .unwrap();
    let second = PgStore::open(&url, 2).await.unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM workspaces")
        .fetch_one(second.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    let Err(Error::Backend(message)) =
        PgStore::open("postgres://waflow:s3cret@127.0.0.1:1/waflow", 1).await
    else {
        panic!("a server on port 1 was reached");
    };
    assert!(
        message.contains("postgres://waflow:***@127.0.0.1:1/waflow"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
}
