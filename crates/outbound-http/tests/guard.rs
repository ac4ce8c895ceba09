//! The guard against every refused URL form, through each way out — the check before a request,
//! `send` (workflow steps, the events webhook), `Fetcher::get` (media downloads) — with names
//! resolving to refused addresses, redirects from an allowed host, and bodies over their size
//! or time limit. A loopback listener counts the connections it accepts: none may arrive.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use waflow_outbound_http::forms::refused_forms;
use waflow_outbound_http::*;

/// Listens on 127.0.0.1 and [::1] (same port, when IPv6 is there) and counts accepted
/// connections.
struct Counter {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Counter {
    async fn start() -> Counter {
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
        Counter { port, accepted }
    }

    fn count(&self) -> usize {
        self.accepted.load(SeqCst)
    }
}

/// Reads a request head; returns its path.
async fn read_path(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    head.split(' ').nth(1).unwrap_or("/").to_string()
}

/// A local server answering each request with `answer(path)` (a whole HTTP response); returns
/// its base URL.
async fn serve(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let path = read_path(&mut socket).await;
                let _ = socket.write_all(answer(&path).as_bytes()).await;
            });
        }
    });
    base
}

fn redirect_to(location: &str) -> String {
    format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn request(url: &str) -> Request {
    Request {
        method: "POST".into(),
        url: url.into(),
        headers: vec![],
        body: Some("{}".into()),
        timeout: Duration::from_secs(2),
    }
}

const LIMITS: Limits = Limits {
    max_bytes: 100_000,
    timeout: Duration::from_secs(2),
};

const ALLOW: Policy = Policy {
    allow_private: true,
};

#[tokio::test]
async fn every_form_is_refused_on_every_way_out_and_nothing_connects() {
    let counter = Counter::start().await;
    let guard = Guard::default();
    let fetcher = Fetcher::new(guard.clone(), MAX_REDIRECTS);
    let forms = refused_forms(counter.port);
    assert!(forms.len() >= 30);
    for (url, what) in &forms {
        let checked = guard.check_url(url);
        assert!(checked.is_err(), "{what}: {url} passed the check");
        let refused = match send(&request(url), Policy::default()).await {
            Outcome::Refused(r) => r,
            other => panic!("{what}: {url} was not refused by send: {other:?}"),
        };
        assert_eq!(Err(refused.clone()), checked.map(|_| ()), "{what}");
        if matches!(
            refused,
            Refused::Forbidden { .. } | Refused::LocalName { .. }
        ) {
            let text = refused.to_string();
            assert!(text.contains("--allow-private-http"), "{text}");
        }
        match fetcher.get(url, None, LIMITS).await {
            Err(FetchError::Refused { .. }) => {}
            other => panic!("{what}: {url} was not refused by the fetcher: {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(counter.count(), 0, "a refused form reached the listener");
}

#[tokio::test]
async fn each_form_is_read_as_the_address_it_means() {
    let guard = Guard::default();
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    for url in [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://127.0.0.1./",
        "http://evil.example@127.0.0.1/",
        "http://１２７.０.０.１/",
    ] {
        match guard.check_url(url) {
            Err(Refused::Forbidden { addr, kind, .. }) => {
                assert_eq!((addr, kind.as_str()), (loopback, "loopback"), "{url}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    for (url, kind) in [
        ("http://[::127.0.0.1]/", "IPv4-compatible"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("http://[64:ff9b::7f00:1]/", "NAT64"),
        ("http://[2002:7f00:1::]/", "6to4"),
        ("http://[2001:0:7f00:1::1]/", "Teredo"),
    ] {
        match guard.check_url(url) {
            Err(Refused::Forbidden { kind: k, .. }) => assert!(k.contains(kind), "{url}: {k}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    let text = guard
        .check_url("http://[64:ff9b::7f00:1]:8080/")
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "requests to [64:ff9b::7f00:1] are refused: 64:ff9b::7f00:1 is a loopback \
         (127.0.0.1, carried in NAT64 form) address; the operator can allow private \
         addresses by starting waflow with --allow-private-http"
    );
    assert!(guard.check_url("http://93.184.215.14/x").is_ok());
    assert!(guard.check_url("http://[2606:4700::1111]/").is_ok());
    assert!(
        guard.check_url("http://example.com/").is_ok(),
        "names wait for DNS"
    );
}

/// The counter does count: the same forms connect once the operator allows private addresses.
#[tokio::test]
async fn the_operator_switch_lets_the_same_forms_through() {
    let counter = Counter::start().await;
    let p = counter.port;
    for url in [
        format!("http://127.0.0.1:{p}/"),
        format!("http://2130706433:{p}/"),
        format!("http://localhost:{p}/"),
    ] {
        let outcome = send(&request(&url), ALLOW).await;
        assert!(matches!(outcome, Outcome::Failed(_)), "{url}: {outcome:?}");
    }
    assert_eq!(counter.count(), 3);
}

#[tokio::test]
async fn a_name_resolving_to_a_refused_address_is_refused_by_the_client_itself() {
    let counter = Counter::start().await;
    let p = counter.port;
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let public: IpAddr = "93.184.215.14".parse().unwrap();
    let guard = Guard::default()
        .resolving("internal.test", vec![loopback])
        .resolving("mixed.test", vec![public, loopback]);
    for host in ["internal.test", "mixed.test"] {
        let url = format!("http://{host}:{p}/");
        assert!(
            guard.check_url(&url).is_ok(),
            "a name passes the first check"
        );
        match send_guarded(&request(&url), &guard).await {
            Outcome::Refused(Refused::Forbidden { host: h, addr, .. }) => {
                assert_eq!((h.as_str(), addr), (host, loopback))
            }
            other => panic!("{url}: {other:?}"),
        }
        let fetched = Fetcher::new(guard.clone(), MAX_REDIRECTS)
            .get(&url, None, LIMITS)
            .await;
        assert!(
            matches!(fetched, Err(FetchError::Refused { .. })),
            "{fetched:?}"
        );
        assert!(matches!(
            guard.vet(&url).await,
            Err(Refused::Forbidden { .. })
        ));
    }
    assert_eq!(counter.count(), 0);
    let allowed = Guard::new(ALLOW).resolving("internal.test", vec![loopback]);
    let outcome = send_guarded(&request(&format!("http://internal.test:{p}/")), &allowed).await;
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    assert_eq!(counter.count(), 1, "allowed, the name's address is used");
}

#[tokio::test]
async fn a_redirect_from_an_allowed_host_to_a_refused_one_never_connects() {
    let counter = Counter::start().await;
    let p = counter.port;
    let mut targets: Vec<String> = refused_forms(p)
        .into_iter()
        .map(|(url, _)| url)
        .filter(|url| url.starts_with("http"))
        .collect();
    targets.push(format!("http://internal.test:{p}/x"));
    let targets = Arc::new(targets);
    let chain = targets.clone();
    let base = serve(move |path| {
        let rest = path.trim_start_matches('/');
        if let Ok(i) = rest.parse::<usize>() {
            redirect_to(&chain[i])
        } else if rest == "loop" {
            redirect_to("/loop")
        } else if rest == "hop" {
            redirect_to("/done")
        } else {
            ok("done")
        }
    })
    .await;
    // The test host is allowed by origin; everything else keeps the default policy.
    let guard = Guard::default()
        .trusting(&base)
        .resolving("internal.test", vec!["127.0.0.1".parse().unwrap()]);
    let fetcher = Fetcher::new(guard.clone(), MAX_REDIRECTS);
    for (i, target) in targets.iter().enumerate() {
        match fetcher.get(&format!("{base}/{i}"), None, LIMITS).await {
            Err(FetchError::Refused { .. }) => {}
            other => panic!("redirect to {target}: {other:?}"),
        }
        // `send` does not follow redirects at all: the 302 is the answer.
        match send_guarded(&request(&format!("{base}/{i}")), &guard).await {
            Outcome::Answered { status: 302, .. } => {}
            other => panic!("redirect to {target}: {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(counter.count(), 0, "a redirect reached a refused address");

    // Allowed hops are followed, up to the limit.
    let done = fetcher.get(&format!("{base}/hop"), None, LIMITS).await;
    assert_eq!(done.unwrap().body, b"done");
    match fetcher.get(&format!("{base}/loop"), None, LIMITS).await {
        Err(FetchError::Refused {
            refused: Refused::TooManyRedirects { limit },
            ..
        }) => assert_eq!(limit, MAX_REDIRECTS),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_trusted_name_is_trusted_on_its_own_port_only() {
    let counter = Counter::start().await;
    let base = serve(|_| ok("graph")).await;
    let port = base.rsplit(':').next().unwrap();
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let guard = Guard::default()
        .resolving("graph.test", vec![loopback])
        .trusting(&format!("http://graph.test:{port}"));
    let fetcher = Fetcher::new(guard.clone(), MAX_REDIRECTS);
    let answer = fetcher
        .get(&format!("http://graph.test:{port}/m"), None, LIMITS)
        .await
        .unwrap();
    assert_eq!(answer.body, b"graph");
    let other = format!("http://graph.test:{}/", counter.port);
    assert!(matches!(
        fetcher.get(&other, None, LIMITS).await,
        Err(FetchError::Refused {
            refused: Refused::UntrustedPort { .. },
            ..
        })
    ));
    assert_eq!(counter.count(), 0);
}

/// A server that answers 200 and then writes `chunk`-sized pieces (close-delimited) until the
/// client goes away; returns its base URL and the bytes it managed to write.
async fn endless(chunk: usize, pause: Duration) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (w, f) = (written.clone(), finished.clone());
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        read_path(&mut socket).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\nconnection: close\r\n\r\n";
        let _ = socket.write_all(head.as_bytes()).await;
        let piece = vec![7u8; chunk];
        // At most 256 MiB: far more than any limit here.
        while w.load(SeqCst) < 256 << 20 {
            if socket.write_all(&piece).await.is_err() {
                break;
            }
            w.fetch_add(chunk, SeqCst);
            tokio::time::sleep(pause).await;
        }
        f.store(1, SeqCst);
    });
    (base, written, finished)
}

#[tokio::test]
async fn a_body_over_the_limit_is_stopped_as_soon_as_it_passes() {
    let (base, written, finished) = endless(64 * 1024, Duration::ZERO).await;
    let fetcher = Fetcher::new(Guard::new(ALLOW), MAX_REDIRECTS);
    let started = Instant::now();
    let result = fetcher.get(&format!("{base}/big"), None, LIMITS).await;
    assert!(
        matches!(result, Err(FetchError::TooLarge { limit: 100_000, .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The connection is dropped: the server's writes fail long before its 256 MiB.
    let deadline = Instant::now() + Duration::from_secs(5);
    while finished.load(SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(finished.load(SeqCst), 1, "the server is still writing");
    assert!(
        written.load(SeqCst) < 64 << 20,
        "{} bytes sent",
        written.load(SeqCst)
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_stops_before_the_body() {
    let base = serve(|_| "HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\n".to_string()).await;
    let fetcher = Fetcher::new(Guard::new(ALLOW), MAX_REDIRECTS);
    let started = Instant::now();
    let result = fetcher.get(&format!("{base}/huge"), None, LIMITS).await;
    assert!(
        matches!(result, Err(FetchError::TooLarge { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn a_slow_body_ends_at_the_time_limit() {
    let (base, _, _) = endless(10, Duration::from_millis(50)).await;
    let fetcher = Fetcher::new(Guard::new(ALLOW), MAX_REDIRECTS);
    let limits = Limits {
        max_bytes: 1 << 20,
        timeout: Duration::from_millis(300),
    };
    let started = Instant::now();
    let result = fetcher.get(&format!("{base}/slow"), None, limits).await;
    assert!(
        matches!(result, Err(FetchError::TimedOut { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
}
