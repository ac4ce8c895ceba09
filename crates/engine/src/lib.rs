//! The workflow engine: intake of inbound messages, matching, runs, step execution, durable timers
//! and the outbox sender.
//!
//! [`Engine`] is a cheap-to-clone handle; [`Engine::start`] spawns its three tasks (intake, timer
//! worker, sender). All durable state lives in the [`Store`]; the engine's memory holds only caches
//! that can be rebuilt, so a process killed at any moment restarts where it was.
//!
//! **Invariant:** the engine reads time only from its [`Clock`].

mod ai_service;
mod ai_step;
pub mod cache;
pub mod clock;
mod compose;
mod counters;
mod date_triggers;
mod events;
mod executor;
mod http_step;
mod inbox;
mod intake;
mod integration;
mod launch;
mod log;
mod media;
mod outreach;
mod question;
mod retention;
mod sender;
mod takeover;
mod test_chat;
mod timers;
mod translation;

use cache::WorkspaceCache;
use chrono::{DateTime, Utc};
use clock::Clock;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify};
use waflow_channels::Channels;
use waflow_domain::WorkflowDocument;
use waflow_store::{new_id, Store, Writes};

pub use ai_service::{AiOptions, KeyOpener};
pub use ai_step::{credits_for, CHARS_PER_CREDIT};
pub use intake::IntakeOutcome;
pub use integration::{IntegrationOutcome, IntegrationStart};
pub use outreach::{expected_seconds, CampaignPlan, Preview};
pub use sender::ShutdownReport;
pub use waflow_domain::{InboundContent, InboundEvent, InboundMedia, SentElsewhere};

/// Engine errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] waflow_store::Error),
    /// The engine is shutting down or its intake task is gone.
    #[error("the engine is not accepting messages: {0}")]
    Unavailable(String),
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub channels: Channels,
    pub cache: WorkspaceCache,
    pub intake: mpsc::Sender<intake::IntakeJob>,
    pub sender_wake: Notify,
    pub pending: sender::PendingDeliveries,
    /// Commits send attempts before their provider calls.
    pub journal: sender::journal::Journal,
    /// Held while the outbox is read and chains are started (the sender's loop and
    /// [`Engine::deliver_outbox`] never dispatch the same message twice).
    pub dispatching: tokio::sync::Mutex<()>,
    /// `true` once the engine is stopping: no new send starts, no intake is accepted.
    pub stop: tokio::sync::watch::Sender<bool>,
    pub worker_wake: Notify,
    /// Set when intake scheduled a timer since the worker was last woken.
    pub timers_added: std::sync::atomic::AtomicBool,
    /// Wakes the event worker (list and ticket events).
    pub events_wake: Notify,
    /// Set when intake wrote events since the event worker was last woken.
    pub events_added: std::sync::atomic::AtomicBool,
    /// This process's identity as a lease owner.
    pub node_id: String,
    /// The numbers this node sends for, where several nodes share the database.
    pub send_leases: sender::ownership::SendLeases,
    /// Where HTTP request steps may go.
    pub http_policy: waflow_outbound_http::Policy,
    /// How long log entries are kept.
    pub log_retention: chrono::Duration,
    /// Counts of the intake path not yet written.
    pub counters: counters::PendingCounters,
    /// See [`EngineOptions::webhook_key`].
    pub webhook_key: String,
    /// The AI provider client, key opener and knowledge indexes.
    pub ai: ai_service::AiService,
    /// Due steps that call out, fired in their own tasks.
    pub in_flight: timers::InFlight,
    /// Wakes the scheduler (a message was scheduled or changed).
    pub scheduled_wake: Notify,
    /// Wakes the campaign feeder (a campaign was created, resumed or changed).
    pub campaigns_wake: Notify,
}

/// How the engine is set up beyond its store, clock and channels.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Where HTTP request steps may go (the SSRF guard's setting).
    pub http_policy: waflow_outbound_http::Policy,
    /// Log entries older than this many days are deleted (daily).
    pub log_retention_days: u32,
    /// The key each workspace's webhook secret is derived from (signed webhook steps).
    pub webhook_key: String,
    /// How AI steps open API keys and find inbound media.
    pub ai: AiOptions,
    /// This node's id as a lease holder (the server's cluster id); a new one when `None`.
    pub node_id: Option<String>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            http_policy: Default::default(),
            log_retention_days: 90,
            webhook_key: String::new(),
            ai: AiOptions::default(),
            node_id: None,
        }
    }
}

impl Inner {
    /// The workspace's first number: where an unscoped run goes when nothing names a number.
    pub(crate) async fn first_number(&self, workspace_id: &str) -> Result<Option<String>, Error> {
        Ok(self
            .store
            .numbers(workspace_id)
            .await?
            .into_iter()
            .next()
            .map(|n| n.id))
    }

    /// A due step's run, workflow document and step index, if the run is still at that step
    /// (otherwise the timer is obsolete).
    pub(crate) async fn at_step(
        &self,
        due: &waflow_store::DueStep,
    ) -> Result<Option<(waflow_store::Run, Arc<WorkflowDocument>, usize)>, Error> {
        let run = self.store.run(&due.workspace_id, &due.run_id).await?;
        if run.current_step.as_deref() != Some(due.step_id.as_str()) {
            return Ok(None);
        }
        let doc = self
            .document(&run.workflow_id, run.workflow_version)
            .await?;
        Ok(doc.step_index(&due.step_id).map(|i| (run, doc, i)))
    }

    /// A workflow version's parsed document, from the cache or the store.
    pub(crate) async fn document(
        &self,
        workflow_id: &str,
        version: i64,
    ) -> Result<Arc<WorkflowDocument>, Error> {
        if let Some(doc) = self.cache.version(workflow_id, version) {
            return Ok(doc);
        }
        // Versions are immutable, so reading outside the caller's transaction is safe.
        let value = self.store.workflow_version(workflow_id, version).await?;
        let doc = WorkflowDocument::parse(&value).map_err(|e| {
            waflow_store::Error::Corrupt(format!("workflow {workflow_id} v{version}: {e}"))
        })?;
        let doc = Arc::new(doc);
        self.cache
            .remember_version(workflow_id, version, doc.clone());
        Ok(doc)
    }
}

/// A handle to the running engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    /// Where outbound requests (steps, the AI provider) may go: the SSRF guard's policy.
    pub fn http_policy(&self) -> waflow_outbound_http::Policy {
        self.inner.http_policy
    }

    /// Starts the engine's tasks on the current Tokio runtime.
    pub fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, channels: Channels) -> Self {
        Self::start_with(store, clock, channels, Default::default())
    }

    /// Starts the engine with `options`.
    pub fn start_with(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        channels: Channels,
        options: EngineOptions,
    ) -> Self {
        let several_nodes = store.several_nodes();
        let (tx, rx) = mpsc::channel(4096);
        let (journal, journal_rx) = sender::journal::Journal::new();
        let inner = Arc::new(Inner {
            journal,
            dispatching: tokio::sync::Mutex::new(()),
            stop: tokio::sync::watch::Sender::new(false),
            store,
            clock,
            channels,
            cache: WorkspaceCache::default(),
            intake: tx,
            sender_wake: Notify::new(),
            pending: Default::default(),
            worker_wake: Notify::new(),
            timers_added: Default::default(),
            events_wake: Notify::new(),
            events_added: Default::default(),
            node_id: options.node_id.unwrap_or_else(|| new_id("node")),
            send_leases: sender::ownership::SendLeases::new(several_nodes),
            http_policy: options.http_policy,
            log_retention: chrono::Duration::days(i64::from(options.log_retention_days.max(1))),
            counters: Default::default(),
            webhook_key: options.webhook_key,
            ai: ai_service::AiService::new(options.ai, options.http_policy),
            in_flight: Default::default(),
            scheduled_wake: Notify::new(),
            campaigns_wake: Notify::new(),
        });
        tokio::spawn(intake::intake_loop(inner.clone(), rx));
        tokio::spawn(timers::timer_loop(inner.clone()));
        tokio::spawn(sender::journal::journal_loop(inner.clone(), journal_rx));
        tokio::spawn(sender::sender_loop(inner.clone()));
        tokio::spawn(date_triggers::date_loop(inner.clone()));
        tokio::spawn(retention::retention_loop(inner.clone()));
        tokio::spawn(events::event_loop(inner.clone()));
        tokio::spawn(outreach::scheduler::scheduler_loop(inner.clone()));
        tokio::spawn(outreach::feeder::feeder_loop(inner.clone()));
        Self { inner }
    }

    /// Accepts an inbound message: returns once it is durably stored and evaluated.
    pub async fn inbound(&self, request: InboundEvent) -> Result<IntakeOutcome, Error> {
        self.inbound_many(vec![request])
            .await
            .pop()
            .unwrap_or_else(|| Err(Error::Unavailable("intake task stopped".into())))
    }

    /// Accepts several inbound messages at once (a webhook delivery may carry many): all are
    /// queued, in order, before the first answer is awaited, so they can share one transaction.
    pub async fn inbound_many(
        &self,
        requests: Vec<InboundEvent>,
    ) -> Vec<Result<IntakeOutcome, Error>> {
        if self.is_stopping() {
            return requests
                .iter()
                .map(|_| Err(Error::Unavailable("waflow is shutting down".into())))
                .collect();
        }
        let mut waiting = Vec::with_capacity(requests.len());
        for request in requests {
            let (reply, rx) = oneshot::channel();
            let queued = self
                .inner
                .intake
                .send(intake::IntakeJob {
                    request,
                    reply,
                    test: None,
                })
                .await;
            waiting.push(queued.map(|()| rx));
        }
        let mut outcomes = Vec::with_capacity(waiting.len());
        for w in waiting {
            outcomes.push(match w {
                Err(_) => Err(Error::Unavailable("intake task stopped".into())),
                Ok(rx) => rx.await.unwrap_or_else(|_| {
                    Err(Error::Unavailable("intake task dropped the message".into()))
                }),
            });
        }
        outcomes
    }

    /// Forgets cached workspace state after its workflows or settings changed, here and (by an
    /// announcement through the store) on every other node sharing the database.
    pub fn invalidate(&self, workspace_id: &str) {
        self.inner.cache.invalidate(workspace_id);
        let store = self.inner.store.clone();
        let topic = format!("workspace:{workspace_id}");
        tokio::spawn(async move {
            if let Err(e) = store.announce(&topic).await {
                tracing::warn!(%topic, error = %e, "change not announced to the other nodes");
            }
        });
    }

    /// Forgets cached workspace state on this node only: another node announced a change.
    pub fn forget_workspace(&self, workspace_id: &str) {
        self.inner.cache.invalidate(workspace_id);
    }

    /// Forgets every cached workspace state on this node (announcements may have been missed).
    pub fn forget_all_workspaces(&self) {
        self.inner.cache.invalidate_all();
    }

    /// Stores the items of a knowledge file (replacing the file's earlier items) and rebuilds
    /// the workspace's index on its next use.
    pub async fn replace_knowledge_file(
        &self,
        workspace_id: &str,
        file_name: &str,
        file_kind: &str,
        items: &[waflow_knowledge::Item],
    ) -> Result<waflow_store::KnowledgeFile, Error> {
        let rows: Vec<waflow_store::KnowledgeRow> = items
            .iter()
            .map(|i| waflow_store::KnowledgeRow {
                kind: i.kind.as_str().to_string(),
                title: i.title.clone(),
                text: i.text.clone(),
                source: i.source.clone(),
            })
            .collect();
        let file = self
            .inner
            .store
            .replace_knowledge_file(workspace_id, file_name, file_kind, &rows)
            .await?;
        self.inner.ai.knowledge_changed(workspace_id);
        Ok(file)
    }

    /// Deletes a knowledge file's items (`NotFound` if there is none) and rebuilds the index on
    /// its next use.
    pub async fn delete_knowledge_file(
        &self,
        workspace_id: &str,
        file_name: &str,
    ) -> Result<(), Error> {
        self.inner
            .store
            .delete_knowledge_file(workspace_id, file_name)
            .await?;
        self.inner.ai.knowledge_changed(workspace_id);
        Ok(())
    }

    /// The workspace's knowledge items most relevant to `query`, best first (what an AI reply
    /// to that text would be given), with their scores.
    pub async fn search_knowledge(
        &self,
        workspace_id: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(waflow_knowledge::Item, f32)>, Error> {
        let index = self
            .inner
            .ai
            .index(self.inner.store.as_ref(), workspace_id)
            .await?;
        Ok(index
            .search(query, limit)
            .into_iter()
            .map(|(item, score)| (item.clone(), score))
            .collect())
    }

    /// The engine's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Executes the steps due now (the timer worker does this continuously); for tests and tools.
    pub async fn run_due_steps(&self) -> Result<usize, Error> {
        timers::run_due(&self.inner, true).await
    }

    /// Starts the date-triggered workflows whose time has come (a task does this every 30 s);
    /// for tests and tools. Returns how many runs started.
    pub async fn run_date_triggers(&self) -> Result<usize, Error> {
        date_triggers::run(&self.inner).await
    }

    /// Starts the `conversation_idle` workflows whose wait is over (the same task does this
    /// every 30 s); for tests and tools. Returns how many runs started.
    pub async fn run_idle_triggers(&self) -> Result<usize, Error> {
        date_triggers::run_idle(&self.inner).await
    }

    /// Writes the counts the intake gathered in memory, so that a read sees every count.
    pub async fn flush_counters(&self) -> Result<(), Error> {
        let counters = self.inner.counters.take(true);
        if counters.is_empty() {
            return Ok(());
        }
        let writes = Writes {
            counters,
            ..Default::default()
        };
        let mut tx = self.inner.store.begin().await?;
        let applied = match tx.apply(&writes).await {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        };
        if let Err(e) = applied {
            self.inner.counters.restore(writes.counters);
            return Err(e.into());
        }
        Ok(())
    }

    /// Starts an `integration` workflow for a contact (found or created with `fields`) with run
    /// variables `vars`.
    pub async fn start_integration(
        &self,
        workflow: &waflow_store::Workflow,
        request: integration::IntegrationStart,
    ) -> Result<integration::IntegrationOutcome, Error> {
        integration::start(&self.inner, workflow, request).await
    }

    /// A test run: starts `version` of a workflow (a draft's hidden test version) for the
    /// contact of `request` on `number_id` (the sandbox), logged as a test.
    pub async fn start_test(
        &self,
        workflow: &waflow_store::Workflow,
        version: i64,
        number_id: &str,
        request: integration::IntegrationStart,
    ) -> Result<integration::IntegrationOutcome, Error> {
        let wf = launch::WorkflowRef {
            workspace_id: &workflow.workspace_id,
            id: &workflow.id,
            version,
        };
        integration::start_on(
            &self.inner,
            wf,
            Some(number_id.to_string()),
            request,
            "test run of the draft",
        )
        .await
    }

    /// Starts the workflows of pending list and ticket events (a task does this as they are
    /// written); for tests and tools. Returns how many runs started.
    pub async fn run_events(&self) -> Result<usize, Error> {
        events::run(&self.inner).await
    }

    /// Adds a contact to lists and removes it from others; `list_added` workflows start for
    /// each list it was not in. Returns the contact as it is now.
    pub async fn change_lists(
        &self,
        workspace_id: &str,
        contact_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<waflow_store::Contact, Error> {
        events::change_lists(&self.inner, workspace_id, contact_id, add, remove).await
    }

    /// Opens a ticket on a contact (through the API); its id, or `None` when the contact has an
    /// open ticket already.
    pub async fn open_ticket(
        &self,
        workspace_id: &str,
        contact_id: &str,
        number_id: Option<String>,
        subject: &str,
    ) -> Result<Option<String>, Error> {
        events::open_ticket(&self.inner, workspace_id, contact_id, number_id, subject).await
    }

    /// Sets a ticket's status (through the API); `ticket_status_changed` workflows start if it
    /// changed.
    pub async fn set_ticket_status(
        &self,
        workspace_id: &str,
        contact_id: &str,
        ticket_id: &str,
        status: &str,
    ) -> Result<(), Error> {
        let change = waflow_store::TicketChange::Status {
            workspace_id: workspace_id.into(),
            contact_id: contact_id.into(),
            ticket_id: Some(ticket_id.into()),
            status: status.into(),
            by: events::by_api(),
        };
        let tx = self.inner.store.begin().await?;
        events::apply_ticket(&self.inner, tx, change).await
    }

    /// Queues a message written by an agent or an API client in the outbox.
    pub async fn queue_outbound(
        &self,
        message: waflow_store::NewOutbound,
    ) -> Result<String, Error> {
        let id = message.id.clone();
        let mut tx = self.inner.store.begin().await?;
        tx.apply(&Writes {
            outbound: vec![message],
            ..Default::default()
        })
        .await?;
        tx.commit().await?;
        self.inner.sender_wake.notify_one();
        Ok(id)
    }

    /// Records a message the business sent outside waflow — typed on the phone of a linked-device
    /// number — in the contact's conversation, as sent by `phone`: it starts nothing, and the AI
    /// step's pre-send check counts it as a person's reply. A message with a channel id the number
    /// already has as outbound (one of ours echoed back) is not stored twice.
    pub async fn record_sent_elsewhere(&self, sent: SentElsewhere) -> Result<(), Error> {
        let now = self.inner.clock.now();
        let mut tx = self.inner.store.begin().await?;
        let contacts = tx
            .upsert_contacts(
                &[waflow_store::ContactKey {
                    workspace_id: sent.workspace_id.clone(),
                    phone: sent.to.as_str().to_string(),
                    name: String::new(),
                }],
                now,
            )
            .await?;
        let Some((contact, _)) = contacts.into_iter().next() else {
            return Err(Error::Unavailable("the contact could not be stored".into()));
        };
        let conversation_id = tx
            .ensure_conversation(
                &waflow_store::ConversationKey {
                    workspace_id: sent.workspace_id.clone(),
                    number_id: sent.number_id.clone(),
                    contact_id: contact.id.clone(),
                },
                now,
            )
            .await?;
        let message = waflow_store::NewOutbound {
            id: new_id("msg"),
            workspace_id: sent.workspace_id,
            conversation_id,
            number_id: sent.number_id,
            contact_id: contact.id,
            message_type: sent.content.kind.as_str().to_string(),
            text: sent.content.text.clone(),
            payload: sent.content.stored_payload(None),
            sender_kind: "phone",
            sender_ref: None,
            at: now,
        };
        tx.apply(&Writes {
            sent_elsewhere: vec![(message, sent.channel_message_id)],
            ..Default::default()
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts the `contact_created` workflows for a contact created outside a message (e.g. by the
    /// API), on `number_id`. Returns the runs started.
    pub async fn contact_created(
        &self,
        workspace_id: &str,
        contact_id: &str,
        number_id: &str,
    ) -> Result<Vec<String>, Error> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let state = inner.cache.get(inner.store.as_ref(), workspace_id).await?;
        let mut tx = inner.store.begin().await?;
        let mut contact = tx.contact(workspace_id, contact_id).await?;
        if contact.blocked || contact.excluded_from_automation {
            return Ok(Vec::new());
        }
        let view = executor::contact_view(&contact);
        let message = waflow_domain::InboundView {
            message_type: waflow_domain::MessageType::Unknown,
            text: String::new(),
        };
        let eval = state
            .workflows
            .contact_created(&waflow_domain::matching::Inbound {
                number_id,
                message: &message,
                contact: &view,
                contact_is_new: true,
                has_waiting_run: false,
                calendar: &state.calendar,
                now,
                conversation: None,
            });
        let log = log::Log {
            workspace_id,
            number_id,
            contact_id,
            message_id: None,
            now,
        };
        let mut runs = Vec::new();
        if !eval.start.is_empty() {
            let key = waflow_store::ConversationKey {
                workspace_id: workspace_id.into(),
                number_id: number_id.into(),
                contact_id: contact_id.into(),
            };
            let conversation_id = tx.touch_conversations(&[key], now).await?.remove(0);
            let mut writes = Writes {
                at: Some(now),
                ..Default::default()
            };
            for &i in &eval.start {
                let wf = &state.workflows.workflows[i];
                let target = executor::RunTarget {
                    workspace_id,
                    workflow_id: &wf.id,
                    version: wf.version,
                    contact_id,
                    number_id,
                    conversation_id: &conversation_id,
                };
                let mut run = executor::new_run(&mut writes, &target, now);
                let burst = executor::Burst {
                    doc: &wf.document,
                    calendar: &state.calendar,
                    now,
                    message_text: "",
                    prepared: None,
                };
                let exec =
                    executor::advance(&mut writes, &mut run, &mut contact, &burst, Some(0), false);
                let summary = format!(
                    "{}: run started for a new contact, {}",
                    wf.document.name,
                    log::describe(&run, &exec)
                );
                log.write_run(
                    &mut writes,
                    &run,
                    log::entry(
                        "run",
                        "started",
                        summary,
                        json!({"steps": exec.steps, "state": run.state}),
                    ),
                );
                runs.push(run.id.clone());
                writes.new_runs.push(run);
            }
            tx.apply(&writes).await?;
        }
        tx.commit().await?;
        inner.sender_wake.notify_one();
        inner.worker_wake.notify_one();
        Ok(runs)
    }
}

/// The option ids of a menu's buttons or list content, in order.
pub fn menu_option_ids(content: &serde_json::Value) -> Vec<String> {
    executor::menu_options(content)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}
