//! A minimal HTTP/1.1 keep-alive client for the load loop.
//!
//! The load generator shares the 2 cores with the server, so its cost per request is taken from
//! the server's budget: a general client (reqwest: pool, header maps, body streams, JSON values)
//! spent about 250 µs of CPU per request here, more than the server. This one writes a
//! pre-formatted request on a persistent connection and reads one `Content-Length` response —
//! all the server sends — so the benchmark measures the server, as wrk would. Anything it does
//! not understand (chunked bodies, a closed connection) is an error, never a silent pass.

use anyhow::{bail, Context, Result};
use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One persistent connection.
pub struct Connection {
    stream: BufReader<TcpStream>,
    request: Vec<u8>,
    line: String,
}

/// A response: status code and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            request: Vec::with_capacity(512),
            line: String::with_capacity(128),
        })
    }

    /// POSTs a JSON body with a bearer token and reads the whole response.
    pub async fn post_json(&mut self, path: &str, token: &str, body: &str) -> Result<Response> {
        self.post(path, "authorization", &format!("Bearer {token}"), body)
            .await
    }

    /// POSTs a JSON body with one extra header and reads the whole response.
    pub async fn post(
        &mut self,
        path: &str,
        header: &str,
        value: &str,
        body: &str,
    ) -> Result<Response> {
        self.request.clear();
        self.request.extend_from_slice(
            format!(
                "POST {path} HTTP/1.1\r\nhost: bench\r\n{header}: {value}\r\n\
                 content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        self.stream.get_mut().write_all(&self.request).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> Result<Response> {
        self.line.clear();
        if self.stream.read_line(&mut self.line).await? == 0 {
            bail!("connection closed before a response");
        }
        let status: u16 = self
            .line
            .split_whitespace()
            .nth(1)
            .context("status line")?
            .parse()
            .with_context(|| format!("status line {:?}", self.line))?;
        let mut length = None;
        loop {
            self.line.clear();
            if self.stream.read_line(&mut self.line).await? == 0 {
                bail!("connection closed in the headers");
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.trim().parse::<usize>()?);
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    bail!("unexpected transfer-encoding {value}");
                }
            }
        }
        let mut body = vec![0; length.context("response without content-length")?];
        self.stream.read_exact(&mut body).await?;
        Ok(Response { status, body })
    }
}

/// Connections shared by short-lived tasks (the fixed-rate phase).
pub struct Pool {
    addr: SocketAddr,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection, or a new one.
    pub async fn take(&self) -> Result<Connection> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => Connection::open(self.addr).await,
        }
    }

    /// Returns a connection after a complete exchange.
    pub fn give_back(&self, c: Connection) {
        if let Ok(mut v) = self.idle.lock() {
            v.push(c);
        }
    }
}

/// The number of ids in the `"queued":[...]` array of an intake answer, without building a JSON
/// tree; `None` if the body has no such array.
pub fn queued_count(body: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("\"queued\":[")? + "\"queued\":[".len();
    let list = &text[start..start + text[start..].find(']')?];
    Some(if list.trim().is_empty() {
        0
    } else {
        list.split(',').count()
    })
}
