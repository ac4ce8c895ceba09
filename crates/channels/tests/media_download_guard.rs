//! The media URL Meta answers with goes through the SSRF guard: the Graph API's own origin (a
//! loopback stand-in here) is trusted, any other refused address is refused — as the URL itself
//! or as a redirect hop — and nothing connects to it; a file over the limit is stopped early.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use waflow_channels::cloud_api::graph::{Credentials, ErrorKind, GraphClient};
use waflow_outbound_http::{forms::refused_forms, Policy};

/// A loopback server answering every request with `answer`; its base URL and connection count.
async fn server(answer: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base, accepted)
}

fn creds() -> Credentials {
    Credentials {
        phone_number_id: "1".into(),
        access_token: "token".into(),
    }
}

#[tokio::test]
async fn a_media_url_off_the_graph_origin_is_refused_unless_allowed() {
    let (elsewhere, reached) =
        server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()).await;
    let (graph, _) = server("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nimage".into()).await;
    let client = GraphClient::new(graph.as_str(), "v23.0").unwrap();
    let port: u16 = elsewhere.rsplit(':').next().unwrap().parse().unwrap();
    for (url, what) in refused_forms(port) {
        let error = client.download(&creds(), &url).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Permanent, "{what}: {error}");
        assert_eq!(error.error.title, "refused", "{what}: {error}");
    }
    assert_eq!(reached.load(SeqCst), 0, "a refused media URL was fetched");
    // The Graph API's own origin is trusted (the operator configured it).
    let bytes = client
        .download(&creds(), &format!("{graph}/media-bytes/1"))
        .await
        .unwrap();
    assert_eq!(bytes, b"image");
    // The operator's switch lets the other address through.
    let allowed = client.with_media_policy(Policy {
        allow_private: true,
    });
    let bytes = allowed
        .download(&creds(), &format!("{elsewhere}/m"))
        .await
        .unwrap();
    assert_eq!(bytes, b"ok");
    assert_eq!(reached.load(SeqCst), 1);
}

#[tokio::test]
async fn a_redirect_from_the_graph_origin_to_a_refused_address_is_not_followed() {
    let (elsewhere, reached) =
        server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()).await;
    let redirect =
        format!("HTTP/1.1 302 Found\r\nlocation: {elsewhere}/m\r\ncontent-length: 0\r\n\r\n");
    let (graph, _) = server(redirect).await;
    let client = GraphClient::new(graph.as_str(), "v23.0").unwrap();
    let error = client
        .download(&creds(), &format!("{graph}/media-bytes/1"))
        .await
        .unwrap_err();
    assert_eq!(error.error.title, "refused", "{error}");
    assert!(error.error.message.contains("loopback"), "{error}");
    assert_eq!(reached.load(SeqCst), 0, "the redirect was followed");
}

#[tokio::test]
async fn a_declared_size_over_the_limit_is_refused_before_the_body() {
    let (graph, _) = server("HTTP/1.1 200 OK\r\ncontent-length: 999999999999\r\n\r\n".into()).await;
    let client = GraphClient::new(graph.as_str(), "v23.0").unwrap();
    let started = std::time::Instant::now();
    let error = client
        .download(&creds(), &format!("{graph}/media-bytes/1"))
        .await
        .unwrap_err();
    assert_eq!(error.error.title, "too_large", "{error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// The channel's media lookup then download: the URL Meta answers with meets the guard, and the
/// operator's switch (given to the channel) lets a private one through.
#[tokio::test]
async fn the_channel_downloads_received_media_under_the_operator_policy() {
    use waflow_channels::cloud_api::channel::{CloudApiChannel, Limits};
    let (elsewhere, reached) =
        server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()).await;
    let lookup = format!(r#"{{"url": "{elsewhere}/m", "mime_type": "image/jpeg"}}"#);
    let (graph, _) = server(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{lookup}",
        lookup.len()
    ))
    .await;
    let strict = CloudApiChannel::new(&graph, "v23.0");
    strict.set_line("n1", creds(), Limits::default());
    let error = strict.fetch_media("n1", "123").await.unwrap_err();
    assert_eq!(error.error.title, "refused", "{error}");
    assert_eq!(reached.load(SeqCst), 0);

    let allowed = CloudApiChannel::new(&graph, "v23.0").with_media_policy(Policy {
        allow_private: true,
    });
    allowed.set_line("n1", creds(), Limits::default());
    let (info, bytes) = allowed.fetch_media("n1", "123").await.unwrap();
    assert_eq!(
        (info.mime_type.as_str(), bytes.as_slice()),
        ("image/jpeg", &b"ok"[..])
    );
    assert_eq!(reached.load(SeqCst), 1);
}
