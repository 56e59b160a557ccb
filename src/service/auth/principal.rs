//! Who is calling, and the role checks every service applies.

use crate::domain::{Role, UserId};
use crate::service::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session (JWT).
    Session { must_change_password: bool },
    /// An API token (`shp_…`).
    ApiToken { token_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    /// The effective role (an API token's role is capped by its owner's).
    pub role: Role,
    pub credential: Credential,
}

impl Principal {
    /// Allows the call if the principal has at least `role` and has no
    /// pending forced password change.
    pub fn require(&self, role: Role) -> Result<(), ServiceError> {
        if let Credential::Session {
            must_change_password: true,
        } = self.credential
        {
            return Err(ServiceError::PasswordChangeRequired);
        }
        if self.role < role {
            return Err(ServiceError::Forbidden(format!(
                "this needs the {role} role; you have {}",
                self.role
            )));
        }
        Ok(())
    }

    pub fn is_session(&self) -> bool {
        matches!(self.credential, Credential::Session { .. })
    }
}

/// Where a request came from, for audit and rate limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestCtx {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}
