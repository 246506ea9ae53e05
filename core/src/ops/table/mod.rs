//! The declarations, one per public operation, grouped by sub-client.

mod agents;
mod budgets;
mod catalog;
mod events;
mod files;
mod interaction;
mod memories;
mod workspaces;

use super::spec::Op;

/// Every group's operations, in the order hosts list sub-clients.
pub(crate) const GROUPS: &[&[Op]] = &[
    agents::AGENTS,
    agents::SESSIONS,
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
];
