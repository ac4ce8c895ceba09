//! Received media: fetched from the Graph API into `<data dir>/media/<number id>/<media id>`
//! before the message goes to the inbox, so the engine reads a stored file, never Meta.
//!
//! **Invariant:** a file is written to a `.part` name and renamed into place, so a stored path
//! always names a whole file; one already there is not fetched again (a redelivery or a retried
//! round costs no download); a medium that cannot be fetched or stored keeps the reason
//! instead of a file, and the message goes on.

use super::Shared;
use waflow_domain::{InboundEvent, StoredFile};

/// Fetches the medium of `event`, if it has one, and records where it was stored (or why not).
pub(super) async fn download(state: &Shared, event: &mut InboundEvent) {
    let Some(media) = event.content.media.as_mut() else {
        return;
    };
    let Some(media_id) = media.provider_id.clone() else {
        return;
    };
    // Meta's media ids are digits; anything else is not used as a file name.
    if media_id.is_empty() || !media_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        media.stored = Some(Err("the media id is not a plain id".into()));
        return;
    }
    let dir = state.media_dir.join(&event.number_id);
    let path = dir.join(&media_id);
    let relative = format!("media/{}/{media_id}", event.number_id);
    if let Ok(meta) = tokio::fs::metadata(&path).await {
        media.stored = Some(Ok(StoredFile {
            path: relative,
            size: meta.len(),
            mime_type: None,
            sha256: None,
        }));
        return;
    }
    let fetched = state.channel.fetch_media(&event.number_id, &media_id).await;
    let (info, bytes) = match fetched {
        Ok(fetched) => fetched,
        Err(e) => {
            tracing::warn!(media = %media_id, error = %e, "media download failed");
            media.stored = Some(Err(e.to_string()));
            return;
        }
    };
    let tmp = dir.join(format!("{media_id}.part"));
    let written = async {
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }
    .await;
    media.stored = Some(match written {
        Ok(()) => Ok(StoredFile {
            path: relative,
            size: bytes.len() as u64,
            mime_type: non_empty(info.mime_type),
            sha256: non_empty(info.sha256),
        }),
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "cannot store media");
            Err(format!("cannot store the file: {e}"))
        }
    });
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}
