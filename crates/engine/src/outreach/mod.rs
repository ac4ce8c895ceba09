//! What the engine starts by itself: scheduled messages ([`scheduler`]) and campaigns
//! ([`feeder`]), and the estimates shown before a campaign is sent.

pub(crate) mod feeder;
pub(crate) mod opt_out;
pub(crate) mod scheduler;

use crate::{Engine, Error};
use std::collections::BTreeSet;
use waflow_channels::Pace;
use waflow_domain::campaign::{CampaignContent, Rendered};
use waflow_store::{AudienceCount, AudienceQuery, Campaign, CampaignAction, Contact, NewCampaign};

/// A campaign as planned: who, from which numbers, what.
#[derive(Debug, Clone)]
pub struct CampaignPlan {
    pub workspace_id: String,
    pub query: AudienceQuery,
    /// The numbers with their channel kind, in the order recipients are given to them.
    pub numbers: Vec<(String, waflow_store::ChannelKind)>,
    pub content: CampaignContent,
}

/// What a campaign would do, before it is sent.
#[derive(Debug, Clone)]
pub struct Preview {
    pub count: AudienceCount,
    /// Recipients left once blocked, excluded and opted-out contacts are skipped.
    pub sendable: i64,
    /// How long sending takes at the numbers' paces (with their daily caps).
    pub expected_seconds: i64,
    pub warnings: Vec<String>,
    /// The first recipient and their message (`None` for a workflow campaign's message).
    pub sample: Option<(Contact, Option<Rendered>)>,
}

/// How long `recipients` messages take spread evenly over numbers with `paces`.
pub fn expected_seconds(recipients: i64, paces: &[Pace]) -> i64 {
    if recipients <= 0 || paces.is_empty() {
        return 0;
    }
    let share = (recipients as f64 / paces.len() as f64).ceil();
    paces
        .iter()
        .map(|p| {
            let mut seconds = p.per_second.map_or(0.0, |r| share / r.max(0.001));
            if let Some(daily) = p.daily.filter(|d| *d > 0) {
                let days = (share / f64::from(daily)).ceil() - 1.0;
                seconds += days.max(0.0) * 86_400.0;
            }
            seconds.ceil() as i64
        })
        .max()
        .unwrap_or(0)
}

impl Engine {
    /// Wakes the scheduler: a message was scheduled or changed.
    pub fn scheduled_changed(&self) {
        self.inner.scheduled_wake.notify_one();
    }

    /// Queues the scheduled messages due now (the scheduler's loop does this by itself); how
    /// many were due. For tests and tools.
    pub async fn fire_scheduled(&self) -> Result<usize, Error> {
        scheduler::fire_due(&self.inner).await
    }

    /// Serves the sending campaigns once (the feeder's loop does this by itself).
    pub async fn feed_campaigns(&self) -> Result<usize, Error> {
        feeder::feed_all(&self.inner).await
    }

    /// How fast a number of channel `kind` sends.
    pub fn pace_of(&self, kind: &str, number_id: &str) -> Pace {
        self.inner
            .channels
            .get(kind)
            .map(|c| c.pace(number_id))
            .unwrap_or_default()
    }

    /// How long after a contact's last message free messages may be sent on numbers of channel
    /// `kind` (`None`: no such rule).
    pub fn service_window(&self, kind: &str) -> Option<chrono::Duration> {
        let window = self.inner.channels.get(kind)?.service_window()?;
        chrono::Duration::from_std(window).ok()
    }

    /// Counts the audience, estimates the duration and renders the first recipient's message.
    pub async fn preview_campaign(&self, plan: &CampaignPlan) -> Result<Preview, Error> {
        let store = &self.inner.store;
        let count = store
            .count_audience(&plan.workspace_id, &plan.query)
            .await?;
        let sendable = count.matched - count.blocked - count.excluded - count.opted_out;
        let paces: Vec<Pace> = plan
            .numbers
            .iter()
            .map(|(id, kind)| self.pace_of(kind.as_str(), id))
            .collect();
        let mut warnings: BTreeSet<String> =
            paces.iter().filter_map(|p| p.warning.clone()).collect();
        if plan.content.is_free_form() {
            let windowed = plan.numbers.iter().any(|(_, kind)| {
                self.inner
                    .channels
                    .get(kind.as_str())
                    .is_some_and(|c| c.service_window().is_some())
            });
            if windowed {
                warnings.insert(
                    "a free message reaches only contacts who wrote to the number in the last 24 \
                     hours; the others are skipped with that reason (use an approved template \
                     to reach them)"
                        .into(),
                );
            }
        }
        let sample = match store
            .audience_sample(&plan.workspace_id, &plan.query)
            .await?
        {
            Some(contact) => {
                let view = crate::executor::contact_view(&contact).template_value();
                let rendered = plan.content.render_for(&view).map_err(|e| {
                    Error::Unavailable(format!(
                        "the message could not be written for {}: {e}",
                        contact.phone
                    ))
                })?;
                Some((contact, rendered))
            }
            None => None,
        };
        Ok(Preview {
            count,
            sendable,
            expected_seconds: expected_seconds(sendable, &paces),
            warnings: warnings.into_iter().collect(),
            sample,
        })
    }

    /// Stores a campaign with its recipients; the feeder starts it at its time.
    pub async fn create_campaign(&self, new: &NewCampaign) -> Result<Campaign, Error> {
        let campaign = self.inner.store.insert_campaign(new).await?;
        self.inner.campaigns_wake.notify_one();
        Ok(campaign)
    }

    /// Pauses, resumes or cancels a campaign.
    pub async fn campaign_action(
        &self,
        workspace_id: &str,
        id: &str,
        action: CampaignAction,
    ) -> Result<Campaign, Error> {
        let now = self.inner.clock.now();
        let campaign = self
            .inner
            .store
            .campaign_action(workspace_id, id, action, now)
            .await?;
        self.inner.campaigns_wake.notify_one();
        self.inner.sender_wake.notify_one();
        Ok(campaign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_duration_follows_rates_and_daily_caps() {
        let fast = Pace {
            per_second: Some(80.0),
            daily: None,
            warning: None,
        };
        assert_eq!(expected_seconds(8_000, std::slice::from_ref(&fast)), 100);
        assert_eq!(expected_seconds(8_000, &[fast.clone(), fast.clone()]), 50);
        let tier = Pace {
            daily: Some(1_000),
            ..fast
        };
        // 2,500 recipients at 1,000 a day: two more days after the first.
        assert_eq!(expected_seconds(2_500, &[tier]), 2 * 86_400 + 32);
        assert_eq!(expected_seconds(0, &[]), 0);
    }
}
