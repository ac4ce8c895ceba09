//! The media link a linked number sends, downloaded through the SSRF guard.
//!
//! **Invariant:** the link and every redirect hop pass the guard (at most
//! [`MAX_REDIRECTS`] hops); the body is read in chunks and the download stops as soon as it
//! passes the size limit, or at the time limit, whichever comes first.

use waflow_channels::SendError;
use waflow_outbound_http::{FetchError, Fetcher, Guard, Limits, MAX_REDIRECTS};

/// Downloads `url` through `guard` within `limits`; returns the bytes and the content type.
/// A refused address, an answer over the limit or a non-2xx status is permanent; a timeout or a
/// failed connection may pass on a later attempt.
pub(crate) async fn fetch_media(
    url: &str,
    guard: &Guard,
    limits: Limits,
) -> Result<(Vec<u8>, String), SendError> {
    let fetched = Fetcher::new(guard.clone(), MAX_REDIRECTS)
        .get(url, None, limits)
        .await
        .map_err(|e| match e {
            FetchError::Refused { .. } | FetchError::TooLarge { .. } => {
                SendError::Permanent(format!("media download: {e}"))
            }
            FetchError::TimedOut { .. } | FetchError::Transport { .. } | FetchError::Client(_) => {
                SendError::Retryable(format!("media download: {e}"))
            }
        })?;
    if !(200..300).contains(&fetched.status) {
        return Err(SendError::Permanent(format!(
            "media download from {}: HTTP {}",
            waflow_outbound_http::without_query(url),
            fetched.status
        )));
    }
    let mime = fetched
        .content_type
        .unwrap_or_else(|| "application/octet-stream".to_string());
    Ok((fetched.body, mime))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use waflow_outbound_http::{forms::refused_forms, Policy};

    const LIMITS: Limits = Limits {
        max_bytes: 64 * 1024,
        timeout: Duration::from_secs(2),
    };

    /// A local server: each connection is counted, its request read, and answered with `head`
    /// followed by up to `body` bytes (64 KiB pieces, until the client goes away). Returns the
    /// base URL, the connections and the bytes written.
    async fn server(head: String, body: usize) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (accepted, written) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (a, w) = (accepted.clone(), written.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                a.fetch_add(1, SeqCst);
                let (head, w) = (head.clone(), w.clone());
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let _ = socket.write_all(head.as_bytes()).await;
                    let piece = vec![1u8; 64 * 1024];
                    while w.load(SeqCst) < body {
                        if socket.write_all(&piece).await.is_err() {
                            return;
                        }
                        w.fetch_add(piece.len(), SeqCst);
                    }
                    // Keep the connection open: a stalled answer stays stalled.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                });
            }
        });
        (base, accepted, written)
    }

    fn permanent(result: Result<(Vec<u8>, String), SendError>) -> String {
        match result {
            Err(SendError::Permanent(why)) => why,
            other => panic!("not a permanent error: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_link_to_a_refused_address_is_not_fetched() {
        let (base, accepted, _) = server(String::new(), 0).await;
        let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
        for (url, what) in refused_forms(port) {
            let why = permanent(fetch_media(&url, &Guard::default(), LIMITS).await);
            assert!(why.starts_with("media download: "), "{what}: {why}");
        }
        let why = permanent(fetch_media(&format!("{base}/a.jpg"), &Guard::default(), LIMITS).await);
        assert!(
            why.contains("127.0.0.1")
                && why.contains("loopback")
                && why.contains("--allow-private-http"),
            "{why}"
        );
        assert_eq!(accepted.load(SeqCst), 0, "the refused server was reached");
    }

    #[tokio::test]
    async fn a_redirect_to_a_refused_address_is_not_followed() {
        let (target, accepted, _) = server(String::new(), 0).await;
        let head =
            format!("HTTP/1.1 302 Found\r\nlocation: {target}/a.jpg\r\ncontent-length: 0\r\n\r\n");
        let (redirector, hops, _) = server(head, 0).await;
        // Only the redirecting host is allowed (as a public host would be).
        let guard = Guard::default().trusting(&redirector);
        let why = permanent(fetch_media(&format!("{redirector}/a.jpg"), &guard, LIMITS).await);
        assert!(why.contains("loopback"), "{why}");
        assert_eq!(hops.load(SeqCst), 1);
        assert_eq!(
            accepted.load(SeqCst),
            0,
            "the redirect reached a refused address"
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_aborted_early() {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\nconnection: close\r\n\r\n";
        let (base, _, written) = server(head.to_string(), 256 << 20).await;
        let allow = Guard::new(Policy {
            allow_private: true,
        });
        let started = Instant::now();
        let why = permanent(fetch_media(&format!("{base}/big.jpg"), &allow, LIMITS).await);
        assert!(why.contains("larger than 65536 bytes"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(2));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = written.load(SeqCst);
        assert!(
            sent < 32 << 20,
            "{sent} bytes were sent: the body was read on"
        );

        let declared = "HTTP/1.1 200 OK\r\ncontent-length: 999999999\r\n\r\n";
        let (base, _, _) = server(declared.to_string(), 0).await;
        let why = permanent(fetch_media(&format!("{base}/huge.jpg"), &allow, LIMITS).await);
        assert!(why.contains("larger than"), "{why}");
    }

    #[tokio::test]
    async fn a_small_file_arrives_with_its_type_and_a_stalled_one_times_out() {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 3\r\n\r\nabc";
        let (base, _, _) = server(head.to_string(), 0).await;
        let allow = Guard::new(Policy {
            allow_private: true,
        });
        let (bytes, mime) = fetch_media(&format!("{base}/a.png"), &allow, LIMITS)
            .await
            .unwrap();
        assert_eq!(
            (bytes.as_slice(), mime.as_str()),
            (&b"abc"[..], "image/png")
        );

        let stalled = "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab";
        let (base, _, _) = server(stalled.to_string(), 0).await;
        let limits = Limits {
            timeout: Duration::from_millis(300),
            ..LIMITS
        };
        let started = Instant::now();
        match fetch_media(&format!("{base}/a.png"), &allow, limits).await {
            Err(SendError::Retryable(why)) => assert!(why.contains("300 ms"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
