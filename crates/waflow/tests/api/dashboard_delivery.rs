//! The dashboard's files go compressed: the brotli copy to a browser that accepts `br`, the gzip
//! copy to one that accepts only `gzip`, the file itself otherwise — each with the original's
//! type and `Vary: Accept-Encoding`.

use crate::harness::TestApp;
use std::path::Path;

fn dist() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist"))
}

#[tokio::test]
async fn each_browser_gets_the_copy_it_accepts() {
    let app = TestApp::spawn().await;
    let script = std::fs::read_dir(dist().join("assets"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with("index-") && n.ends_with(".js"))
        .expect("the entry script in web/dist/assets");
    let original = std::fs::read(dist().join("assets").join(&script)).unwrap();
    for (accept, suffix, coding) in [
        ("gzip, deflate, br, zstd", ".br", Some("br")),
        ("gzip;q=1.0, br;q=0", ".gz", Some("gzip")),
        ("gzip", ".gz", Some("gzip")),
        ("identity", "", None),
        ("", "", None),
    ] {
        let mut req = app.client.get(format!("{}/assets/{script}", app.base));
        if !accept.is_empty() {
            req = req.header("accept-encoding", accept);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let headers = r.headers().clone();
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            coding,
            "{accept:?}"
        );
        assert_eq!(headers["vary"], "Accept-Encoding");
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript"));
        let body = r.bytes().await.unwrap();
        let expected =
            std::fs::read(dist().join("assets").join(format!("{script}{suffix}"))).unwrap();
        assert_eq!(body.as_ref(), expected.as_slice(), "{accept:?}");
        if coding.is_some() {
            assert!(
                body.len() * 2 < original.len(),
                "compressed: {} of {}",
                body.len(),
                original.len()
            );
        }
    }
    // A client route gets index.html, compressed too.
    let r = app
        .client
        .get(format!("{}/campaigns/new", app.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let expected = std::fs::read(dist().join("index.html.br")).unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), expected.as_slice());
}
