//! DTOs shared by the account endpoints, and list paging.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::db::queries::users::UserRow;
use crate::domain::{Role, UserSource};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum RoleDto {
    /// Read the inventory.
    Viewer,
    /// Read and change the inventory.
    Editor,
    /// Everything, including users, tokens and settings.
    Admin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => Self::Viewer,
            Role::Editor => Self::Editor,
            Role::Admin => Self::Admin,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Viewer => Self::Viewer,
            RoleDto::Editor => Self::Editor,
            RoleDto::Admin => Self::Admin,
        }
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum UserSourceDto {
    /// Password stored (hashed) in ShopDB.
    Local,
    /// Signs in through LDAP / Active Directory.
    Ldap,
}

/// A user account.
#[derive(Object, Debug, Clone)]
#[oai(rename = "User")]
pub struct UserDto {
    pub id: i64,
    /// Lowercase sign-in name.
    pub username: String,
    pub display_name: String,
    #[oai(nullable)]
    pub email: Option<String>,
    pub role: RoleDto,
    pub source: UserSourceDto,
    pub disabled: bool,
    pub must_change_password: bool,
    #[oai(nullable)]
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for UserDto {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id.0,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role.into(),
            source: match u.source {
                UserSource::Local => UserSourceDto::Local,
                UserSource::Ldap => UserSourceDto::Ldap,
            },
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

pub const DEFAULT_LIMIT: u64 = 50;
