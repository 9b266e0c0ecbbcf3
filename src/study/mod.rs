//! Measurement studies run on a scenario's world instead of the request
//! model (`[study]`, `scenario::study`). One module per study.

pub mod imc2015;
