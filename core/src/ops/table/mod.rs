//! The declarations, one per public operation, grouped by sub-client.

mod agents;
mod catalog;
mod events;
mod files;
mod interaction;
mod versions;

use super::spec::Op;

/// Every group's operations, in the order hosts list sub-clients.
pub(crate) const GROUPS: &[&[Op]] = &[
    agents::AGENTS,
    versions::AGENTS,
    agents::SESSIONS,
    versions::SESSIONS,
    interaction::SESSIONS,
    events::MESSAGES,
    interaction::MESSAGES,
    events::EVENTS,
    files::FILESYSTEM,
    catalog::CATALOG,
    versions::HARNESSES,
];
