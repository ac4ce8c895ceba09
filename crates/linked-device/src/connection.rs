//! The real [`Connection`]: one `whatsapp-rust` bot per linked number, over the sealed session
//! store, with a transport that reports why it could not connect and when it last heard anything.
//!
//! **Invariant:** every socket that cannot be opened is reported as [`Signal::ConnectFailed`] with
//! the reason, within [`LinkOptions::connect_timeout`] — the crate itself would only log it and
//! retry.

use crate::inbound::{inbound, Inbound};
use crate::outbound::Plan;
use crate::session_store::SealedFileStore;
use crate::status::{signal_of, Signal};
use crate::supervisor::Connection;
use async_trait::async_trait;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use waflow_channels::cloud_api::content::{MediaKind, MediaSource};
use waflow_channels::SendError;
use whatsapp_rust::async_channel;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::download::{Downloadable, MediaType};
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::store::traits::{Backend, ProtocolStore};
use whatsapp_rust::transport::TokioWebSocketTransportFactory;
use whatsapp_rust::types::events::Event;
use whatsapp_rust::types::presence::ReceiptType;
use whatsapp_rust::upload::{UploadOptions, UploadResponse};
use whatsapp_rust::wacore::net::{Transport, TransportEvent, TransportFactory};
use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::{Client, Jid};

mod fetch;

/// Largest media file downloaded: inbound (bigger ones are stored without their file) or from
/// a link to send (bigger ones are refused, the download stopped as soon as it passes).
pub const MEDIA_MAX: usize = 32 * 1024 * 1024;

/// The most time a media link's download takes, redirects and body included.
pub const MEDIA_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how a linked number connects.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// The WebSocket address (WhatsApp Web's by default; tests point it at a closed port).
    pub url: Option<String>,
    /// How long opening a socket may take before it counts as failed.
    pub connect_timeout: Duration,
    /// Pair by a code typed on the phone (this phone number, digits) instead of a QR scan.
    pub pair_phone: Option<String>,
    /// Where media links may be downloaded from (the SSRF guard's policy; private addresses
    /// refused by default).
    pub http: waflow_outbound_http::Policy,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            url: None,
            connect_timeout: Duration::from_secs(20),
            pair_phone: None,
            http: Default::default(),
        }
    }
}

/// What a linked number receives, for the server to store.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// A message from the contact, or one the business sent from its phone.
    Message {
        message: Inbound,
        /// The downloaded media file, if the message had one.
        media: Option<Vec<u8>>,
        /// Why the media file could not be downloaded.
        media_error: Option<String>,
    },
    /// Our messages reached the contact's phone or were read.
    Receipt {
        message_ids: Vec<String>,
        /// `delivered` or `read`.
        status: &'static str,
    },
}

/// When the socket last received anything; stamped by the transport, read by the watchdog.
#[derive(Clone)]
struct Activity(Arc<Mutex<Instant>>);

impl Activity {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }
    fn touch(&self) {
        if let Ok(mut at) = self.0.lock() {
            *at = Instant::now();
        }
    }
    fn last(&self) -> Instant {
        self.0
            .lock()
            .map(|at| *at)
            .unwrap_or_else(|_| Instant::now())
    }
}

/// One linked number's session.
pub struct WaConnection {
    /// Itself, for the bot's event handler (which must not keep the connection alive).
    me: Weak<WaConnection>,
    store: Arc<SealedFileStore>,
    options: LinkOptions,
    signals: mpsc::UnboundedSender<Signal>,
    deliveries: mpsc::UnboundedSender<Delivery>,
    activity: Activity,
    bot: tokio::sync::Mutex<Option<BotHandle>>,
}

impl WaConnection {
    /// A session over `store`; signals go to the supervisor, deliveries to the server.
    pub fn new(
        store: Arc<SealedFileStore>,
        options: LinkOptions,
        signals: mpsc::UnboundedSender<Signal>,
        deliveries: mpsc::UnboundedSender<Delivery>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            store,
            options,
            signals,
            deliveries,
            activity: Activity::new(),
            bot: tokio::sync::Mutex::new(None),
        })
    }

    /// The linked account's phone number, once paired.
    pub async fn phone(&self) -> Option<String> {
        self.store.phone_number().await
    }

    /// The phone number behind a `@lid`, if the session learned it.
    pub async fn phone_of_lid(&self, lid: &str) -> Option<String> {
        match self.store.get_lid_mapping(lid).await {
            Ok(entry) => entry.map(|e| e.phone_number),
            Err(_) => None,
        }
    }

    async fn client(&self) -> Option<Arc<Client>> {
        self.bot.lock().await.as_ref().map(|b| b.client())
    }

    /// Sends what [`crate::outbound::plan`] decided, with the message id `id` (chosen by the
    /// caller, so that an interrupted send is recognisable by it); returns WhatsApp's message id.
    pub async fn send(&self, plan: Plan, to: &Jid, id: &str) -> Result<String, SendError> {
        let client = self
            .client()
            .await
            .ok_or_else(|| SendError::Retryable("the linked number is not running".into()))?;
        if !client.is_connected() {
            return Err(SendError::Deferred {
                reason: "the linked number is not connected".into(),
                retry_after: Duration::from_secs(30),
            });
        }
        let message = match plan {
            Plan::Message(m) => *m,
            Plan::MarkRead { message_id } => {
                client
                    .mark_as_read(to, None, &[message_id.as_str()])
                    .await
                    .map_err(|e| SendError::Retryable(format!("mark as read: {e:#}")))?;
                return Ok(message_id);
            }
            Plan::Media {
                kind,
                source,
                caption,
                filename,
            } => {
                let guard = waflow_outbound_http::Guard::new(self.options.http);
                media_message(&client, &guard, kind, source, caption, filename).await?
            }
        };
        let options = whatsapp_rust::send::SendOptions::default().with_message_id(id);
        client
            .send_message_with_options(to.clone(), message, options)
            .await
            .map(|r| r.message_id)
            .map_err(|e| SendError::Retryable(format!("send: {e}")))
    }

    async fn build(&self) -> Result<Bot, String> {
        let options = &self.options;
        let mut inner = TokioWebSocketTransportFactory::new();
        if let Some(url) = &options.url {
            inner = inner.with_url(url.clone());
        }
        let transport = WatchedTransport {
            inner,
            timeout: options.connect_timeout,
            signals: self.signals.clone(),
            activity: self.activity.clone(),
        };
        let me = self.me.clone();
        let backend: Arc<dyn Backend> = self.store.clone();
        let mut builder = Bot::builder()
            .with_backend_arc(backend)
            .with_transport_factory(transport)
            .skip_history_sync()
            .on_event(move |event, client| {
                let me = me.clone();
                async move {
                    if let Some(me) = me.upgrade() {
                        me.on_event(&event, &client).await;
                    }
                }
            });
        if let Some(phone) = &options.pair_phone {
            builder = builder.with_pair_code(PairCodeOptions {
                phone_number: phone.clone(),
                ..Default::default()
            });
        }
        builder.build().await.map_err(|e| e.to_string())
    }

    async fn on_event(&self, event: &Event, client: &Arc<Client>) {
        if let Some(signal) = signal_of(event) {
            let _ = self.signals.send(signal);
            return;
        }
        match event {
            Event::Messages(batch) => {
                for m in batch.messages.iter() {
                    let Some(mut message) = inbound(m) else {
                        continue;
                    };
                    if message.contact.phone.is_none() {
                        if let Some(lid) = message.contact.lid.clone() {
                            message.contact.phone = self.phone_of_lid(&lid).await;
                        }
                    }
                    let (media, media_error) = if message.has_media {
                        download(client, m.message.get_base_message()).await
                    } else {
                        (None, None)
                    };
                    let _ = self.deliveries.send(Delivery::Message {
                        message,
                        media,
                        media_error,
                    });
                }
            }
            Event::Receipt(r) => {
                let status = match r.r#type {
                    ReceiptType::Delivered => "delivered",
                    ReceiptType::Read | ReceiptType::ReadSelf => "read",
                    _ => return,
                };
                let _ = self.deliveries.send(Delivery::Receipt {
                    message_ids: r.message_ids.iter().map(|i| i.to_string()).collect(),
                    status,
                });
            }
            _ => {}
        }
    }
}

#[async_trait]
impl Connection for WaConnection {
    async fn start(&self) {
        self.activity.touch();
        let mut slot = self.bot.lock().await;
        if let Some(old) = slot.take() {
            old.shutdown().await;
        }
        match self.build().await {
            Ok(bot) => *slot = Some(bot.spawn()),
            Err(reason) => {
                let _ = self.signals.send(Signal::ConnectFailed {
                    reason: format!("the session could not start: {reason}"),
                });
            }
        }
    }

    async fn reconnect(&self) {
        if let Some(client) = self.client().await {
            client.reconnect().await;
        }
    }

    async fn stop(&self) {
        if let Some(bot) = self.bot.lock().await.take() {
            bot.shutdown().await;
        }
        if let Err(e) = self.store.flush().await {
            tracing::error!(error = %e, "the linked session could not be saved");
        }
    }

    async fn logout(&self) {
        if let Some(client) = self.client().await {
            client.logout().await;
        }
        self.stop().await;
    }

    async fn erase(&self) {
        if let Err(e) = self.store.erase().await {
            tracing::error!(error = %e, "the linked session could not be erased");
        }
    }

    fn last_activity(&self) -> Instant {
        self.activity.last()
    }
}

/// The crate's WebSocket transport, reporting failed connects and every frame received.
struct WatchedTransport {
    inner: TokioWebSocketTransportFactory,
    timeout: Duration,
    signals: mpsc::UnboundedSender<Signal>,
    activity: Activity,
}

#[async_trait]
impl TransportFactory for WatchedTransport {
    async fn create_transport(
        &self,
    ) -> Result<
        (Arc<dyn Transport>, async_channel::Receiver<TransportEvent>),
        whatsapp_rust::anyhow::Error,
    > {
        let failed = |reason: String| {
            let _ = self.signals.send(Signal::ConnectFailed {
                reason: reason.clone(),
            });
            whatsapp_rust::anyhow::anyhow!(reason)
        };
        let (transport, events) =
            match tokio::time::timeout(self.timeout, self.inner.create_transport()).await {
                Ok(Ok(opened)) => opened,
                Ok(Err(e)) => return Err(failed(format!("cannot reach WhatsApp: {e:#}"))),
                Err(_) => {
                    return Err(failed(format!(
                        "cannot reach WhatsApp: no connection within {} s",
                        self.timeout.as_secs()
                    )))
                }
            };
        // Relay the transport's events, noting when anything arrived (the watchdog reads it).
        let (tx, rx) = async_channel::unbounded();
        let activity = self.activity.clone();
        tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                activity.touch();
                if tx.send(event).await.is_err() {
                    break;
                }
            }
        });
        Ok((transport, rx))
    }
}

fn media_type(kind: MediaKind) -> MediaType {
    match kind {
        MediaKind::Image => MediaType::Image,
        MediaKind::Audio => MediaType::Audio,
        MediaKind::Video => MediaType::Video,
        MediaKind::Document => MediaType::Document,
        MediaKind::Sticker => MediaType::Sticker,
    }
}

/// Fetches a media link, uploads it to WhatsApp and builds the media message.
async fn media_message(
    client: &Arc<Client>,
    guard: &waflow_outbound_http::Guard,
    kind: MediaKind,
    source: MediaSource,
    caption: Option<String>,
    filename: Option<String>,
) -> Result<wa::Message, SendError> {
    let MediaSource::Url(url) = source else {
        return Err(SendError::Permanent(
            "a linked-device number sends media by link (source.url), not by Cloud API media id"
                .into(),
        ));
    };
    let limits = waflow_outbound_http::Limits {
        max_bytes: MEDIA_MAX,
        timeout: MEDIA_TIMEOUT,
    };
    let (bytes, mime) = fetch::fetch_media(&url, guard, limits).await?;
    let uploaded = client
        .upload(bytes, media_type(kind), UploadOptions::default())
        .await
        .map_err(|e| SendError::Retryable(format!("media upload: {e:#}")))?;
    Ok(MediaFields::from(uploaded).into_message(kind, Some(mime), caption, filename))
}

/// The upload's fields, shared by every media message type.
struct MediaFields {
    url: Option<String>,
    direct_path: Option<String>,
    media_key: Option<Vec<u8>>,
    file_enc_sha256: Option<Vec<u8>>,
    file_sha256: Option<Vec<u8>>,
    file_length: Option<u64>,
}

impl From<UploadResponse> for MediaFields {
    fn from(up: UploadResponse) -> Self {
        Self {
            url: Some(up.url),
            direct_path: Some(up.direct_path),
            media_key: Some(up.media_key.to_vec()),
            file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
            file_sha256: Some(up.file_sha256.to_vec()),
            file_length: Some(up.file_length),
        }
    }
}

impl MediaFields {
    fn into_message(
        self,
        kind: MediaKind,
        mimetype: Option<String>,
        text: Option<String>,
        filename: Option<String>,
    ) -> wa::Message {
        use whatsapp_rust::waproto::buffa::MessageField;
        let mut m = wa::Message::default();
        macro_rules! media {
            ($field:ident, $ty:ident $(, $name:ident : $val:expr)*) => {
                m.$field = MessageField::some(wa::message::$ty {
                    url: self.url,
                    direct_path: self.direct_path,
                    media_key: self.media_key,
                    file_enc_sha256: self.file_enc_sha256,
                    file_sha256: self.file_sha256,
                    file_length: self.file_length,
                    mimetype,
                    $($name: $val,)*
                    ..Default::default()
                })
            };
        }
        match kind {
            MediaKind::Image => media!(image_message, ImageMessage, caption: text),
            MediaKind::Video => media!(video_message, VideoMessage, caption: text),
            MediaKind::Audio => media!(audio_message, AudioMessage),
            MediaKind::Sticker => media!(sticker_message, StickerMessage),
            MediaKind::Document => media!(
                document_message,
                DocumentMessage,
                caption: text,
                file_name: filename
            ),
        }
        m
    }
}

/// Downloads the media of an inbound message.
async fn download(client: &Arc<Client>, m: &wa::Message) -> (Option<Vec<u8>>, Option<String>) {
    let item: Option<&dyn Downloadable> = if let Some(i) = m.image_message.as_option() {
        Some(i)
    } else if let Some(v) = m.video_message.as_option() {
        Some(v)
    } else if let Some(a) = m.audio_message.as_option() {
        Some(a)
    } else if let Some(d) = m.document_message.as_option() {
        Some(d)
    } else if let Some(s) = m.sticker_message.as_option() {
        Some(s)
    } else {
        None
    };
    let Some(item) = item else {
        return (None, None);
    };
    match client.download(item).await {
        Ok(bytes) if bytes.len() <= MEDIA_MAX => (Some(bytes), None),
        Ok(bytes) => (
            None,
            Some(format!("{} bytes; the limit is {MEDIA_MAX}", bytes.len())),
        ),
        Err(e) => (None, Some(format!("{e:#}"))),
    }
}
