//! The generator shared by `make_bench100` and `make_run100` (included by each with `#[path]`):
//! 16 countries (the ECOWAS 15 and Mauritania, as codes only) × 6 authorities + 4 regional
//! reintegration sinks = 100 authorities; in-country referral channels, return channels from each
//! IOM office, child-protection channels between countries and channels to the sinks, mixing
//! every delay law, dropout, retries and fidelity; and cohorts with 3 entry points each.
//! Identification at the entry points is high and closing weights low, so that an average trial
//! makes a few channel traversals. The numbers are random but fixed (ChaCha8 from the spec's
//! seed): a workload for benchmarks and solver timings, not a model of any real place.

use std::fmt::Write;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const COUNTRIES: [&str; 16] = [
    "BEN", "BFA", "CPV", "CIV", "GMB", "GHA", "GIN", "GNB", "LBR", "MLI", "NER", "NGA", "SEN", "SLE", "TGO", "MRT",
];
/// Countries hosting a regional reintegration sink.
const HUBS: [&str; 4] = ["NGA", "GHA", "SEN", "CIV"];

/// What differs between the generated scenarios. A "step" `s` links the country at index `i` of
/// [`COUNTRIES`] to the one at `(i + s) % 16`; cohort `i` comes from country `5 i` and is found in
/// country `5 i + 3`, so step 13 leads from a cohort's host country back to its origin.
pub struct Spec {
    /// Scenario name (and file stem).
    pub name: &'static str,
    /// The comment lines at the top of the file, each starting with `#`.
    pub header: &'static str,
    /// Seed of the generator and of the scenario.
    pub seed: u64,
    /// The scenario's `horizon_days`.
    pub horizon_days: u32,
    /// Return channels: every IOM office to the social services of the country at each step.
    pub return_steps: &'static [usize],
    /// Child-protection channels between social services, one per step (formal, except
    /// `any_origin_step`, which is any-origin).
    pub child_steps: &'static [usize],
    /// The child-protection step whose channels are `any_origin = true`.
    pub any_origin_step: usize,
    /// Number of cohorts.
    pub cohorts: usize,
}

fn delay(rng: &mut ChaCha8Rng, scale: f64) -> String {
    let m = (scale * rng.random_range(0.5..1.5) * 100.0).round() / 100.0;
    match rng.random_range(0..5) {
        0 => format!("{{ fixed = {m} }}"),
        1 => format!("{{ exponential = {m} }}"),
        2 => format!(
            "{{ gamma = {{ mean = {m}, shape = {} }} }}",
            [0.5, 1.5, 2.0, 3.0][rng.random_range(0..4)]
        ),
        3 => format!(
            "{{ lognormal = {{ median = {m}, sigma = {} }} }}",
            [0.3, 0.5, 0.8][rng.random_range(0..3)]
        ),
        _ => format!(
            "{{ uniform = {{ min = {}, max = {} }} }}",
            (m * 0.5 * 100.0).round() / 100.0,
            (m * 1.5 * 100.0).round() / 100.0
        ),
    }
}

fn p(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    (rng.random_range(lo..hi) * 100.0).round() / 100.0
}

fn channel(out: &mut String, rng: &mut ChaCha8Rng, from: &str, to: &str, scale: f64, extra: &str) {
    let _ = writeln!(out, "[[channel]]\nfrom = \"{from}\"\nto = \"{to}\"");
    let _ = writeln!(out, "quality = {}\ndelay = {}", p(rng, 0.6, 0.98), delay(rng, scale));
    let _ = writeln!(
        out,
        "fidelity = {}\nretries = {}",
        p(rng, 0.8, 1.0),
        rng.random_range(0..3)
    );
    let _ = writeln!(out, "weight = {}{extra}\n", p(rng, 0.5, 2.0));
}

/// The scenario file of `spec`, as TOML text.
pub fn generate(spec: &Spec) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut out = String::new();
    out.push_str(spec.header);
    let _ = writeln!(
        out,
        "\n[scenario]\nname = \"{}\"\nseed = {}\ntrials = 1000000\nhorizon_days = {}\n",
        spec.name, spec.seed, spec.horizon_days
    );
    for c in COUNTRIES {
        let _ = writeln!(out, "[[country]]\ncode = \"{c}\"\n");
    }
    for c in COUNTRIES {
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.police\"\ncountry = \"{c}\"\nkind = \"police\"\nidentification = {}\n",
            p(&mut rng, 0.8, 0.98)
        );
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.border\"\ncountry = \"{c}\"\nkind = \"border\"\nidentification = {}\n",
            p(&mut rng, 0.8, 0.98)
        );
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.labour\"\ncountry = \"{c}\"\nkind = \"labour\"\nidentification = {}\n",
            p(&mut rng, 0.8, 0.98)
        );
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.social\"\ncountry = \"{c}\"\nkind = \"social\"\nprovides = [\"protection\", \"return\"]\nassist_incomplete = {}\ndropout_per_day = {}\nclose = {}\n",
            p(&mut rng, 0.3, 0.8),
            p(&mut rng, 0.001, 0.01),
            p(&mut rng, 0.02, 0.1)
        );
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.ngo\"\ncountry = \"{c}\"\nkind = \"ngo\"\nidentification = {}\nprovides = [\"protection\"]\nassist_incomplete = {}\ndropout_per_day = {}\nclose = {}\n",
            p(&mut rng, 0.8, 0.98),
            p(&mut rng, 0.5, 0.9),
            p(&mut rng, 0.001, 0.008),
            p(&mut rng, 0.02, 0.08)
        );
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{c}.iom\"\ncountry = \"{c}\"\nkind = \"intl_org\"\ndropout_per_day = {}\nclose = 0.05\n",
            p(&mut rng, 0.001, 0.005)
        );
    }
    for h in HUBS {
        let _ = writeln!(
            out,
            "[[authority]]\nid = \"{h}.reintegration\"\ncountry = \"{h}\"\nkind = \"ngo\"\nprovides = [\"reintegration\"]\nclose = 1.0\n"
        );
    }
    // In-country referral: 11 channels per country (176), including a social <-> ngo cycle.
    for c in COUNTRIES {
        for (f, t, scale) in [
            ("police", "social", 3.0),
            ("police", "ngo", 2.0),
            ("border", "police", 1.0),
            ("border", "social", 4.0),
            ("labour", "police", 5.0),
            ("labour", "social", 6.0),
            ("social", "ngo", 2.0),
            ("ngo", "social", 3.0),
            ("ngo", "iom", 7.0),
            ("social", "iom", 10.0),
            ("police", "iom", 8.0),
        ] {
            let extra = if f == "social" && t == "iom" {
                "\nwhen = { victims = \"foreign\" }"
            } else {
                ""
            };
            channel(
                &mut out,
                &mut rng,
                &format!("{c}.{f}"),
                &format!("{c}.{t}"),
                scale,
                extra,
            );
        }
    }
    // Return channels: every IOM office to the social services of the countries at the return
    // steps (16 per step), used only towards the victim's origin by the cross-border rule.
    let n = COUNTRIES.len();
    for (i, c) in COUNTRIES.iter().enumerate() {
        for (j, d) in COUNTRIES.iter().enumerate() {
            if j != i && spec.return_steps.contains(&((j + n - i) % n)) {
                channel(
                    &mut out,
                    &mut rng,
                    &format!("{c}.iom"),
                    &format!("{d}.social"),
                    30.0,
                    "",
                );
            }
        }
    }
    // Child-protection channels between countries (16 per step), formal or any-origin.
    for (i, c) in COUNTRIES.iter().enumerate() {
        for &step in spec.child_steps {
            let d = COUNTRIES[(i + step) % n];
            let extra = if step == spec.any_origin_step {
                "\nwhen = { age = \"child\" }\nany_origin = true"
            } else {
                "\nwhen = { age = \"child\" }\nformal = true"
            };
            channel(
                &mut out,
                &mut rng,
                &format!("{c}.social"),
                &format!("{d}.social"),
                35.0,
                extra,
            );
        }
    }
    // Social services to a regional reintegration sink (16 + 4).
    for (i, c) in COUNTRIES.iter().enumerate() {
        let h = HUBS[i % HUBS.len()];
        channel(
            &mut out,
            &mut rng,
            &format!("{c}.social"),
            &format!("{h}.reintegration"),
            14.0,
            "\nany_origin = true",
        );
    }
    for h in HUBS {
        channel(
            &mut out,
            &mut rng,
            &format!("{h}.ngo"),
            &format!("{h}.reintegration"),
            10.0,
            "",
        );
    }
    // Cohorts, 3 entry points each.
    for i in 0..spec.cohorts {
        let origin = COUNTRIES[(i * 5) % n];
        let host = COUNTRIES[(i * 5 + 3) % n];
        let age = if i % 3 == 2 { "adult" } else { "child" };
        let exploitation = ["labour", "domestic", "sexual", "begging"][i % 4];
        let who = if age == "child" { "children" } else { "adults" };
        let _ = writeln!(
            out,
            "[[cohort]]\nname = \"cohort {i:02}: {origin} {who} in {host}\"\norigin = \"{origin}\"\nage = \"{age}\"\nexploitation = \"{exploitation}\"\nvictims = {}\nentry = [\n  {{ at = \"{host}.police\", share = {} }},\n  {{ at = \"{host}.labour\", share = {} }},\n  {{ at = \"{origin}.border\", share = {} }},\n]\n",
            rng.random_range(50..1500),
            p(&mut rng, 0.2, 0.6),
            p(&mut rng, 0.1, 0.4),
            p(&mut rng, 0.1, 0.3)
        );
    }
    out
}
