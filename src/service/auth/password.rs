//! argon2id password hashing (OWASP parameters: 19 MiB, 2 passes, 1 lane).
//! Hashing is CPU-heavy, so callers run it on the blocking pool.

use std::sync::OnceLock;

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

/// A real hash of a random password, verified against when the user does
/// not exist so that "unknown user" and "wrong password" take as long.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = super::random_token(24);
        Argon2::default()
            .hash_password(random.as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Verifies on the blocking pool; `None` hash burns the same time and fails.
pub async fn verify_async(stored_hash: Option<String>, candidate: String) -> bool {
    tokio::task::spawn_blocking(move || match stored_hash {
        Some(h) => verify(&h, &candidate),
        None => {
            let _ = verify(dummy_hash(), &candidate);
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

/// Warms the dummy hash so the first unknown-user sign-in is not faster.
pub fn warm_up() {
    let _ = dummy_hash();
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
    }
}
