//! argon2id password hashing (OWASP parameters: 19 MiB, 2 passes, 1 lane).
//! Hashing is CPU-heavy, so callers run it on the blocking pool.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::domain::Password;
use crate::service::ServiceError;

pub fn hash(password: &Password) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify(stored_hash: &str, candidate: &str) -> bool {
    Argon2::default()
        .verify_password(candidate.as_bytes(), stored_hash)
        .is_ok()
}

/// A real argon2id hash (same parameters) of a random password that was
/// thrown away: verified against when the user does not exist, so that
/// "unknown user" and "wrong password" take as long. A constant, so no
/// instance spends 19 MiB and a hash's time on it at startup.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$yDpgzRTsIsgyeeVxW8kslQ$Q70zxrekyCMgqd34WseCiq6ZxkaaCXQdGcd6m1kEFf4";

/// Verifies on the blocking pool; `None` hash burns the same time and fails.
pub async fn verify_async(stored_hash: Option<String>, candidate: String) -> bool {
    tokio::task::spawn_blocking(move || match stored_hash {
        Some(h) => verify(&h, &candidate),
        None => {
            let _ = verify(DUMMY_HASH, &candidate);
            false
        }
    })
    .await
    .unwrap_or(false)
}

pub async fn hash_async(password: Password) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Username;

    #[test]
    fn hashes_verify_and_are_salted() {
        let u = Username::parse("op").unwrap();
        let p = Password::new("a long enough passphrase", &u).unwrap();
        let h1 = hash(&p).unwrap();
        let h2 = hash(&p).unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2);
        assert!(verify(&h1, "a long enough passphrase"));
        assert!(!verify(&h1, "a long enough passphrasE"));
        assert!(!verify("not a hash", "x"));
        // The dummy is a well-formed hash with today's parameters.
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!verify(DUMMY_HASH, "a long enough passphrase"));
    }
}
