//! The typed client (`up42::Client`) against the sandbox, one module per
//! resource, sharing the fixtures of `fixtures`.

mod fixtures;

mod account;
mod budgets;
mod catalog;
mod coverage;
mod glossary;
mod lists;
mod orders;
mod processing;
mod storage;
mod tasking;
