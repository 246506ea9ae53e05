//! The declarations, one per public operation, grouped by sub-client.

mod agents;
mod budgets;
mod catalog;
mod events;
mod files;
mod interaction;
mod memories;
mod versions;
mod workspaces;

use super::spec::Op;

/// Every group's operations, in the order hosts list sub-clients.
pub(crate) const GROUPS: &[&[Op]] = &[
    agents::AGENTS,
    versions::AGENTS,
    agents::SESSIONS,
    versions::SESSIONS,
    interaction::SESSIONS,
    budgets::SESSIONS,
    events::MESSAGES,
    interaction::MESSAGES,
    events::EVENTS,
    files::FILESYSTEM,
    workspaces::WORKSPACES,
    workspaces::WORKSPACE_FILES,
    memories::MEMORIES,
    catalog::CATALOG,
    budgets::BUDGETS,
    budgets::CONNECTIONS,
    versions::HARNESSES,
];
