//! The declarations, one per public operation, grouped by sub-client.

mod agents;
mod catalog;
mod events;
mod files;

use super::spec::Op;

/// Every group's operations, in the order hosts list sub-clients.
pub(crate) const GROUPS: &[&[Op]] = &[
    agents::AGENTS,
    agents::SESSIONS,
    events::MESSAGES,
    events::EVENTS,
    files::FILESYSTEM,
    catalog::CATALOG,
];
