//! Fuzz target `load`: scenario loading end to end, as `Scenario::load` does it: TOML syntax,
//! the CSV authority, channel and sweep design tables, validation, the referral graph's
//! warnings and the variants. Any input must give a scenario or an error, never a panic; an
//! error must name the scenario file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use refgap::scenario::Scenario;
use refgap_fuzz::{SCENARIO, base_dir, prepare};

fuzz_target!(|data: &[u8]| {
    let Some(text) = prepare(data) else { return };
    let base = base_dir();
    let path = base.join(SCENARIO);
    match Scenario::from_toml_str(&text, &path, base) {
        Ok(s) => {
            // Touch what validation promised, so a broken invariant shows here.
            assert!(!s.cohorts().is_empty());
            assert!((1..=refgap::scenario::MAX_TRIALS).contains(&s.trials()));
            assert!((1..=refgap::scenario::MAX_HOPS).contains(&s.max_hops()));
            for cohort in s.cohorts() {
                let total: f64 = cohort.entry.iter().map(|&(_, share)| share).sum();
                assert!((total - 1.0).abs() < 1e-9, "entry shares sum to {total}");
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(&path.display().to_string()),
                "error does not name the file: {message}"
            );
        }
    }
});
