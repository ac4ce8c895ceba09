//! One sub-batch of the intake: its messages stored with a fixed number of statements, then
//! decided in rounds.
//!
//! **Invariant:** every message of a contact is decided with what the contact's earlier messages
//! left: a message whose contact's earlier message in the same round left anything it could read
//! (a live run, a timer, a contact change — see [`Footprint`]) waits for the next round, which
//! reads the contact and its waiting runs again after the round's writes. A contact's messages
//! are decided in arrival order.

use super::decide::{decide, Received};
use super::IntakeOutcome;
use crate::cache::WorkspaceState;
use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use waflow_domain::InboundEvent;
use waflow_store::{
    Contact, ContactKey, ConversationKey, NewInbound, NoticeWrite, Run, Tx, Writes,
};

/// A stored message of the sub-batch, waiting for its decision.
struct Stored {
    /// Index of the message's contact in the sub-batch's distinct contacts.
    contact: usize,
    /// The first message of a contact created by this sub-batch.
    created: bool,
    conversation_id: String,
    /// `None` for a duplicate.
    message_id: Option<String>,
    notice_effect: Option<String>,
}

/// Stores and decides `reqs` (see the module's invariant); the outcomes are in `reqs`' order.
pub(super) async fn process_sub_batch(
    inner: &Inner,
    tx: &mut Box<dyn Tx>,
    states: &HashMap<&str, Arc<WorkspaceState>>,
    reqs: &[&InboundEvent],
    now: DateTime<Utc>,
) -> Result<Vec<IntakeOutcome>, Error> {
    let (keys, mut contacts, mut stored) = store(tx, reqs, now).await?;
    let mut outcomes: Vec<Option<IntakeOutcome>> = (0..reqs.len()).map(|_| None).collect();
    let mut pending: Vec<usize> = (0..reqs.len()).collect();
    loop {
        pending = round(
            inner,
            tx,
            states,
            reqs,
            &mut stored,
            &contacts,
            &pending,
            &mut outcomes,
            now,
        )
        .await?;
        if pending.is_empty() {
            break;
        }
        // Read again what the round wrote: the contacts of the messages left.
        let mut again: Vec<usize> = pending.iter().map(|&i| stored[i].contact).collect();
        again.sort_unstable();
        again.dedup();
        let again_keys: Vec<ContactKey> = again.iter().map(|&c| keys[c].clone()).collect();
        for (c, (contact, _)) in again
            .into_iter()
            .zip(tx.upsert_contacts(&again_keys, now).await?)
        {
            contacts[c] = contact;
        }
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.ok_or_else(|| Error::Unavailable("a message of the batch was not decided".into()))
        })
        .collect()
}

/// The sub-batch's distinct contact keys, their contacts, and each message as stored.
type StoredBatch = (Vec<ContactKey>, Vec<Contact>, Vec<Stored>);

/// Stores the messages, their contacts and conversations (each distinct one once) and applies
/// new notices.
async fn store(
    tx: &mut Box<dyn Tx>,
    reqs: &[&InboundEvent],
    now: DateTime<Utc>,
) -> Result<StoredBatch, Error> {
    let mut key_of: HashMap<(&str, &str), usize> = HashMap::with_capacity(reqs.len());
    let mut keys: Vec<ContactKey> = Vec::with_capacity(reqs.len());
    let slots: Vec<usize> = reqs
        .iter()
        .map(|r| {
            *key_of
                .entry((r.workspace_id.as_str(), r.from.as_str()))
                .or_insert_with(|| {
                    keys.push(ContactKey {
                        workspace_id: r.workspace_id.clone(),
                        phone: r.from.as_str().to_string(),
                        name: r.contact_name.clone(),
                    });
                    keys.len() - 1
                })
        })
        .collect();
    let upserted = tx.upsert_contacts(&keys, now).await?;
    let mut conversation_of: HashMap<(&str, usize), usize> = HashMap::with_capacity(reqs.len());
    let mut conversation_keys: Vec<ConversationKey> = Vec::with_capacity(reqs.len());
    let conversation_slots: Vec<usize> = reqs
        .iter()
        .zip(&slots)
        .map(|(r, &c)| {
            *conversation_of
                .entry((r.number_id.as_str(), c))
                .or_insert_with(|| {
                    conversation_keys.push(ConversationKey {
                        workspace_id: r.workspace_id.clone(),
                        number_id: r.number_id.clone(),
                        contact_id: upserted[c].0.id.clone(),
                    });
                    conversation_keys.len() - 1
                })
        })
        .collect();
    let conversations = tx.touch_conversations(&conversation_keys, now).await?;
    let inbound: Vec<NewInbound> = reqs
        .iter()
        .zip(&slots)
        .zip(&conversation_slots)
        .map(|((r, &c), &cv)| NewInbound {
            workspace_id: r.workspace_id.clone(),
            conversation_id: conversations[cv].clone(),
            number_id: r.number_id.clone(),
            contact_id: upserted[c].0.id.clone(),
            message_type: r.content.kind.as_str().to_string(),
            text: r.content.text.clone(),
            channel_message_id: r.channel_message_id.clone(),
            payload: r.content.stored_payload(r.user_id.as_ref()),
            reply_to: r.reply_to.clone(),
            at: now,
        })
        .collect();
    let message_ids = tx.insert_inbound(&inbound).await?;
    let mut seen = vec![false; keys.len()];
    let mut stored = Vec::with_capacity(reqs.len());
    for (((r, &c), &cv), message_id) in reqs
        .iter()
        .zip(&slots)
        .zip(&conversation_slots)
        .zip(message_ids)
    {
        // Notices act on what is stored only when they are new: a redelivery changes nothing.
        let notice_effect = match (&r.notice, &message_id) {
            (Some(notice), Some(id)) => Some(
                tx.apply_notice(&NoticeWrite {
                    workspace_id: r.workspace_id.clone(),
                    number_id: r.number_id.clone(),
                    contact_id: upserted[c].0.id.clone(),
                    message_id: id.clone(),
                    at: now,
                    notice: notice.clone(),
                })
                .await?,
            ),
            _ => None,
        };
        stored.push(Stored {
            contact: c,
            created: upserted[c].1 && !seen[c],
            conversation_id: conversations[cv].clone(),
            message_id,
            notice_effect,
        });
        seen[c] = true;
    }
    let contacts = upserted.into_iter().map(|(c, _)| c).collect();
    Ok((keys, contacts, stored))
}

/// Decides the `pending` messages whose contacts are quiet in this round and writes the effects;
/// returns the messages left for the next round.
#[allow(clippy::too_many_arguments)]
async fn round(
    inner: &Inner,
    tx: &mut Box<dyn Tx>,
    states: &HashMap<&str, Arc<WorkspaceState>>,
    reqs: &[&InboundEvent],
    stored: &mut [Stored],
    contacts: &[Contact],
    pending: &[usize],
    outcomes: &mut [Option<IntakeOutcome>],
    now: DateTime<Utc>,
) -> Result<Vec<usize>, Error> {
    let live: Vec<String> = pending
        .iter()
        .map(|&i| &stored[i])
        .filter(|s| {
            let c = &contacts[s.contact];
            s.message_id.is_some() && !c.blocked && !c.excluded_from_automation
        })
        .map(|s| contacts[s.contact].id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut waiting: Vec<Run> = if live.is_empty() {
        Vec::new()
    } else {
        tx.waiting_runs(&live).await?
    };
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let mut busy: HashSet<usize> = HashSet::new();
    let mut left = Vec::new();
    for &i in pending {
        let (req, s) = (reqs[i], &mut stored[i]);
        if busy.contains(&s.contact) {
            left.push(i);
            continue;
        }
        let state = states
            .get(req.workspace_id.as_str())
            .ok_or_else(|| Error::Unavailable("workspace state missing".into()))?;
        let contact = contacts[s.contact].clone();
        let position = waiting.iter().position(|r| {
            r.contact_id == contact.id
                && r.number_id == req.number_id
                && state
                    .only_workflow
                    .as_ref()
                    .is_none_or(|w| *w == r.workflow_id)
        });
        let waiting_run = position.map(|i| waiting.remove(i));
        // Counted only for workspaces whose conditions look at the conversation.
        let stats = match &s.message_id {
            Some(id) if state.workflows.needs_conversation() => {
                Some(tx.conversation_stats(&s.conversation_id, id).await?)
            }
            _ => None,
        };
        let before = Footprint::of(&writes);
        let message = Received {
            stats,
            req,
            contact,
            created: s.created,
            conversation_id: s.conversation_id.clone(),
            message_id: s.message_id.clone(),
            waiting_run,
            notice_effect: s.notice_effect.take(),
        };
        outcomes[i] = Some(decide(inner, &mut writes, state, message, now).await?);
        if before.grew(&writes) {
            busy.insert(s.contact);
        }
    }
    if !writes.timers.is_empty() {
        inner.timers_added.store(true, Ordering::Relaxed);
    }
    if writes.has_events() {
        inner.events_added.store(true, Ordering::Relaxed);
    }
    // Counters are written at most every ten seconds (see `counters`).
    inner.counters.add(std::mem::take(&mut writes.counters));
    tx.apply(&writes).await?;
    Ok(left)
}

/// What a decision may leave that its contact's next message would read: live runs, run updates,
/// timers, contact and ticket changes, events, notifications, a person taking over. Logs,
/// counters, queued replies and runs that ended at once are not in it. Taken before a decision,
/// [`Footprint::grew`] after it looks only at what that decision added.
struct Footprint {
    new_runs: usize,
    outbound: usize,
    others: [usize; 15],
}

impl Footprint {
    fn of(w: &Writes) -> Self {
        Self {
            new_runs: w.new_runs.len(),
            outbound: w.outbound.len(),
            others: [
                w.cleared_timers.len(),
                w.updated_runs.len(),
                w.timers.len(),
                w.contact_tags.len(),
                w.contact_agents.len(),
                w.contact_lists.len(),
                w.tickets.len(),
                w.events.len(),
                w.contact_fields.len(),
                w.contact_blocked.len(),
                w.contact_opt_outs.len(),
                w.end_other_runs.len(),
                w.notifications.len(),
                w.sent_elsewhere.len(),
                w.credits_used.len(),
            ],
        }
    }

    /// Whether the decision since `self` was taken left anything in `w` that counts.
    fn grew(&self, w: &Writes) -> bool {
        let after = Self::of(w);
        after.others != self.others
            || w.new_runs[self.new_runs..].iter().any(|r| r.state.is_live())
            // Only a workflow's own replies leave nothing to read (an agent's message pauses it).
            || w.outbound[self.outbound..]
                .iter()
                .any(|m| m.sender_kind != "workflow")
    }
}
