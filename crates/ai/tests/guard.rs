//! The AI client behind the SSRF guard: a provider URL of every refused form is refused before
//! anything is sent (chat and transcription), a redirect is not followed, and an answer over
//! [`MAX_ANSWER_BYTES`] is stopped. A loopback listener counts connections: none may arrive.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use waflow_ai::{AiClient, AiError, ChatMessage, Part, ProviderSettings, MAX_ANSWER_BYTES};
use waflow_outbound_http::{forms::refused_forms, Guard, Policy, Refused};

/// Listens on 127.0.0.1 (and [::1] on the same port when there is IPv6); counts connections.
async fn counter() -> (u16, Arc<AtomicUsize>) {
    let v4 = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = v4.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut listeners = vec![v4];
    if let Ok(v6) = TcpListener::bind(("::1", port)).await {
        listeners.push(v6);
    }
    for listener in listeners {
        let accepted = accepted.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted.fetch_add(1, SeqCst);
                drop(socket);
            }
        });
    }
    (port, accepted)
}

/// A provider stand-in that answers every request with `head` and then `body_bytes` bytes of
/// `x` (written in 64 KiB pieces until the client goes away).
async fn provider(head: String, body_bytes: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let head = head.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(head.as_bytes()).await;
                let piece = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < body_bytes {
                    if socket.write_all(&piece).await.is_err() {
                        break;
                    }
                    sent += piece.len();
                }
            });
        }
    });
    base
}

fn hello() -> Vec<ChatMessage> {
    vec![ChatMessage::User(vec![Part::Text("Hello".into())])]
}

fn settings(base_url: &str) -> ProviderSettings {
    let mut settings = ProviderSettings::new(base_url, "m");
    settings.timeout = Duration::from_secs(2);
    settings
}

#[tokio::test]
async fn every_refused_form_of_base_url_is_refused_before_anything_is_sent() {
    let (port, accepted) = counter().await;
    let client = AiClient::new();
    for (url, what) in refused_forms(port) {
        let error = client.chat(&settings(&url), &hello()).await.unwrap_err();
        assert!(
            matches!(error, AiError::Refused(_)),
            "{what}: {url}: {error}"
        );
        assert!(!error.is_transient());
        let error = client
            .transcribe(&settings(&url), vec![1, 2, 3], "a.ogg", "audio/ogg")
            .await
            .unwrap_err();
        assert!(
            matches!(error, AiError::Refused(_)),
            "{what}: {url}: {error}"
        );
    }
    let error = client
        .chat(&settings(&format!("http://127.0.0.1:{port}/v1")), &hello())
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("the AI provider's address is refused: requests to 127.0.0.1")
            && text.contains("loopback")
            && text.contains("--allow-private-http"),
        "{text}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(accepted.load(SeqCst), 0, "a refused provider was reached");

    // The counter counts: allowed, the same provider URL is called.
    let allowed = AiClient::with_policy(Policy {
        allow_private: true,
    });
    let error = allowed
        .chat(&settings(&format!("http://127.0.0.1:{port}/v1")), &hello())
        .await
        .unwrap_err();
    assert!(matches!(error, AiError::Unreachable(_)), "{error}");
    assert_eq!(accepted.load(SeqCst), 1);
}

#[tokio::test]
async fn a_name_of_a_refused_address_is_refused_when_resolved() {
    let (port, accepted) = counter().await;
    let client = AiClient::guarded(
        Guard::default().resolving("ollama.test", vec!["127.0.0.1".parse().unwrap()]),
    );
    let error = client
        .chat(
            &settings(&format!("http://ollama.test:{port}/v1")),
            &hello(),
        )
        .await
        .unwrap_err();
    match error {
        AiError::Refused(Refused::Forbidden { host, kind, .. }) => {
            assert_eq!((host.as_str(), kind.as_str()), ("ollama.test", "loopback"))
        }
        other => panic!("{other}"),
    }
    assert_eq!(accepted.load(SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (port, accepted) = counter().await;
    let head = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:{port}/v1/chat/completions\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n"
    );
    let base = provider(head, 0).await;
    let client = AiClient::guarded(Guard::default().trusting(&base));
    let error = client.chat(&settings(&base), &hello()).await.unwrap_err();
    assert!(
        matches!(error, AiError::Status { status: 307, .. }),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(accepted.load(SeqCst), 0, "the redirect was followed");
}

#[tokio::test]
async fn an_answer_over_the_limit_is_stopped_while_it_streams() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
    let base = provider(head.to_string(), 256 << 20).await;
    let client = AiClient::guarded(Guard::default().trusting(&base));
    let started = Instant::now();
    let error = client.chat(&settings(&base), &hello()).await.unwrap_err();
    assert_eq!(
        error,
        AiError::Malformed(format!(
            "the answer is larger than {MAX_ANSWER_BYTES} bytes"
        ))
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}
