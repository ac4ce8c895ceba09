//! URLs the server will call later (the AI provider, the events webhook), checked by the SSRF
//! guard when they are saved, so that a user learns at once what would be refused when called.
//!
//! **Invariant:** a URL written as a refused address, naming this machine, or resolving to a
//! refused address is refused with a 422 naming its field and value and the switch that allows
//! it; a name that does not resolve (now, or within 3 s) is accepted — the call will say why it
//! fails. The guard checks again at every call.

use crate::error::ApiError;
use std::time::Duration;
use waflow_outbound_http::{Guard, Policy, Refused};

/// Refuses `url` (the value of `field`) if the guard would refuse it when called.
pub async fn check_url(field: &str, url: &str, policy: Policy) -> Result<(), ApiError> {
    if policy.allow_private {
        return Ok(());
    }
    let guard = Guard::new(policy);
    match tokio::time::timeout(Duration::from_secs(3), guard.vet(url)).await {
        Ok(Err(refused @ (Refused::Forbidden { .. } | Refused::LocalName { .. }))) => {
            Err(ApiError::invalid(
                field,
                format!(
                    "{url:?}: {refused} (a service on this machine or network, e.g. a local \
                     Ollama, needs it)"
                ),
            ))
        }
        Ok(Err(refused @ (Refused::BadUrl(_) | Refused::Scheme(_)))) => {
            Err(ApiError::invalid(field, format!("{url:?}: {refused}")))
        }
        Ok(_) | Err(_) => Ok(()),
    }
}
