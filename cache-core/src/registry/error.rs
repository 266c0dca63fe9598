//! [`RegistryError`]: what can go wrong when asking the registry for something.

use std::error::Error;
use std::fmt;

/// Why a [`Registry`](crate::Registry) call failed.
///
/// # Examples
///
/// ```
/// use cachekit::{Registry, RegistryError};
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// registry.get_or_create::<u64, String>("users", 500, Duration::from_secs(1800))?;
/// let err = registry
///     .get_or_create::<u64, u32>("users", 500, Duration::from_secs(1800))
///     .unwrap_err();
/// assert!(matches!(err, RegistryError::TypeMismatch { ref name, .. } if name == "users"));
/// assert!(err.to_string().contains("String") && err.to_string().contains("u32"));
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// `name` is registered with other types than the ones asked for. The type names are
    /// those of [`std::any::type_name`]: informative, not a stable format.
    TypeMismatch {
        /// The name asked for.
        name: String,
        /// The type registered under `name`.
        registered: &'static str,
        /// The type asked for.
        requested: &'static str,
    },
    /// No cache is registered under `name`.
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// A janitor started from this registry is still running; stop or drop its
    /// [`JanitorHandle`](crate::JanitorHandle) first.
    JanitorAlreadyRunning,
    /// The operating system refused to start the janitor's thread.
    JanitorSpawnFailed {
        /// The operating system's error, as text.
        reason: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TypeMismatch {
                name,
                registered,
                requested,
            } => write!(
                f,
                "{name:?} is registered as `{registered}`, not as the requested `{requested}`"
            ),
            Self::NotFound { name } => write!(f, "no cache is registered as {name:?}"),
            Self::JanitorAlreadyRunning => {
                f.write_str("a janitor is already running for this registry")
            }
            Self::JanitorSpawnFailed { reason } => {
                write!(f, "could not start the janitor thread: {reason}")
            }
        }
    }
}

impl Error for RegistryError {}
