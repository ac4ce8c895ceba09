//! Argon2id password hashes, computed off the async workers and a few at a time.
//!
//! **Invariant:** a sign-in verifies at least one hash whether or not the email is known: with no
//! stored hash to check, it checks a dummy hash made with the same parameters as new hashes, so
//! the answer takes as long for an unknown email as for a known one.

use crate::error::ApiError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Argon2id's cost for new password hashes (a stored hash keeps the cost it was made with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory per hash, KiB (19,456 by default: OWASP's recommendation).
    pub memory_kib: u32,
    /// Passes over the memory (2 by default).
    pub iterations: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
        }
    }
}

impl PasswordCost {
    /// The cheapest cost Argon2 accepts: for tests only, never for stored passwords.
    pub fn cheapest() -> Self {
        Self {
            memory_kib: Params::MIN_M_COST,
            iterations: Params::MIN_T_COST,
        }
    }

    fn hasher(self) -> Result<Argon2<'static>, ApiError> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            Params::DEFAULT_P_COST,
            None,
        )
        .map_err(|e| {
            ApiError::Internal(format!(
                "Argon2 refuses {} KiB × {} passes: {e}",
                self.memory_kib, self.iterations
            ))
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The PHC string of `password` at this cost (blocking: call off the async workers).
    pub fn hash(self, password: &str) -> Result<String, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        self.hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    }
}

/// Whether `password` matches the PHC string `hash` (at the cost the hash names).
fn matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Hashes and verifies passwords at one cost, at most as many at once as there are CPUs.
#[derive(Debug)]
pub struct Passwords {
    cost: PasswordCost,
    /// A hash of nothing anyone knows, made on first use at `cost`.
    dummy: Arc<OnceLock<String>>,
    permits: Semaphore,
}

impl Passwords {
    /// Hashing at `cost`.
    pub fn new(cost: PasswordCost) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            cost,
            dummy: Arc::default(),
            permits: Semaphore::new(cpus),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(format!("password hashing closed: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    }

    /// The PHC string of a new password.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let (cost, password) = (self.cost, password.to_string());
        self.blocking(move || cost.hash(&password)).await?
    }

    /// The index of the first of `hashes` that `password` matches. With no hashes, the dummy hash
    /// is verified instead (and nothing matches), so the work is the same.
    pub async fn find(
        &self,
        password: &str,
        hashes: Vec<String>,
    ) -> Result<Option<usize>, ApiError> {
        let (cost, dummy, password) = (self.cost, self.dummy.clone(), password.to_string());
        self.blocking(move || {
            if hashes.is_empty() {
                let dummy = match dummy.get() {
                    Some(d) => d,
                    None => {
                        let made = cost.hash("no one signs in with this")?;
                        dummy.get_or_init(|| made)
                    }
                };
                matches(&password, dummy);
                return Ok(None);
            }
            Ok(hashes.iter().position(|h| matches(&password, h)))
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_emails_verify_the_dummy() {
        let passwords = Passwords::new(PasswordCost::cheapest());
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        let found = passwords
            .find("correct horse", vec!["not a hash".into(), hash.clone()])
            .await
            .unwrap();
        assert_eq!(found, Some(1));
        assert_eq!(passwords.find("wrong", vec![hash]).await.unwrap(), None);
        assert_eq!(passwords.find("x", vec![]).await.unwrap(), None);
        let dummy = passwords.dummy.get().expect("the dummy was made");
        assert!(dummy.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{dummy}");
    }

    #[test]
    fn the_default_cost_is_argon2s() {
        let hash = PasswordCost::default().hash("pw").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
}
