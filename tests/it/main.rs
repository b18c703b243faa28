//! The integration tests that share one process: the typed client
//! (`up42::Client`) against the sandbox, a module per resource with the
//! fixtures of `fixtures`, and the runtime's and the sandbox's own tests.
//! Tests that need a process of their own (a global allocator, environment
//! variables, child processes, trybuild, a thread's tracing subscriber that
//! must see every event) stay in files of their own beside this directory.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/declarations.rs"]
mod declarations;
mod fixtures;
#[path = "../support/switch.rs"]
mod switch;

// The typed client.
mod account;
mod budgets;
mod catalog;
mod coverage;
mod delivery;
mod drift;
mod glossary;
mod lists;
mod orders;
mod processing;
mod spawnable;
mod storage;
mod tasking;

// The runtime, the macro and the sandbox.
mod auth;
mod endpoints;
mod faults;
mod layers;
mod middleware;
mod paging;
mod redirects;
mod sandbox;
mod secrets;
mod soak;
mod workflow;
mod world;
