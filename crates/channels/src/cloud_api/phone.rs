//! A Cloud API number's own details as Meta knows them (`GET /{phone_number_id}`): what the
//! dashboard's "check connection" shows — the credentials work, and for which number.

use super::channel::CloudApiChannel;
use super::graph::{GraphClient, GraphError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// What Meta answers about a business phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumberInfo {
    /// The business name Meta verified for the number.
    #[serde(default)]
    pub verified_name: Option<String>,
    /// The number as Meta displays it, e.g. `+39 333 123 4567`.
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    #[serde(default)]
    pub quality_rating: Option<String>,
}

impl GraphClient {
    /// Reads a phone number's details with its access token.
    pub async fn phone_number(
        &self,
        phone_number_id: &str,
        access_token: &str,
    ) -> Result<PhoneNumberInfo, GraphError> {
        let url = self.url(&format!(
            "{phone_number_id}?fields=verified_name,display_phone_number,quality_rating"
        ));
        let (status, answer) = self
            .execute_json(self.request(Method::GET, &url, access_token))
            .await?;
        serde_json::from_value(answer)
            .map_err(|_| GraphError::unexpected(status, "phone number details"))
    }
}

impl CloudApiChannel {
    /// Checks a number's connection: its stored credentials read its details from the Graph API.
    pub async fn check(&self, number_id: &str) -> Result<PhoneNumberInfo, GraphError> {
        let line = self.line(number_id).ok_or_else(|| {
            GraphError::local(
                super::graph::ErrorKind::Permanent,
                "no_credentials",
                format!("number {number_id} has no Cloud API credentials in this process"),
            )
        })?;
        self.graph()?
            .phone_number(
                &line.credentials.phone_number_id,
                &line.credentials.access_token,
            )
            .await
    }
}
