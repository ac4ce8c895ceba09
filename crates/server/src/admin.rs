//! What the command line does directly on a data directory's store: workflow export and import,
//! contact import (the same documents, checks and errors as the API's).

use crate::error::ApiError;
use crate::routes::checked_write;
use serde_json::Value;
use waflow_domain::WorkflowDocument;
use waflow_store::{Store, Workflow};

/// The documents of a workspace's workflows (or of one), as YAML documents separated by `---`,
/// or as JSON (an array; one object for one workflow).
pub async fn export_workflows(
    store: &dyn Store,
    workspace: &str,
    id: Option<&str>,
    yaml: bool,
) -> Result<String, ApiError> {
    let ws = store.workspace_by_name_or_create(workspace).await?;
    let workflows: Vec<Workflow> = match id {
        Some(id) => vec![store.workflow(&ws.id, id).await?],
        None => store.workflows(&ws.id).await?,
    };
    let mut docs = Vec::with_capacity(workflows.len());
    for wf in &workflows {
        docs.push(
            WorkflowDocument::parse(&wf.document)
                .map_err(|e| ApiError::Internal(format!("workflow {}: {e}", wf.id)))?,
        );
    }
    if yaml {
        return Ok(docs
            .iter()
            .map(WorkflowDocument::to_yaml)
            .collect::<Vec<_>>()
            .join("---\n"));
    }
    let values: Vec<Value> = docs.iter().map(WorkflowDocument::to_value).collect();
    let out = match (id, values.as_slice()) {
        (Some(_), [one]) => one.clone(),
        _ => Value::Array(values),
    };
    serde_json::to_string_pretty(&out).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Reads one or more documents: a JSON object or array, or YAML documents separated by `---`.
fn documents(text: &str) -> Result<Vec<Value>, ApiError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(text).map_err(|e| ApiError::BadRequest {
            field: None,
            message: format!("the file is not valid JSON: {e}"),
        })?;
        return Ok(match value {
            Value::Array(items) => items,
            one => vec![one],
        });
    }
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value =
            serde::Deserialize::deserialize(doc).map_err(|e| ApiError::BadRequest {
                field: None,
                message: format!("the file is not valid YAML: {e}"),
            })?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// Imports every document of `text` as a new workflow. All are checked before any is stored;
/// an error names the document (`[2].steps[0].text`).
pub async fn import_workflows(
    store: &dyn Store,
    workspace: &str,
    text: &str,
) -> Result<Vec<Workflow>, ApiError> {
    let ws = store.workspace_by_name_or_create(workspace).await?;
    let values = documents(text)?;
    if values.is_empty() {
        return Err(ApiError::invalid(
            "[0]",
            "the file holds no workflow document",
        ));
    }
    let at = |i: usize, e: ApiError| match e {
        ApiError::Invalid { field, message } => ApiError::Invalid {
            field: format!("[{i}].{field}"),
            message,
        },
        other => other,
    };
    let mut writes = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let doc = WorkflowDocument::parse(value).map_err(|e| at(i, e.into()))?;
        writes.push(
            checked_write(store, &ws.id, &doc)
                .await
                .map_err(|e| at(i, e))?,
        );
    }
    let mut created = Vec::with_capacity(writes.len());
    for write in &writes {
        created.push(store.insert_workflow(&ws.id, write).await?);
    }
    Ok(created)
}

/// Imports the contacts of a CSV file into a workspace as `POST /contacts/imports` does (same
/// mapping, checks, chunks and record), reading the file where it lies, without the upload
/// limits; `progress` is told after each chunk. Answers the import as it ended; a mapping that
/// does not fit the header is refused before anything is stored.
pub async fn import_contacts(
    store: &dyn Store,
    workspace: &str,
    file: &std::path::Path,
    options: crate::imports::Options,
    progress: impl FnMut(&waflow_store::ContactImport),
) -> Result<waflow_store::ContactImport, ApiError> {
    let ws = store.workspace_by_name_or_create(workspace).await?;
    let bytes = std::fs::metadata(file)
        .map_err(|e| ApiError::invalid("file", format!("cannot read {}: {e}", file.display())))?
        .len();
    let now: crate::imports::Now = std::sync::Arc::new(chrono::Utc::now);
    let job =
        crate::imports::prepare(store, &ws.id, file.to_path_buf(), bytes, options, now()).await?;
    Ok(crate::imports::run(store, &now, job, progress).await)
}
