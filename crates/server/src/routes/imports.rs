//! `/contacts/imports`: a CSV of contacts received (streamed into a file within
//! `--max-csv-bytes` and `--max-import-rows`), its header checked against the mapping, then
//! imported in the background ([`crate::imports`]); its progress and outcome read back.

use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::imports::{prepare, upload, Options};
use crate::limits::ByteLimit;
use crate::roles::Signed;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use std::sync::Arc;
use waflow_store::ContactImport;

list_of!(
    /// `GET /contacts/imports`: the last 100 imports, newest first.
    ImportList,
    ContactImport
);

/// The query parameters `POST /contacts/imports` reads.
const OPTIONS: [&str; 4] = ["mapping", "default_country", "list", "tag"];

/// How many imports the list shows (newest first).
const LISTED: i64 = 100;

/// Refuses bodies that are not CSV: JSON, spreadsheets, forms.
fn check_content_type(headers: &HeaderMap) -> ApiResult<()> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let essence = text.split(';').next().unwrap_or_default().trim();
    match essence {
        "text/csv"
        | "application/csv"
        | "text/plain"
        | "application/octet-stream"
        | "text/tab-separated-values"
        | "" => Ok(()),
        spreadsheet if spreadsheet.contains("spreadsheet") || spreadsheet.contains("excel") => {
            Err(ApiError::UnsupportedMedia(format!(
                "Content-Type: {essence:?}: spreadsheets are not read; save the sheet as CSV \
                 (UTF-8) and send that as text/csv"
            )))
        }
        other => Err(ApiError::UnsupportedMedia(format!(
            "Content-Type: {other:?} is not CSV; send the file as text/csv"
        ))),
    }
}

/// `POST /contacts/imports?mapping=&default_country=&list=&tag=`: 202 with the running import
/// (and its URL in `Location`).
pub async fn create(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, String); 1],
    Json<ContactImport>,
)> {
    if let Some(unknown) = params.0.keys().find(|k| !OPTIONS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            unknown.clone(),
            format!(
                "is not a parameter of an import (they are: {})",
                OPTIONS.join(", ")
            ),
        ));
    }
    let options = Options::parse(
        params.get("mapping"),
        params.get("default_country"),
        &params
            .get("list")
            .map(str::to_string)
            .into_iter()
            .collect::<Vec<_>>(),
        &params
            .get("tag")
            .map(str::to_string)
            .into_iter()
            .collect::<Vec<_>>(),
    )?;
    check_content_type(&headers)?;
    let limit = ByteLimit {
        what: "an import file",
        bytes: state.limits.csv_bytes,
        flag: "--max-csv-bytes",
    };
    let file = state.imports.new_file();
    let received = upload::receive(&headers, body, limit, state.limits.import_rows, &file).await?;
    let job = match prepare(
        state.store.as_ref(),
        who.workspace(),
        file.clone(),
        received.bytes,
        options,
        state.engine.now(),
    )
    .await
    {
        Ok(job) => job,
        Err(e) => {
            let _ = tokio::fs::remove_file(&file).await;
            return Err(e);
        }
    };
    let import = job.import.clone();
    let engine = state.engine.clone();
    state
        .imports
        .spawn(state.store.clone(), Arc::new(move || engine.now()), job);
    let location = format!("/api/v1/contacts/imports/{}", import.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(import),
    ))
}

/// `GET /contacts/imports/{id}`: as of its last chunk while it runs.
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<ContactImport>> {
    if let Some(live) = state.imports.live(who.workspace(), &id) {
        return Ok(Json(live));
    }
    match state.store.contact_import(who.workspace(), &id).await {
        Ok(import) => Ok(Json(import)),
        Err(waflow_store::Error::NotFound { .. }) => Err(ApiError::not_found("import", &id)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /contacts/imports`: the workspace's last 100 imports, newest first.
pub async fn list(State(state): State<AppState>, who: Signed) -> ApiResult<Json<ImportList>> {
    let stored = state.store.contact_imports(who.workspace(), LISTED).await?;
    let data: Vec<ContactImport> = stored
        .into_iter()
        .map(|i| state.imports.live(who.workspace(), &i.id).unwrap_or(i))
        .collect();
    Ok(Json(ImportList { data }))
}
