//! Command-line verbs (the lead wires them into `main`).

pub mod routes;
