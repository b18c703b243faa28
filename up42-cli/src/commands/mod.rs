//! The commands: each group's arguments (its clap types) next to its
//! handler. `cli` keeps what they share: the global options and the output,
//! wait and delivery flags.

pub mod aoi;
pub mod api;
pub mod auth;
pub mod budgets;
pub mod catalog;
pub mod download;
pub mod endpoints;
pub mod feasibility;
pub mod glossary;
pub mod jobs;
pub mod orders;
pub mod processes;
pub mod quotations;
pub mod storage;
