//! Writes a large generated scenario folder, for measuring how `refgap check` and `refgap exact`
//! grow with the size of a network (benches/RESULTS.md, "Scaling of check and exact").
//!
//! `cargo run --release --example make_large -- AUTHORITIES DIR` writes `DIR/scenario.toml`,
//! `DIR/authorities.csv` and `DIR/channels.csv`: countries of 10 authorities each (police,
//! border, labour, social, shelter, ngo, coordination, consulate, prosecutor, intl_org), 5
//! channels out of every authority (3 in the same country, 2 to the next countries: a ring of
//! countries), and 20 cohorts with 3 entry points each. Parameters are random but fixed
//! (ChaCha8, seed 7): a workload, not a model of any real place.

use std::fmt::Write as _;
use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const KINDS: [&str; 10] = [
    "police",
    "border",
    "labour",
    "social",
    "shelter",
    "ngo",
    "coordination",
    "consulate",
    "prosecutor",
    "intl_org",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(dir)) = (args.next().and_then(|n| n.parse::<usize>().ok()), args.next()) else {
        eprintln!("usage: make_large AUTHORITIES DIR");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("cannot create the folder");
    let countries = n.div_ceil(KINDS.len()).max(2);
    // Three capital letters, as country codes must be: up to 26^3 = 17,576 countries.
    let code = |c: usize| {
        let l = |k: usize| char::from(b'A' + (k % 26) as u8);
        format!("{}{}{}", l(c / 676), l(c / 26), l(c))
    };
    assert!(n.div_ceil(KINDS.len()) <= 17_576, "at most 175,760 authorities");
    let id = |a: usize| format!("{}.{}", code(a / KINDS.len()), KINDS[a % KINDS.len()]);
    let total = countries * KINDS.len();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut toml = String::from("[scenario]\nname = \"large\"\nseed = 1\ntrials = 10000\n\n");
    toml.push_str("[tables]\nauthorities = \"authorities.csv\"\nchannels = \"channels.csv\"\n\n");
    for c in 0..countries {
        let _ = writeln!(toml, "[[country]]\ncode = \"{}\"\n", code(c));
    }
    for k in 0..20 {
        let origin = (k * 7919) % countries;
        let entries: Vec<String> = (0..3)
            .map(|e| format!("{{ at = \"{}\", share = 1.0 }}", id(((k * 31 + e * 977) * 13) % total)))
            .collect();
        let _ = writeln!(
            toml,
            "[[cohort]]\nname = \"cohort {k}\"\norigin = \"{}\"\nage = \"adult\"\nvictims = 10\nentry = [{}]\ngoal = [\"protection\"]\n",
            code(origin),
            entries.join(", ")
        );
    }
    let mut authorities =
        String::from("id,country,kind,identification,provides,assist_incomplete,dropout_per_day,close\n");
    for a in 0..total {
        let kind = KINDS[a % KINDS.len()];
        let provides = match kind {
            "social" => "protection;return",
            "shelter" | "ngo" => "protection",
            "intl_org" => "return;reintegration",
            _ => "",
        };
        let _ = writeln!(
            authorities,
            "{},{},{kind},{:.2},{provides},{:.2},{:.3},{:.2}",
            id(a),
            code(a / KINDS.len()),
            rng.random_range(0.3..0.9),
            rng.random_range(0.3..0.9),
            rng.random_range(0.001..0.01),
            rng.random_range(0.05..0.3)
        );
    }
    let mut channels =
        String::from("id,from,to,quality,delay,fidelity,weight,retries,when_victims,when_age,any_origin,formal\n");
    for a in 0..total {
        let c = a / KINDS.len();
        let mut targets: Vec<usize> = Vec::new();
        while targets.len() < 5 {
            let country = if targets.len() < 3 {
                c
            } else {
                (c + targets.len() - 2) % countries
            };
            let t = country * KINDS.len() + rng.random_range(0..KINDS.len());
            if t != a && !targets.contains(&t) {
                targets.push(t);
            }
        }
        for t in targets {
            let _ = writeln!(
                channels,
                ",{},{},{:.2},\"{{ exponential = {:.1} }}\",{:.2},1,{},,,true,",
                id(a),
                id(t),
                rng.random_range(0.5..0.98),
                rng.random_range(1.0..20.0),
                rng.random_range(0.7..1.0),
                rng.random_range(0..3)
            );
        }
    }
    std::fs::write(dir.join("scenario.toml"), toml).expect("cannot write scenario.toml");
    std::fs::write(dir.join("authorities.csv"), authorities).expect("cannot write authorities.csv");
    std::fs::write(dir.join("channels.csv"), channels).expect("cannot write channels.csv");
}
