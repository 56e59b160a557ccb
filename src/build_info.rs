//! What this binary is: version and the commit it was built from.

pub const PRODUCT: &str = "ShopDB";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Set by build.rs from `git rev-parse --short HEAD` ("unknown" outside git).
pub const GIT_COMMIT: &str = env!("BUILD_GIT_COMMIT");
