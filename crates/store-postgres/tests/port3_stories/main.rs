//! `Records`, `Deliveries` and `ContactImports`: one story per trait, told to a fresh SQLite
//! store and a fresh PostgreSQL store; each answer is asserted on each backend, and the two
//! transcripts (generated ids by the part they play) must be equal. Then the PostgreSQL claims
//! these traits make are raced by concurrent callers (several servers on one database).

mod deliveries;
mod deliveries_seed;
mod harness;
mod imports;
mod races;
mod records;

use harness::{assert_same, Lite, Pg};

#[tokio::test]
async fn records_answer_the_same_on_both_backends() {
    let lite = Lite::new().await;
    let s = records::story(&lite.store, &lite).await;
    let pg = Pg::new().await;
    let p = records::story(&pg.store, &pg).await;
    assert_same("records", &s, &p);
}

#[tokio::test]
async fn deliveries_answer_the_same_on_both_backends() {
    let lite = Lite::new().await;
    let s = deliveries::story(&lite.store, &lite).await;
    let pg = Pg::new().await;
    let p = deliveries::story(&pg.store, &pg).await;
    assert_same("deliveries", &s, &p);
}

#[tokio::test]
async fn contact_imports_answer_the_same_on_both_backends() {
    let lite = Lite::new().await;
    let s = imports::story(&lite.store, &lite).await;
    let pg = Pg::new().await;
    let p = imports::story(&pg.store, &pg).await;
    assert_same("contact imports", &s, &p);
}
