//! `waflow campaigns …`: campaigns read and steered directly on a data directory's store (a
//! running server honours a pause or a cancel at once: held messages are never sent).

use clap::Subcommand;

use waflow_server::StartError;
use waflow_store::CampaignAction;

/// What `waflow campaigns` does.
#[derive(Subcommand)]
pub enum CampaignsCommand {
    /// List the workspace's campaigns, newest first: id, state, name, totals.
    List,
    /// Print a campaign and its totals as JSON.
    Show { id: String },
    /// Pause a campaign: its queued messages are held, nothing more is queued.
    Pause { id: String },
    /// Resume a paused campaign.
    Resume { id: String },
    /// Cancel a campaign: nothing more is sent.
    Cancel { id: String },
    /// Print every recipient as CSV (as `GET /campaigns/{id}/export`).
    Export { id: String },
}

/// Runs `command` on the store `data` names.
pub async fn run(
    data: &crate::DataDir,
    workspace: &str,
    command: CampaignsCommand,
) -> Result<(), StartError> {
    let store = data.open().await?;
    let fail = |e: waflow_store::Error| StartError(e.to_string());
    let ws = store
        .workspace_by_name_or_create(workspace)
        .await
        .map_err(fail)?
        .id;
    let now = chrono::Utc::now();
    let action = |a: CampaignAction, id: &str| {
        let store = &store;
        let ws = ws.clone();
        let id = id.to_string();
        async move {
            let c = store
                .campaign_action(&ws, &id, a, now)
                .await
                .map_err(fail)?;
            println!("{}\t{}\t{}", c.id, c.state, c.name);
            Ok::<_, StartError>(())
        }
    };
    match command {
        CampaignsCommand::List => {
            for c in store.campaigns(&ws, None, 1000).await.map_err(fail)? {
                let t = c.totals;
                println!(
                    "{}\t{}\t{}\trecipients {}\tsent {}\tdelivered {}\tread {}\treplied {}\tfailed {}\tskipped {}",
                    c.id, c.state, c.name, t.recipients, t.sent, t.delivered, t.read, t.replied, t.failed, t.skipped
                );
            }
            Ok(())
        }
        CampaignsCommand::Show { id } => {
            let c = store.campaign(&ws, &id).await.map_err(fail)?;
            println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
            Ok(())
        }
        CampaignsCommand::Pause { id } => action(CampaignAction::Pause, &id).await,
        CampaignsCommand::Resume { id } => action(CampaignAction::Resume, &id).await,
        CampaignsCommand::Cancel { id } => action(CampaignAction::Cancel, &id).await,
        CampaignsCommand::Export { id } => {
            store.campaign(&ws, &id).await.map_err(fail)?;
            println!("{}", waflow_store::Recipient::CSV_HEADER);
            let mut after = None;
            loop {
                let rows = store
                    .recipients(&ws, &id, None, after, 5000)
                    .await
                    .map_err(fail)?;
                for r in &rows {
                    println!("{}", r.csv_line());
                }
                match rows.last() {
                    Some(last) if rows.len() == 5000 => after = Some(last.seq),
                    _ => return Ok(()),
                }
            }
        }
    }
}
