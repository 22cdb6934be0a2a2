//! The single integration-test binary (one link step, one process; see matklad's "Delete Cargo
//! Integration Tests"). Each module tests one feature the way users meet it.

mod reproducible; // same (scenario, seed, trials) => byte-identical files, any thread count
mod util; // shared helpers: scenario builders, in-process runs, temp folders
