//! The storage behind one linked-device number: the `whatsapp-rust` crate's storage traits
//! ([`Backend`](whatsapp_rust::wacore::store::traits::Backend)) over a single file per number,
//! sealed with a 32-byte key (derived from waflow's master key by the caller).
//!
//! Everything the crate stores — our device identity and keys, the Signal sessions, pre-keys,
//! sender keys, app-state sync keys, LID/PN mappings, retry buffers — lives in memory in a
//! simple table of tables and is written out as one sealed snapshot.
//!
//! Guarantees:
//! - **Sealed at rest.** The file is `b"WFLS1"` + a 24-byte random nonce + the
//!   XChaCha20-Poly1305 ciphertext of the whole table (the magic is authenticated as associated
//!   data). A fresh nonce is drawn on every write; nothing is ever written to disk in plaintext,
//!   not even in a temporary file.
//! - **Atomic replace.** A snapshot goes to a temporary file in the same directory (mode 0600 on
//!   unix), is fsynced, then renamed over the previous one: a crash leaves either the old or the
//!   new snapshot, never a torn one.
//! - **Never silently reset.** A file that this key cannot open, or that is corrupt, is an error
//!   ([`SessionError::Undecryptable`]); the store never starts empty over it.
//! - **Write-behind.** A change marks the store dirty and wakes a background task that writes
//!   at most every 200 ms, so a crash can lose at most the last ~200 ms of changes — except
//!   [`DeviceStore::save`] (our identity and keys: losing it means a new QR scan), which is
//!   written before it returns. [`SealedFileStore::flush`] writes now; dropping the last handle
//!   writes whatever is still pending and ends the background task.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Notify;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::reporting_token::MESSAGE_SECRET_SIZE;
use whatsapp_rust::wacore::stats::StorageResourceReport;
use whatsapp_rust::wacore::store::error::{Result as StoreResult, StoreError};
use whatsapp_rust::wacore::store::traits::{
    merge_msg_secret_expiry, merge_msg_secret_message_ts, AppStateSyncKey, AppSyncStore,
    DeviceListRecord, DeviceStore, LidPnMappingEntry, MsgSecretEntry, MsgSecretStore,
    PendingInboundKey, PendingInboundRow, ProtocolStore, SignalStore, TcTokenEntry,
};
use whatsapp_rust::wacore::store::Device;

/// First bytes of every session file; also the version of the format.
const MAGIC: &[u8; 5] = b"WFLS1";
/// Length of the XChaCha20-Poly1305 nonce that follows the magic.
const NONCE_LEN: usize = 24;
/// The longest a change waits in memory before the background task writes it.
const WRITE_BEHIND: Duration = Duration::from_millis(200);
/// How long the background task waits before retrying a failed write.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Cap on retained sent messages (the retry buffer), whatever the retention window: when
/// reached, the oldest are dropped down to three quarters of it.
const MAX_SENT_MESSAGES: usize = 4096;
/// The single device row of a file (one file per number).
const DEVICE_ROW_ID: i32 = 1;

/// Table names. Keys are strings; compound keys are built with [`compound`].
mod table {
    pub const IDENTITY: &str = "identity";
    pub const SESSION: &str = "session";
    /// `id` (10 digits, so that key order is numeric order) → uploaded flag byte + record.
    pub const PREKEY: &str = "prekey";
    pub const SIGNED_PREKEY: &str = "signed_prekey";
    pub const SENDER_KEY: &str = "sender_key";
    /// hex(key id) → JSON `AppStateSyncKey`.
    pub const SYNC_KEY: &str = "sync_key";
    /// collection name → JSON `HashState`.
    pub const APP_STATE_VERSION: &str = "app_state_version";
    /// (collection, hex(index MAC)) → value MAC.
    pub const MUTATION_MAC: &str = "mutation_mac";
    /// (group, device) → has-key byte.
    pub const SENDER_KEY_DEVICE: &str = "sender_key_device";
    /// LID user → JSON `LidPnMappingEntry`.
    pub const LID_MAPPING: &str = "lid_mapping";
    /// phone number → LID user.
    pub const PN_TO_LID: &str = "pn_to_lid";
    /// (address, message id) → base key.
    pub const BASE_KEY: &str = "base_key";
    /// user → JSON `DeviceListRecord`.
    pub const DEVICE_LIST: &str = "device_list";
    pub const GROUP_METADATA: &str = "group_metadata";
    /// JID → JSON `TcTokenEntry`.
    pub const TC_TOKEN: &str = "tc_token";
    /// (chat, message id) → timestamp + payload.
    pub const SENT_MESSAGE: &str = "sent_message";
    /// (chat, sender, id) → timestamp + message.
    pub const PENDING_INBOUND: &str = "pending_inbound";
    /// (chat, sender, message id) → secret + expires_at + message_ts.
    pub const MSG_SECRET: &str = "msg_secret";
    /// Single rows: [`super::meta::DEVICE`], [`super::meta::LATEST_SYNC_KEY_ID`].
    pub const META: &str = "meta";
}

/// Keys of the `meta` table.
mod meta {
    /// JSON `Device`: our identity, keys and pairing.
    pub const DEVICE: &str = "device";
    pub const LATEST_SYNC_KEY_ID: &str = "latest_sync_key_id";
}

/// What can go wrong opening or writing a session file.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Reading, writing or deleting the file (or its temporary sibling) failed.
    #[error("session file {}: {source}", path.display())]
    Io {
        /// The session file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file exists but cannot be opened with this key, or is corrupt. It is left untouched.
    #[error("session file {} cannot be opened with this key, or is corrupt", path.display())]
    Undecryptable {
        /// The session file.
        path: PathBuf,
    },
    /// The snapshot could not be encoded or sealed.
    #[error("could not encode the session: {reason}")]
    Encoding {
        /// What failed.
        reason: String,
    },
}

type Table = BTreeMap<String, Vec<u8>>;
type Tables = BTreeMap<String, Table>;

/// The in-memory contents, and how far they are on disk.
#[derive(Default)]
struct State {
    tables: Tables,
    /// Bumped by every change.
    generation: u64,
    /// The generation known to be on disk (or erased).
    persisted: u64,
}

impl State {
    fn is_dirty(&self) -> bool {
        self.generation != self.persisted
    }

    fn touch(&mut self) {
        self.generation += 1;
    }

    fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    fn get(&self, name: &str, key: &str) -> Option<&Vec<u8>> {
        self.table(name).and_then(|t| t.get(key))
    }

    fn contains(&self, name: &str, key: &str) -> bool {
        self.get(name, key).is_some()
    }

    fn put(&mut self, name: &str, key: String, value: Vec<u8>) {
        self.tables
            .entry(name.to_owned())
            .or_default()
            .insert(key, value);
        self.touch();
    }

    fn remove(&mut self, name: &str, key: &str) -> Option<Vec<u8>> {
        let table = self.tables.get_mut(name)?;
        let removed = table.remove(key)?;
        if table.is_empty() {
            self.tables.remove(name);
        }
        self.touch();
        Some(removed)
    }

    /// Keeps the rows of `name` for which `keep` is true; returns how many were removed.
    fn retain(&mut self, name: &str, mut keep: impl FnMut(&str, &[u8]) -> bool) -> usize {
        let Some(table) = self.tables.get_mut(name) else {
            return 0;
        };
        let before = table.len();
        table.retain(|k, v| keep(k, v));
        let removed = before - table.len();
        if table.is_empty() {
            self.tables.remove(name);
        }
        if removed > 0 {
            self.touch();
        }
        removed
    }

    fn drop_table(&mut self, name: &str) {
        if self.tables.remove(name).is_some() {
            self.touch();
        }
    }

    /// The rows of `name` whose key starts with `prefix`, in key order.
    fn scan<'a>(
        &'a self,
        name: &str,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        self.table(name)
            .into_iter()
            .flat_map(move |t| t.range::<str, _>((Bound::Included(prefix), Bound::Unbounded)))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    fn remove_prefix(&mut self, name: &str, prefix: &str) {
        let keys: Vec<String> = self.scan(name, prefix).map(|(k, _)| k.to_owned()).collect();
        for key in keys {
            self.remove(name, &key);
        }
    }
}

/// The file side: serialises writes and remembers which generation is on disk, so that an
/// older snapshot never replaces a newer one.
struct FileSide {
    written: u64,
}

/// The crate's storage for one linked-device number, kept in memory and written sealed to one
/// file. See the [module documentation](self) for the format and the guarantees.
///
/// Handed to the crate as an `Arc<dyn Backend>`; create it with [`SealedFileStore::open`].
pub struct SealedFileStore {
    path: PathBuf,
    cipher: Arc<XChaCha20Poly1305>,
    state: Mutex<State>,
    file: Arc<Mutex<FileSide>>,
    wake: Arc<Notify>,
}

impl fmt::Debug for SealedFileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedFileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SealedFileStore {
    /// Opens the session stored at `path` with `key`, or an empty one when the file does not
    /// exist yet (it is created on the first write, with its directory). Starts the background
    /// writer, so this must run inside a tokio runtime.
    ///
    /// A file that exists but cannot be opened with `key`, or is corrupt, is
    /// [`SessionError::Undecryptable`] and is left as it is.
    pub async fn open(path: PathBuf, key: [u8; 32]) -> Result<Arc<Self>, SessionError> {
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&key));
        let tables = match fs::read(&path) {
            Ok(sealed) => {
                let plain = unseal(&cipher, &sealed)
                    .ok_or_else(|| SessionError::Undecryptable { path: path.clone() })?;
                decode_tables(&plain)
                    .ok_or_else(|| SessionError::Undecryptable { path: path.clone() })?
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Tables::new(),
            Err(source) => return Err(SessionError::Io { path, source }),
        };
        let wake = Arc::new(Notify::new());
        let store = Arc::new(Self {
            path,
            cipher: Arc::new(cipher),
            state: Mutex::new(State {
                tables,
                generation: 0,
                persisted: 0,
            }),
            file: Arc::new(Mutex::new(FileSide { written: 0 })),
            wake: Arc::clone(&wake),
        });
        tokio::spawn(write_behind(Arc::downgrade(&store), wake));
        Ok(store)
    }

    /// The session file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the current contents now if anything changed since the last write.
    pub async fn flush(&self) -> Result<(), SessionError> {
        let (generation, plain) = {
            let state = self.lock();
            if !state.is_dirty() {
                return Ok(());
            }
            (state.generation, encode_tables(&state.tables))
        };
        let job = WriteJob {
            path: self.path.clone(),
            cipher: Arc::clone(&self.cipher),
            file: Arc::clone(&self.file),
            generation,
            plain,
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || job.run())
            .await
            .map_err(|err| SessionError::Io {
                path,
                source: io::Error::other(err),
            })??;
        let mut state = self.lock();
        state.persisted = state.persisted.max(generation);
        Ok(())
    }

    /// Forgets everything and deletes the file (on logout). The store stays usable: a new
    /// pairing writes a new file.
    pub async fn erase(&self) -> Result<(), SessionError> {
        let generation = {
            let mut state = self.lock();
            state.tables.clear();
            state.touch();
            state.generation
        };
        let path = self.path.clone();
        let file = Arc::clone(&self.file);
        let outcome = tokio::task::spawn_blocking(move || {
            let mut side = lock(&file);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(SessionError::Io { path, source }),
            }
            side.written = side.written.max(generation);
            Ok(())
        })
        .await
        .map_err(|err| SessionError::Io {
            path: self.path.clone(),
            source: io::Error::other(err),
        })?;
        outcome?;
        let mut state = self.lock();
        state.persisted = state.persisted.max(generation);
        Ok(())
    }

    /// Our own JID as a linked device of the paired phone (e.g.
    /// `5511987650001:12@s.whatsapp.net`), once paired.
    pub async fn device_jid(&self) -> Option<String> {
        self.stored_device()
            .and_then(|device| device.pn)
            .map(|jid| jid.to_string())
    }

    /// The phone number of the paired account (the user part of [`Self::device_jid`], e.g.
    /// `5511987650001`), once paired.
    pub async fn phone_number(&self) -> Option<String> {
        self.stored_device()
            .and_then(|device| device.pn)
            .map(|jid| jid.user.to_string())
    }

    /// Whether the stored device has been paired with a phone (scanning the QR code is done).
    pub fn is_paired(&self) -> bool {
        self.stored_device()
            .is_some_and(|device| device.pn.is_some())
    }

    fn stored_device(&self) -> Option<Device> {
        let state = self.lock();
        let bytes = state.get(table::META, meta::DEVICE)?;
        match serde_json::from_slice(bytes) {
            Ok(device) => Some(device),
            Err(err) => {
                tracing::warn!(path = %self.path.display(), error = %err, "stored device does not decode");
                None
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Reads the state.
    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state, and wakes the writer if anything changed.
    fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (out, changed) = {
            let mut state = self.lock();
            let before = state.generation;
            let out = f(&mut state);
            (out, state.generation != before)
        };
        if changed {
            self.wake.notify_one();
        }
        out
    }

    fn get_bytes(&self, name: &str, key: &str) -> Option<Vec<u8>> {
        self.read(|s| s.get(name, key).cloned())
    }

    fn get_json<T: DeserializeOwned>(&self, name: &str, key: &str) -> StoreResult<Option<T>> {
        self.get_bytes(name, key)
            .map(|bytes| from_json(&bytes))
            .transpose()
    }

    fn put_bytes(&self, name: &str, key: String, value: Vec<u8>) {
        self.write(|s| s.put(name, key, value));
    }

    /// Stores records by address in one change (one wake of the writer).
    fn put_all(&self, name: &str, records: &[(Arc<str>, Bytes)]) {
        self.write(|s| {
            for (address, record) in records {
                s.put(name, address.to_string(), record.to_vec());
            }
        });
    }

    fn delete(&self, name: &str, key: &str) {
        self.write(|s| {
            s.remove(name, key);
        });
    }
}

impl Drop for SealedFileStore {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if state.is_dirty() {
            // Last handle gone with changes still in memory: write them (a short blocking write).
            let job = WriteJob {
                path: self.path.clone(),
                cipher: Arc::clone(&self.cipher),
                file: Arc::clone(&self.file),
                generation: state.generation,
                plain: encode_tables(&state.tables),
            };
            if let Err(err) = job.run() {
                tracing::error!(error = %err, "could not write the session file on close");
            }
        }
        // Lets the background writer see that the store is gone and end.
        self.wake.notify_one();
    }
}

/// The background writer: after a change, waits out the write-behind window and writes.
/// Holds only a weak reference, so it ends once the store is dropped.
async fn write_behind(store: Weak<SealedFileStore>, wake: Arc<Notify>) {
    let mut retrying = false;
    loop {
        if !retrying {
            wake.notified().await;
        }
        tokio::time::sleep(if retrying {
            RETRY_AFTER_FAILURE
        } else {
            WRITE_BEHIND
        })
        .await;
        let Some(store) = store.upgrade() else {
            return;
        };
        retrying = match store.flush().await {
            Ok(()) => false,
            Err(err) => {
                tracing::error!(error = %err, "could not write the session file; retrying");
                true
            }
        };
    }
}

/// One snapshot on its way to disk.
struct WriteJob {
    path: PathBuf,
    cipher: Arc<XChaCha20Poly1305>,
    file: Arc<Mutex<FileSide>>,
    generation: u64,
    plain: Vec<u8>,
}

impl WriteJob {
    /// Seals and writes the snapshot, unless a newer one is already on disk. Blocking.
    fn run(self) -> Result<(), SessionError> {
        let mut side = lock(&self.file);
        if self.generation <= side.written {
            return Ok(());
        }
        let sealed = seal(&self.cipher, &self.plain)?;
        write_atomic(&self.path, &sealed).map_err(|source| SessionError::Io {
            path: self.path.clone(),
            source,
        })?;
        side.written = self.generation;
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; if something ever did, the data is still whole.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Sealing and the file
// ---------------------------------------------------------------------------------------------

fn seal(cipher: &XChaCha20Poly1305, plain: &[u8]) -> Result<Vec<u8>, SessionError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: MAGIC,
            },
        )
        .map_err(|_| SessionError::Encoding {
            reason: "sealing the snapshot failed".to_owned(),
        })?;
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn unseal(cipher: &XChaCha20Poly1305, sealed: &[u8]) -> Option<Vec<u8>> {
    let rest = sealed.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: MAGIC,
            },
        )
        .ok()
}

/// Replaces `path` with `bytes`: temporary file in the same directory (0600 on unix), fsync,
/// rename, then a best-effort fsync of the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the session path has no file name",
        )
    })?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{:016x}.tmp",
        name.to_string_lossy(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes the rename durable where the platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

// ---------------------------------------------------------------------------------------------
// The snapshot encoding (inside the seal)
//
// u32 LE table count, then per table: name, u32 LE row count, then per row: key, value — where
// names, keys and values are each a u32 LE length followed by the bytes.
// ---------------------------------------------------------------------------------------------

fn encode_tables(tables: &Tables) -> Vec<u8> {
    fn put_len(out: &mut Vec<u8>, len: usize) {
        // Tables, rows and values are far below 4 GiB; saturate rather than panic.
        out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
    }
    fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
        put_len(out, bytes.len());
        out.extend_from_slice(bytes);
    }
    let size: usize = tables
        .iter()
        .map(|(name, rows)| {
            8 + name.len()
                + rows
                    .iter()
                    .map(|(k, v)| 8 + k.len() + v.len())
                    .sum::<usize>()
        })
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    put_len(&mut out, tables.len());
    for (name, rows) in tables {
        put_bytes(&mut out, name.as_bytes());
        put_len(&mut out, rows.len());
        for (key, value) in rows {
            put_bytes(&mut out, key.as_bytes());
            put_bytes(&mut out, value);
        }
    }
    out
}

fn decode_tables(mut input: &[u8]) -> Option<Tables> {
    fn take<'a>(input: &mut &'a [u8], len: usize) -> Option<&'a [u8]> {
        if input.len() < len {
            return None;
        }
        let (head, rest) = input.split_at(len);
        *input = rest;
        Some(head)
    }
    fn take_len(input: &mut &[u8]) -> Option<usize> {
        let bytes: [u8; 4] = take(input, 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    }
    fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
        let len = take_len(input)?;
        take(input, len)
    }
    fn take_str(input: &mut &[u8]) -> Option<String> {
        std::str::from_utf8(take_bytes(input)?)
            .ok()
            .map(str::to_owned)
    }

    let mut tables = Tables::new();
    for _ in 0..take_len(&mut input)? {
        let name = take_str(&mut input)?;
        let mut rows = Table::new();
        for _ in 0..take_len(&mut input)? {
            let key = take_str(&mut input)?;
            let value = take_bytes(&mut input)?.to_vec();
            rows.insert(key, value);
        }
        tables.insert(name, rows);
    }
    input.is_empty().then_some(tables)
}

// ---------------------------------------------------------------------------------------------
// Keys and values
// ---------------------------------------------------------------------------------------------

/// A key made of several parts, unambiguous whatever the parts contain: each part is written
/// as `<byte length>:<part>`. The key of the first parts is a prefix of the full key.
fn compound(parts: &[&str]) -> String {
    let mut key = String::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for part in parts {
        key.push_str(&part.len().to_string());
        key.push(':');
        key.push_str(part);
    }
    key
}

/// The parts of a [`compound`] key.
fn split_compound(mut key: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    while !key.is_empty() {
        let (len, rest) = key.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let part = rest.get(..len)?;
        parts.push(part);
        key = rest.get(len..)?;
    }
    Some(parts)
}

/// Pre-key ids are zero-padded so that the key order is the numeric order.
fn id_key(id: u32) -> String {
    format!("{id:010}")
}

fn parse_id_key(key: &str) -> Option<u32> {
    key.parse().ok()
}

/// A value with a timestamp in front (sent messages, pending inbound messages).
fn stamped(timestamp: i64, data: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(8 + data.len());
    value.extend_from_slice(&timestamp.to_be_bytes());
    value.extend_from_slice(data);
    value
}

fn unstamp(value: &[u8]) -> Option<(i64, &[u8])> {
    let (ts, data) = value.split_first_chunk::<8>()?;
    Some((i64::from_be_bytes(*ts), data))
}

/// A stored message secret: the secret, `expires_at`, `message_ts`.
fn msg_secret_value(
    secret: &[u8; MESSAGE_SECRET_SIZE],
    expires_at: i64,
    message_ts: i64,
) -> Vec<u8> {
    let mut value = Vec::with_capacity(MESSAGE_SECRET_SIZE + 16);
    value.extend_from_slice(secret);
    value.extend_from_slice(&expires_at.to_be_bytes());
    value.extend_from_slice(&message_ts.to_be_bytes());
    value
}

fn parse_msg_secret(value: &[u8]) -> Option<([u8; MESSAGE_SECRET_SIZE], i64, i64)> {
    let (secret, rest) = value.split_first_chunk::<MESSAGE_SECRET_SIZE>()?;
    let (expires_at, rest) = rest.split_first_chunk::<8>()?;
    let message_ts: [u8; 8] = rest.try_into().ok()?;
    Some((
        *secret,
        i64::from_be_bytes(*expires_at),
        i64::from_be_bytes(message_ts),
    ))
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|err| StoreError::Serialization(Box::new(err)))
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|err| StoreError::Serialization(Box::new(err)))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Validation(format!("corrupt {what} in the session store"))
}

fn store_error(err: SessionError) -> StoreError {
    match err {
        SessionError::Io { ref source, .. } => StoreError::Io(io::Error::new(source.kind(), err)),
        other => StoreError::Database(Box::new(other)),
    }
}

// ---------------------------------------------------------------------------------------------
// SignalStore
// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl SignalStore for SealedFileStore {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> StoreResult<()> {
        self.put_bytes(table::IDENTITY, address.to_owned(), key.to_vec());
        Ok(())
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> StoreResult<()> {
        self.write(|s| {
            for (address, key) in identities {
                s.put(table::IDENTITY, address.to_string(), key.to_vec());
            }
        });
        Ok(())
    }

    async fn load_identity(&self, address: &str) -> StoreResult<Option<[u8; 32]>> {
        self.get_bytes(table::IDENTITY, address)
            .map(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| corrupt("identity")))
            .transpose()
    }

    async fn delete_identity(&self, address: &str) -> StoreResult<()> {
        self.delete(table::IDENTITY, address);
        Ok(())
    }

    async fn get_session(&self, address: &str) -> StoreResult<Option<Bytes>> {
        Ok(self.get_bytes(table::SESSION, address).map(Bytes::from))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> StoreResult<()> {
        self.put_bytes(table::SESSION, address.to_owned(), session.to_vec());
        Ok(())
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> StoreResult<()> {
        self.put_all(table::SESSION, sessions);
        Ok(())
    }

    async fn delete_session(&self, address: &str) -> StoreResult<()> {
        self.delete(table::SESSION, address);
        Ok(())
    }

    async fn has_session(&self, address: &str) -> StoreResult<bool> {
        Ok(self.read(|s| s.contains(table::SESSION, address)))
    }

    async fn has_signal_state_for_user(&self, user: &str) -> StoreResult<bool> {
        // Addresses are `user@server` (device 0) or `user:device@server`.
        let of_user =
            |(key, _): &(&str, &[u8])| matches!(key.as_bytes().get(user.len()), Some(b'@' | b':'));
        Ok(self.read(|s| {
            s.scan(table::SESSION, user).any(|row| of_user(&row))
                || s.scan(table::IDENTITY, user).any(|row| of_user(&row))
        }))
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> StoreResult<()> {
        self.put_bytes(table::PREKEY, id_key(id), stamped_flag(uploaded, record));
        Ok(())
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> StoreResult<()> {
        self.write(|s| {
            for (id, record) in keys {
                s.put(table::PREKEY, id_key(*id), stamped_flag(uploaded, record));
            }
        });
        Ok(())
    }

    async fn load_prekey(&self, id: u32) -> StoreResult<Option<Bytes>> {
        self.read(|s| s.get(table::PREKEY, &id_key(id)).map(|v| prekey_record(v)))
            .transpose()
    }

    async fn load_prekeys_batch(&self, ids: &[u32]) -> StoreResult<Vec<(u32, Bytes)>> {
        self.read(|s| {
            ids.iter()
                .filter_map(|&id| {
                    s.get(table::PREKEY, &id_key(id))
                        .map(|v| prekey_record(v).map(|record| (id, record)))
                })
                .collect()
        })
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> StoreResult<()> {
        // Update only: a pre-key consumed in the meantime stays deleted.
        self.write(|s| {
            for &id in ids {
                let key = id_key(id);
                if let Some(value) = s.get(table::PREKEY, &key) {
                    if value.first() != Some(&1) && !value.is_empty() {
                        let mut value = value.clone();
                        value[0] = 1;
                        s.put(table::PREKEY, key, value);
                    }
                }
            }
        });
        Ok(())
    }

    async fn remove_prekey(&self, id: u32) -> StoreResult<()> {
        self.delete(table::PREKEY, &id_key(id));
        Ok(())
    }

    async fn get_max_prekey_id(&self) -> StoreResult<u32> {
        Ok(self.read(|s| {
            s.table(table::PREKEY)
                .and_then(|t| t.keys().filter_map(|k| parse_id_key(k)).max())
                .unwrap_or(0)
        }))
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> StoreResult<()> {
        self.put_bytes(table::SIGNED_PREKEY, id_key(id), record.to_vec());
        Ok(())
    }

    async fn load_signed_prekey(&self, id: u32) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get_bytes(table::SIGNED_PREKEY, &id_key(id)))
    }

    async fn load_all_signed_prekeys(&self) -> StoreResult<Vec<(u32, Vec<u8>)>> {
        Ok(self.read(|s| {
            s.scan(table::SIGNED_PREKEY, "")
                .filter_map(|(k, v)| parse_id_key(k).map(|id| (id, v.to_vec())))
                .collect()
        }))
    }

    async fn remove_signed_prekey(&self, id: u32) -> StoreResult<()> {
        self.delete(table::SIGNED_PREKEY, &id_key(id));
        Ok(())
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> StoreResult<()> {
        self.put_bytes(table::SENDER_KEY, address.to_owned(), record.to_vec());
        Ok(())
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> StoreResult<()> {
        self.put_all(table::SENDER_KEY, sender_keys);
        Ok(())
    }

    async fn get_sender_key(&self, address: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get_bytes(table::SENDER_KEY, address))
    }

    async fn delete_sender_key(&self, address: &str) -> StoreResult<()> {
        self.delete(table::SENDER_KEY, address);
        Ok(())
    }
}

/// A stored pre-key: the uploaded flag, then the record.
fn stamped_flag(uploaded: bool, record: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(1 + record.len());
    value.push(u8::from(uploaded));
    value.extend_from_slice(record);
    value
}

fn prekey_record(value: &[u8]) -> StoreResult<Bytes> {
    value
        .split_first()
        .map(|(_, record)| Bytes::copy_from_slice(record))
        .ok_or_else(|| corrupt("pre-key"))
}

// ---------------------------------------------------------------------------------------------
// AppSyncStore
// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl AppSyncStore for SealedFileStore {
    async fn get_sync_key(&self, key_id: &[u8]) -> StoreResult<Option<AppStateSyncKey>> {
        self.get_json(table::SYNC_KEY, &hex::encode(key_id))
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> StoreResult<()> {
        let value = to_json(&key)?;
        self.write(|s| {
            s.put(table::SYNC_KEY, hex::encode(key_id), value);
            s.put(
                table::META,
                meta::LATEST_SYNC_KEY_ID.to_owned(),
                key_id.to_vec(),
            );
        });
        Ok(())
    }

    async fn get_version(&self, name: &str) -> StoreResult<HashState> {
        Ok(self
            .get_json(table::APP_STATE_VERSION, name)?
            .unwrap_or_default())
    }

    async fn set_version(&self, name: &str, state: HashState) -> StoreResult<()> {
        let value = to_json(&state)?;
        self.put_bytes(table::APP_STATE_VERSION, name.to_owned(), value);
        Ok(())
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        _version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> StoreResult<()> {
        self.write(|s| {
            for m in mutations {
                s.put(
                    table::MUTATION_MAC,
                    compound(&[name, &hex::encode(&m.index_mac)]),
                    m.value_mac.clone(),
                );
            }
        });
        Ok(())
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get_bytes(
            table::MUTATION_MAC,
            &compound(&[name, &hex::encode(index_mac)]),
        ))
    }

    async fn get_mutation_macs(
        &self,
        name: &str,
        index_macs: &[[u8; 32]],
    ) -> StoreResult<std::collections::HashMap<[u8; 32], Vec<u8>>> {
        Ok(self.read(|s| {
            index_macs
                .iter()
                .filter_map(|index_mac| {
                    s.get(
                        table::MUTATION_MAC,
                        &compound(&[name, &hex::encode(index_mac)]),
                    )
                    .map(|value| (*index_mac, value.clone()))
                })
                .collect()
        }))
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> StoreResult<()> {
        self.write(|s| {
            for index_mac in index_macs {
                s.remove(
                    table::MUTATION_MAC,
                    &compound(&[name, &hex::encode(index_mac)]),
                );
            }
        });
        Ok(())
    }

    async fn clear_mutation_macs(&self, name: &str) -> StoreResult<()> {
        self.write(|s| s.remove_prefix(table::MUTATION_MAC, &compound(&[name])));
        Ok(())
    }

    async fn get_latest_sync_key_id(&self) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get_bytes(table::META, meta::LATEST_SYNC_KEY_ID))
    }
}

// ---------------------------------------------------------------------------------------------
// ProtocolStore
// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl ProtocolStore for SealedFileStore {
    async fn get_sender_key_devices(&self, group_jid: &str) -> StoreResult<Vec<(String, bool)>> {
        let prefix = compound(&[group_jid]);
        Ok(self.read(|s| {
            s.scan(table::SENDER_KEY_DEVICE, &prefix)
                .filter_map(|(key, value)| match split_compound(key)?.as_slice() {
                    [_, device] => Some((device.to_string(), value.first() == Some(&1))),
                    _ => None,
                })
                .collect()
        }))
    }

    async fn set_sender_key_status(
        &self,
        group_jid: &str,
        entries: &[(&str, bool)],
    ) -> StoreResult<()> {
        self.write(|s| {
            for (device, has_key) in entries {
                s.put(
                    table::SENDER_KEY_DEVICE,
                    compound(&[group_jid, device]),
                    vec![u8::from(*has_key)],
                );
            }
        });
        Ok(())
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> StoreResult<()> {
        self.write(|s| s.remove_prefix(table::SENDER_KEY_DEVICE, &compound(&[group_jid])));
        Ok(())
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> StoreResult<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        self.write(|s| {
            s.retain(table::SENDER_KEY_DEVICE, |key, _| {
                !matches!(split_compound(key).as_deref(), Some([_, device]) if device_jids.contains(device))
            });
        });
        Ok(())
    }

    async fn clear_all_sender_key_devices(&self) -> StoreResult<()> {
        self.write(|s| s.drop_table(table::SENDER_KEY_DEVICE));
        Ok(())
    }

    async fn get_lid_mapping(&self, lid: &str) -> StoreResult<Option<LidPnMappingEntry>> {
        self.get_json(table::LID_MAPPING, lid)
    }

    async fn get_pn_mapping(&self, phone: &str) -> StoreResult<Option<LidPnMappingEntry>> {
        let value = self.read(|s| {
            let lid = s.get(table::PN_TO_LID, phone)?;
            let lid = std::str::from_utf8(lid).ok()?;
            s.get(table::LID_MAPPING, lid).cloned()
        });
        value.map(|bytes| from_json(&bytes)).transpose()
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> StoreResult<()> {
        self.put_lid_mappings(std::slice::from_ref(entry)).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> StoreResult<()> {
        let rows = entries
            .iter()
            .map(|entry| to_json(entry).map(|value| (entry, value)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write(|s| {
            for (entry, value) in rows {
                // The LID moved to another number: its old number no longer points at it.
                let old_phone = s
                    .get(table::LID_MAPPING, &entry.lid)
                    .and_then(|old| from_json::<LidPnMappingEntry>(old).ok())
                    .map(|old| old.phone_number)
                    .filter(|old| *old != entry.phone_number);
                if let Some(old_phone) = old_phone {
                    if s.get(table::PN_TO_LID, &old_phone).map(Vec::as_slice)
                        == Some(entry.lid.as_bytes())
                    {
                        s.remove(table::PN_TO_LID, &old_phone);
                    }
                }
                s.put(
                    table::PN_TO_LID,
                    entry.phone_number.clone(),
                    entry.lid.as_bytes().to_vec(),
                );
                s.put(table::LID_MAPPING, entry.lid.clone(), value);
            }
        });
        Ok(())
    }

    async fn get_all_lid_mappings(&self) -> StoreResult<Vec<LidPnMappingEntry>> {
        let values: Vec<Vec<u8>> = self.read(|s| {
            s.scan(table::LID_MAPPING, "")
                .map(|(_, v)| v.to_vec())
                .collect()
        });
        values.iter().map(|v| from_json(v)).collect()
    }

    async fn save_base_key(
        &self,
        address: &str,
        message_id: &str,
        base_key: &[u8],
    ) -> StoreResult<()> {
        self.put_bytes(
            table::BASE_KEY,
            compound(&[address, message_id]),
            base_key.to_vec(),
        );
        Ok(())
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> StoreResult<bool> {
        Ok(self.read(|s| {
            s.get(table::BASE_KEY, &compound(&[address, message_id]))
                .is_some_and(|stored| stored.as_slice() == current_base_key)
        }))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> StoreResult<()> {
        self.delete(table::BASE_KEY, &compound(&[address, message_id]));
        Ok(())
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> StoreResult<()> {
        self.update_device_lists(vec![record]).await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> StoreResult<()> {
        let rows = records
            .into_iter()
            .map(|record| to_json(&record).map(|value| (record.user, value)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write(|s| {
            for (user, value) in rows {
                s.put(table::DEVICE_LIST, user, value);
            }
        });
        Ok(())
    }

    async fn get_devices(&self, user: &str) -> StoreResult<Option<DeviceListRecord>> {
        self.get_json(table::DEVICE_LIST, user)
    }

    async fn delete_devices(&self, user: &str) -> StoreResult<()> {
        self.delete(table::DEVICE_LIST, user);
        Ok(())
    }

    async fn get_group_metadata(&self, group_jid: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get_bytes(table::GROUP_METADATA, group_jid))
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> StoreResult<()> {
        self.put_bytes(table::GROUP_METADATA, group_jid.to_owned(), blob.to_vec());
        Ok(())
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> StoreResult<()> {
        self.delete(table::GROUP_METADATA, group_jid);
        Ok(())
    }

    async fn get_tc_token(&self, jid: &str) -> StoreResult<Option<TcTokenEntry>> {
        self.get_json(table::TC_TOKEN, jid)
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> StoreResult<()> {
        let value = to_json(entry)?;
        self.put_bytes(table::TC_TOKEN, jid.to_owned(), value);
        Ok(())
    }

    async fn delete_tc_token(&self, jid: &str) -> StoreResult<()> {
        self.delete(table::TC_TOKEN, jid);
        Ok(())
    }

    async fn get_all_tc_token_jids(&self) -> StoreResult<Vec<String>> {
        Ok(self.read(|s| {
            s.scan(table::TC_TOKEN, "")
                .map(|(k, _)| k.to_owned())
                .collect()
        }))
    }

    async fn delete_expired_tc_tokens(
        &self,
        token_cutoff: i64,
        sender_cutoff: i64,
    ) -> StoreResult<u32> {
        let removed = self.write(|s| {
            s.retain(table::TC_TOKEN, |_, value| {
                // Kept while either the received token or our sender bucket is still live; an
                // unreadable row is dropped.
                from_json::<TcTokenEntry>(value).is_ok_and(|entry| {
                    let token_live =
                        !entry.token.is_empty() && entry.token_timestamp >= token_cutoff;
                    let sender_live = entry.sender_timestamp.is_some_and(|ts| ts >= sender_cutoff);
                    token_live || sender_live
                })
            })
        });
        Ok(saturating_u32(removed))
    }

    async fn touch_tc_token_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> StoreResult<()> {
        self.write(|s| {
            let entry = match s.get(table::TC_TOKEN, jid) {
                Some(existing) => {
                    let existing: TcTokenEntry = from_json(existing)?;
                    TcTokenEntry {
                        sender_timestamp: Some(
                            existing
                                .sender_timestamp
                                .map_or(sender_timestamp, |ts| ts.max(sender_timestamp)),
                        ),
                        ..existing
                    }
                }
                None => TcTokenEntry {
                    token: Vec::new(),
                    token_timestamp: sender_timestamp,
                    sender_timestamp: Some(sender_timestamp),
                },
            };
            s.put(table::TC_TOKEN, jid.to_owned(), to_json(&entry)?);
            Ok(())
        })
    }

    async fn store_received_tc_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64,
    ) -> StoreResult<()> {
        self.write(|s| {
            let existing = s
                .get(table::TC_TOKEN, jid)
                .map(|v| from_json::<TcTokenEntry>(v))
                .transpose()?;
            // Newer wins: a stale write never clobbers a fresher real token.
            if let Some(existing) = &existing {
                if !existing.token.is_empty() && token_timestamp < existing.token_timestamp {
                    return Ok(());
                }
            }
            let entry = TcTokenEntry {
                token: token.to_vec(),
                token_timestamp,
                sender_timestamp: existing.and_then(|e| e.sender_timestamp),
            };
            s.put(table::TC_TOKEN, jid.to_owned(), to_json(&entry)?);
            Ok(())
        })
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> StoreResult<()> {
        let now = whatsapp_rust::wacore::time::now_secs();
        self.write(|s| {
            let count = s.table(table::SENT_MESSAGE).map_or(0, Table::len);
            if count >= MAX_SENT_MESSAGES {
                // Oldest first, down to three quarters of the cap.
                let mut by_age: Vec<(i64, String)> = s
                    .scan(table::SENT_MESSAGE, "")
                    .map(|(k, v)| (unstamp(v).map_or(i64::MIN, |(ts, _)| ts), k.to_owned()))
                    .collect();
                by_age.sort_unstable();
                let excess = count - MAX_SENT_MESSAGES * 3 / 4;
                for (_, key) in by_age.into_iter().take(excess) {
                    s.remove(table::SENT_MESSAGE, &key);
                }
            }
            s.put(
                table::SENT_MESSAGE,
                compound(&[chat_jid, message_id]),
                stamped(now, payload),
            );
        });
        Ok(())
    }

    async fn take_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        let taken =
            self.write(|s| s.remove(table::SENT_MESSAGE, &compound(&[chat_jid, message_id])));
        taken
            .map(|value| {
                unstamp(&value)
                    .map(|(_, payload)| payload.to_vec())
                    .ok_or_else(|| corrupt("sent message"))
            })
            .transpose()
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> StoreResult<u32> {
        let removed = self.write(|s| {
            s.retain(table::SENT_MESSAGE, |_, value| {
                unstamp(value).is_some_and(|(ts, _)| ts >= cutoff_timestamp)
            })
        });
        Ok(saturating_u32(removed))
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> StoreResult<()> {
        self.store_pending_inbound_batch(&[PendingInboundRow {
            chat,
            sender,
            id,
            message,
        }])
        .await
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> StoreResult<()> {
        let now = whatsapp_rust::wacore::time::now_secs();
        self.write(|s| {
            for row in rows {
                s.put(
                    table::PENDING_INBOUND,
                    compound(&[row.chat, row.sender, row.id]),
                    stamped(now, row.message),
                );
            }
        });
        Ok(())
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        self.read(|s| {
            s.get(table::PENDING_INBOUND, &compound(&[chat, sender, id]))
                .map(|value| {
                    unstamp(value)
                        .map(|(_, message)| message.to_vec())
                        .ok_or_else(|| corrupt("pending inbound message"))
                })
                .transpose()
        })
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> StoreResult<()> {
        self.delete(table::PENDING_INBOUND, &compound(&[chat, sender, id]));
        Ok(())
    }

    async fn delete_pending_inbound_batch(
        &self,
        keys: &[PendingInboundKey<'_>],
    ) -> StoreResult<()> {
        self.write(|s| {
            for key in keys {
                s.remove(
                    table::PENDING_INBOUND,
                    &compound(&[key.chat, key.sender, key.id]),
                );
            }
        });
        Ok(())
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> StoreResult<u32> {
        let removed = self.write(|s| {
            s.retain(table::PENDING_INBOUND, |_, value| {
                unstamp(value).is_some_and(|(ts, _)| ts >= cutoff_timestamp)
            })
        });
        Ok(saturating_u32(removed))
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// MsgSecretStore
// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl MsgSecretStore for SealedFileStore {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> StoreResult<usize> {
        let count = entries.len();
        self.write(|s| {
            for entry in &entries {
                let key = compound(&[&entry.chat, &entry.sender, &entry.msg_id]);
                // On conflict the longer retention and the known parent time win.
                let (expires_at, message_ts) = match s
                    .get(table::MSG_SECRET, &key)
                    .and_then(|v| parse_msg_secret(v))
                {
                    Some((_, old_expires, old_ts)) => (
                        merge_msg_secret_expiry(old_expires, entry.expires_at),
                        merge_msg_secret_message_ts(old_ts, entry.message_ts),
                    ),
                    None => (entry.expires_at, entry.message_ts),
                };
                s.put(
                    table::MSG_SECRET,
                    key,
                    msg_secret_value(&entry.secret, expires_at, message_ts),
                );
            }
        });
        Ok(count)
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(secret, _)| secret))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> StoreResult<Option<(Vec<u8>, i64)>> {
        self.read(|s| {
            s.get(table::MSG_SECRET, &compound(&[chat, sender, msg_id]))
                .map(|value| {
                    parse_msg_secret(value)
                        .map(|(secret, _, message_ts)| (secret.to_vec(), message_ts))
                        .ok_or_else(|| corrupt("message secret"))
                })
                .transpose()
        })
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> StoreResult<u32> {
        let removed = self.write(|s| {
            s.retain(table::MSG_SECRET, |_, value| {
                // `0` means never; an unreadable row is dropped.
                parse_msg_secret(value).is_some_and(|(_, expires_at, _)| {
                    expires_at == 0 || expires_at > cutoff_timestamp
                })
            })
        });
        Ok(saturating_u32(removed))
    }
}

// ---------------------------------------------------------------------------------------------
// DeviceStore
// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl DeviceStore for SealedFileStore {
    /// Stores our device (identity, keys, pairing) and writes the file before returning.
    async fn save(&self, device: &Device) -> StoreResult<()> {
        let value = to_json(device)?;
        self.put_bytes(table::META, meta::DEVICE.to_owned(), value);
        self.flush().await.map_err(store_error)
    }

    async fn load(&self) -> StoreResult<Option<Device>> {
        self.get_json(table::META, meta::DEVICE)
    }

    async fn exists(&self) -> StoreResult<bool> {
        Ok(self.read(|s| s.contains(table::META, meta::DEVICE)))
    }

    /// One file holds one device: materialises a fresh one if there is none, and always
    /// returns the same row id.
    async fn create(&self) -> StoreResult<i32> {
        if !self.read(|s| s.contains(table::META, meta::DEVICE)) {
            let value = to_json(&Device::new())?;
            self.write(|s| {
                if !s.contains(table::META, meta::DEVICE) {
                    s.put(table::META, meta::DEVICE.to_owned(), value);
                }
            });
            self.flush().await.map_err(store_error)?;
        }
        Ok(DEVICE_ROW_ID)
    }

    async fn resource_report(&self) -> StorageResourceReport {
        let (bytes, rows) = self.read(|s| {
            s.tables
                .values()
                .fold((0usize, 0usize), |(bytes, rows), t| {
                    let table_bytes: usize = t.iter().map(|(k, v)| k.len() + v.len()).sum();
                    (bytes + table_bytes, rows + t.len())
                })
        });
        StorageResourceReport {
            memory_bytes: Some(u64::try_from(bytes).unwrap_or(u64::MAX)),
            pages: Some(u64::try_from(rows).unwrap_or(u64::MAX)),
            ..StorageResourceReport::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsapp_rust::wacore::store::traits::Backend;

    const KEY: [u8; 32] = [7; 32];
    const OTHER_KEY: [u8; 32] = [8; 32];
    const MARKER: &[u8] = b"PLAINTEXT-MARKER";

    fn session_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("linked").join("number-1.session")
    }

    fn is_backend<T: Backend>() {}

    #[test]
    fn implements_the_crate_backend() {
        is_backend::<SealedFileStore>();
    }

    fn lid_entry(lid: &str, phone: &str) -> LidPnMappingEntry {
        LidPnMappingEntry {
            lid: lid.to_owned(),
            phone_number: phone.to_owned(),
            created_at: 10,
            updated_at: 20,
            learning_source: "usync".to_owned(),
        }
    }

    fn paired_device() -> Device {
        let mut device = Device::new();
        device.pn = Some(
            "5511987650001:12@s.whatsapp.net"
                .parse()
                .expect("a valid JID"),
        );
        device.push_name = "Loja".to_owned();
        device
    }

    #[tokio::test]
    async fn round_trip_through_the_sealed_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = session_path(&dir);
        let store = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("open");
        assert!(!store.is_paired());
        assert_eq!(store.device_jid().await, None);

        let address = "5511987650002:0@s.whatsapp.net";
        let mut session = b"session-".to_vec();
        session.extend_from_slice(MARKER);
        store
            .put_identity(address, [3; 32])
            .await
            .expect("identity");
        store.put_session(address, &session).await.expect("session");
        store
            .store_prekeys_batch(
                &[
                    (5, Bytes::from_static(b"pk5")),
                    (9, Bytes::from_static(b"pk9")),
                ],
                false,
            )
            .await
            .expect("prekeys");
        store
            .store_signed_prekey(1, b"spk1")
            .await
            .expect("signed prekey");
        store
            .put_sender_key("group-sender", b"sk")
            .await
            .expect("sender key");
        let sync_key = AppStateSyncKey {
            key_data: vec![1, 2, 3],
            fingerprint: vec![4],
            timestamp: 42,
        };
        store
            .set_sync_key(b"kid", sync_key)
            .await
            .expect("sync key");
        let mut hash = [0; 128];
        hash[0] = 0xAB;
        let version = HashState {
            version: 17,
            hash,
            ..HashState::default()
        };
        store
            .set_version("regular", version)
            .await
            .expect("version");
        store
            .put_lid_mapping(&lid_entry("100000012345678", "5511987650002"))
            .await
            .expect("lid mapping");
        store
            .put_msg_secret("chat@s.whatsapp.net", "me@s.whatsapp.net", "M1", &[9; 32])
            .await
            .expect("msg secret");
        let device = paired_device();
        let identity_public = device.identity_key.public_key.public_key_bytes().to_vec();
        let registration_id = device.registration_id;
        // Device saves are written before `save` returns.
        store.save(&device).await.expect("save device");
        assert!(path.exists());
        store.flush().await.expect("flush");
        drop(store);

        let on_disk = fs::read(&path).expect("read file");
        assert!(on_disk.starts_with(MAGIC));
        assert!(
            !on_disk.windows(MARKER.len()).any(|w| w == MARKER),
            "plaintext leaked to disk"
        );
        assert!(!on_disk
            .windows(address.len())
            .any(|w| w == address.as_bytes()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let store = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("reopen");
        assert_eq!(
            store.load_identity(address).await.expect("identity"),
            Some([3; 32])
        );
        assert_eq!(
            store
                .get_session(address)
                .await
                .expect("session")
                .as_deref(),
            Some(session.as_slice())
        );
        assert_eq!(
            store.load_prekey(9).await.expect("prekey").as_deref(),
            Some(&b"pk9"[..])
        );
        assert_eq!(store.get_max_prekey_id().await.expect("max"), 9);
        assert_eq!(
            store.load_signed_prekey(1).await.expect("spk"),
            Some(b"spk1".to_vec())
        );
        assert_eq!(
            store.load_all_signed_prekeys().await.expect("all spk"),
            vec![(1, b"spk1".to_vec())]
        );
        assert_eq!(
            store.get_sender_key("group-sender").await.expect("sk"),
            Some(b"sk".to_vec())
        );
        let sync_key = store
            .get_sync_key(b"kid")
            .await
            .expect("sync key")
            .expect("present");
        assert_eq!((sync_key.key_data, sync_key.timestamp), (vec![1, 2, 3], 42));
        assert_eq!(
            store.get_latest_sync_key_id().await.expect("latest"),
            Some(b"kid".to_vec())
        );
        let version = store.get_version("regular").await.expect("version");
        assert_eq!((version.version, version.hash[0]), (17, 0xAB));
        let mapping = store
            .get_pn_mapping("5511987650002")
            .await
            .expect("pn mapping")
            .expect("present");
        assert_eq!(mapping.lid, "100000012345678");
        assert_eq!(store.get_all_lid_mappings().await.expect("all").len(), 1);
        assert_eq!(
            store
                .get_msg_secret("chat@s.whatsapp.net", "me@s.whatsapp.net", "M1")
                .await
                .expect("secret"),
            Some(vec![9; 32])
        );
        let loaded = store.load().await.expect("load").expect("device stored");
        assert_eq!(loaded.registration_id, registration_id);
        assert_eq!(
            loaded.identity_key.public_key.public_key_bytes(),
            identity_public.as_slice()
        );
        assert_eq!(loaded.push_name, "Loja");
        assert!(store.exists().await.expect("exists"));
        assert!(store.is_paired());
        assert_eq!(
            store.device_jid().await.as_deref(),
            Some("5511987650001:12@s.whatsapp.net")
        );
        assert_eq!(store.phone_number().await.as_deref(), Some("5511987650001"));
    }

    #[tokio::test]
    async fn changes_reach_the_disk_without_an_explicit_flush() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = session_path(&dir);
        let store = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("open");
        store
            .put_session("a@s.whatsapp.net", b"one")
            .await
            .expect("session");
        tokio::time::sleep(Duration::from_millis(800)).await;
        let reopened = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("reopen");
        assert_eq!(
            reopened
                .get_session("a@s.whatsapp.net")
                .await
                .expect("get")
                .as_deref(),
            Some(&b"one"[..])
        );
        drop(reopened);

        // Dropping the last handle writes what is still pending.
        store
            .put_session("b@s.whatsapp.net", b"two")
            .await
            .expect("session");
        drop(store);
        let reopened = SealedFileStore::open(path, KEY).await.expect("reopen");
        assert_eq!(
            reopened
                .get_session("b@s.whatsapp.net")
                .await
                .expect("get")
                .as_deref(),
            Some(&b"two"[..])
        );
    }

    #[tokio::test]
    async fn another_key_cannot_open_the_file_and_leaves_it_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = session_path(&dir);
        let store = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("open");
        store
            .put_session("a@s.whatsapp.net", MARKER)
            .await
            .expect("session");
        store.flush().await.expect("flush");
        drop(store);
        let before = fs::read(&path).expect("read");

        let err = SealedFileStore::open(path.clone(), OTHER_KEY)
            .await
            .expect_err("another key must fail");
        assert!(
            matches!(&err, SessionError::Undecryptable { path: p } if *p == path),
            "{err}"
        );
        assert_eq!(fs::read(&path).expect("read"), before);

        // A corrupt file is refused the same way, and left as it is.
        let mut corrupt = before.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1;
        fs::write(&path, &corrupt).expect("write");
        assert!(matches!(
            SealedFileStore::open(path.clone(), KEY).await,
            Err(SessionError::Undecryptable { .. })
        ));
        fs::write(&path, b"WFL").expect("write");
        assert!(matches!(
            SealedFileStore::open(path.clone(), KEY).await,
            Err(SessionError::Undecryptable { .. })
        ));
        assert_eq!(fs::read(&path).expect("read"), b"WFL");
    }

    #[tokio::test]
    async fn erase_deletes_the_file_and_forgets_everything() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = session_path(&dir);
        let store = SealedFileStore::open(path.clone(), KEY)
            .await
            .expect("open");
        store.save(&paired_device()).await.expect("save");
        store
            .put_session("a@s.whatsapp.net", b"s")
            .await
            .expect("session");
        store.flush().await.expect("flush");
        assert!(path.exists());

        store.erase().await.expect("erase");
        assert!(!path.exists());
        assert!(!store.is_paired());
        assert!(!store.exists().await.expect("exists"));
        assert_eq!(
            store.get_session("a@s.whatsapp.net").await.expect("get"),
            None
        );
        // Nothing is pending: the erased state is not written back.
        tokio::time::sleep(Duration::from_millis(400)).await;
        drop(store);
        assert!(!path.exists());
        // Only the session file was ever in the directory (no temporary left behind).
        let leftovers = fs::read_dir(path.parent().expect("parent"))
            .expect("read dir")
            .count();
        assert_eq!(leftovers, 0);
    }

    #[tokio::test]
    async fn prekey_semantics_match_the_reference_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SealedFileStore::open(session_path(&dir), KEY)
            .await
            .expect("open");
        assert_eq!(store.get_max_prekey_id().await.expect("max"), 0);
        store.store_prekey(2, b"two", false).await.expect("store");
        store
            .store_prekey(100, b"hundred", false)
            .await
            .expect("store");
        store
            .store_prekey(30, b"thirty", true)
            .await
            .expect("store");
        assert_eq!(store.get_max_prekey_id().await.expect("max"), 100);

        store.remove_prekey(100).await.expect("remove");
        assert_eq!(store.get_max_prekey_id().await.expect("max"), 30);

        // Update only: marking a consumed key does not bring it back.
        store.mark_prekeys_uploaded(&[2, 100]).await.expect("mark");
        assert_eq!(store.load_prekey(100).await.expect("load"), None);
        assert_eq!(
            store.load_prekey(2).await.expect("load").as_deref(),
            Some(&b"two"[..])
        );

        // Only the existing keys, in the order asked.
        let batch = store
            .load_prekeys_batch(&[30, 100, 2])
            .await
            .expect("batch");
        assert_eq!(
            batch,
            vec![
                (30, Bytes::from_static(b"thirty")),
                (2, Bytes::from_static(b"two"))
            ]
        );
    }

    #[tokio::test]
    async fn sent_messages_base_keys_and_secrets_match_the_reference_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SealedFileStore::open(session_path(&dir), KEY)
            .await
            .expect("open");
        let now = whatsapp_rust::wacore::time::now_secs();

        // take_sent_message consumes.
        store
            .store_sent_message("chat", "M1", b"payload")
            .await
            .expect("store");
        assert_eq!(
            store.take_sent_message("chat", "M1").await.expect("take"),
            Some(b"payload".to_vec())
        );
        assert_eq!(
            store.take_sent_message("chat", "M1").await.expect("take"),
            None
        );

        // delete_expired_sent_messages removes rows older than the cutoff and counts them.
        store
            .store_sent_message("chat", "M2", b"p2")
            .await
            .expect("store");
        store
            .store_sent_message("chat", "M3", b"p3")
            .await
            .expect("store");
        assert_eq!(
            store
                .delete_expired_sent_messages(now - 60)
                .await
                .expect("expire"),
            0
        );
        assert_eq!(
            store
                .delete_expired_sent_messages(now + 60)
                .await
                .expect("expire"),
            2
        );
        assert_eq!(
            store.take_sent_message("chat", "M2").await.expect("take"),
            None
        );

        // has_same_base_key: false when nothing is saved, true only for the same bytes.
        assert!(!store
            .has_same_base_key("addr", "M1", b"k")
            .await
            .expect("base"));
        store.save_base_key("addr", "M1", b"k").await.expect("save");
        assert!(store
            .has_same_base_key("addr", "M1", b"k")
            .await
            .expect("base"));
        assert!(!store
            .has_same_base_key("addr", "M1", b"x")
            .await
            .expect("base"));
        assert!(!store
            .has_same_base_key("addr", "M2", b"k")
            .await
            .expect("base"));
        store.delete_base_key("addr", "M1").await.expect("delete");
        assert!(!store
            .has_same_base_key("addr", "M1", b"k")
            .await
            .expect("base"));

        // Message secrets: put_msg_secret never expires; merges keep the longer deadline.
        let entry = |expires_at, message_ts| MsgSecretEntry {
            chat: Arc::from("c"),
            sender: Arc::from("s"),
            msg_id: Arc::from("m"),
            secret: [1; 32],
            expires_at,
            message_ts,
        };
        assert_eq!(
            store
                .put_msg_secrets(vec![entry(100, 5), entry(50, 0)])
                .await
                .expect("put"),
            2
        );
        assert_eq!(
            store
                .get_msg_secret_with_ts("c", "s", "m")
                .await
                .expect("get"),
            Some((vec![1; 32], 5))
        );
        store
            .put_msg_secret("c", "s", "forever", &[2; 32])
            .await
            .expect("put");
        assert_eq!(
            store.delete_expired_msg_secrets(99).await.expect("expire"),
            0
        );
        assert_eq!(
            store.delete_expired_msg_secrets(100).await.expect("expire"),
            1
        );
        assert_eq!(
            store.get_msg_secret("c", "s", "m").await.expect("get"),
            None
        );
        assert_eq!(
            store
                .get_msg_secret("c", "s", "forever")
                .await
                .expect("get"),
            Some(vec![2; 32])
        );
    }

    #[tokio::test]
    async fn protocol_tables_match_the_reference_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SealedFileStore::open(session_path(&dir), KEY)
            .await
            .expect("open");

        // Sender-key devices per group, and their clean-ups.
        store
            .set_sender_key_status("g1", &[("d1", true), ("d2", false)])
            .await
            .expect("set");
        store
            .set_sender_key_status("g2", &[("d1", true)])
            .await
            .expect("set");
        let mut devices = store.get_sender_key_devices("g1").await.expect("get");
        devices.sort();
        assert_eq!(
            devices,
            vec![("d1".to_owned(), true), ("d2".to_owned(), false)]
        );
        store
            .delete_sender_key_device_rows(&["d1"])
            .await
            .expect("delete");
        assert_eq!(
            store.get_sender_key_devices("g1").await.expect("get"),
            vec![("d2".to_owned(), false)]
        );
        assert!(store
            .get_sender_key_devices("g2")
            .await
            .expect("get")
            .is_empty());
        store.clear_sender_key_devices("g1").await.expect("clear");
        assert!(store
            .get_sender_key_devices("g1")
            .await
            .expect("get")
            .is_empty());

        // A LID that moves to another number no longer answers for the old one.
        store
            .put_lid_mapping(&lid_entry("L1", "P1"))
            .await
            .expect("put");
        store
            .put_lid_mapping(&lid_entry("L1", "P2"))
            .await
            .expect("put");
        assert!(store.get_pn_mapping("P1").await.expect("get").is_none());
        assert_eq!(
            store
                .get_pn_mapping("P2")
                .await
                .expect("get")
                .map(|e| e.lid),
            Some("L1".to_owned())
        );

        // Mutation MACs are cleared per collection only.
        let mac = |i: u8, v: u8| AppStateMutationMAC {
            index_mac: vec![i],
            value_mac: vec![v],
        };
        store
            .put_mutation_macs("regular", 1, &[mac(1, 10)])
            .await
            .expect("put");
        store
            .put_mutation_macs("critical", 1, &[mac(2, 20)])
            .await
            .expect("put");
        store.clear_mutation_macs("regular").await.expect("clear");
        assert_eq!(
            store.get_mutation_mac("regular", &[1]).await.expect("get"),
            None
        );
        assert_eq!(
            store.get_mutation_mac("critical", &[2]).await.expect("get"),
            Some(vec![20])
        );

        // Signal state per user matches `user@` and `user:` only.
        store
            .put_session("5511:3@s.whatsapp.net", b"s")
            .await
            .expect("put");
        assert!(store.has_signal_state_for_user("5511").await.expect("has"));
        assert!(!store.has_signal_state_for_user("551").await.expect("has"));

        // Pending inbound buffer.
        store
            .store_pending_inbound("c", "s", "i", b"m")
            .await
            .expect("put");
        assert_eq!(
            store.get_pending_inbound("c", "s", "i").await.expect("get"),
            Some(b"m".to_vec())
        );
        store
            .delete_pending_inbound("c", "s", "i")
            .await
            .expect("delete");
        assert_eq!(
            store.get_pending_inbound("c", "s", "i").await.expect("get"),
            None
        );

        // Tc tokens: a stale token does not replace a fresher one.
        store
            .store_received_tc_token("j", b"new", 200)
            .await
            .expect("put");
        store
            .store_received_tc_token("j", b"old", 100)
            .await
            .expect("put");
        store
            .touch_tc_token_sender_timestamp("j", 150)
            .await
            .expect("touch");
        let token = store
            .get_tc_token("j")
            .await
            .expect("get")
            .expect("present");
        assert_eq!(
            (token.token, token.token_timestamp, token.sender_timestamp),
            (b"new".to_vec(), 200, Some(150))
        );
        assert_eq!(
            store
                .delete_expired_tc_tokens(300, 100)
                .await
                .expect("expire"),
            0
        );
        assert_eq!(
            store
                .delete_expired_tc_tokens(300, 300)
                .await
                .expect("expire"),
            1
        );

        // The device row.
        assert!(!store.exists().await.expect("exists"));
        assert_eq!(store.create().await.expect("create"), DEVICE_ROW_ID);
        assert!(store.exists().await.expect("exists"));
        assert!(!store.is_paired());
    }

    #[test]
    fn compound_keys_are_unambiguous() {
        assert_ne!(compound(&["a:b", "c"]), compound(&["a", "b:c"]));
        assert_eq!(
            split_compound(&compound(&["1:x", "", "y@z"])),
            Some(vec!["1:x", "", "y@z"])
        );
        assert!(compound(&["g1", "d"]).starts_with(&compound(&["g1"])));
        assert!(!compound(&["g10", "d"]).starts_with(&compound(&["g1"])));
    }

    #[test]
    fn snapshot_encoding_round_trips_and_rejects_garbage() {
        let mut tables = Tables::new();
        tables
            .entry("t".to_owned())
            .or_default()
            .insert("k".to_owned(), vec![0, 1, 2]);
        let encoded = encode_tables(&tables);
        assert_eq!(decode_tables(&encoded), Some(tables));
        assert_eq!(decode_tables(&encoded[..encoded.len() - 1]), None);
        let mut trailing = encoded.clone();
        trailing.push(0);
        assert_eq!(decode_tables(&trailing), None);
    }
}
