//! The single integration-test binary (one link step, one process; see matklad's "Delete Cargo
//! Integration Tests"). Each module tests one feature the way users meet it.

mod cases; // hand-derived cases on tiny graphs, each simulated (99.9 % Wilson) and solved exactly (1e-12)
mod cli; // the `refgap` binary end to end: run, check, batch, errors, output contract
mod consistency; // referral consistency: populations, Wilson extremes, chi-square test, hand and exact
mod ecowas; // calibration of the regional scenario against the published facts of docs/SOURCES.md
mod exact_random; // random scenarios exercising every model feature: simulation against the exact solution
mod exact_vs_mc; // the exact chain solution against the simulation, bundled and random scenarios
mod inputs; // inputs stay in the scenario's folder, only regular files, size cap, formula cells neutralised
mod leaks; // channels.csv per cohort, leaks before / after the goal, authorities.csv stalls, the terminal rebuilt
mod limits; // long runs announced early, loops no case can leave warned
mod outputs; // results folders never destroy what refgap did not write; the manifest lists the folder
mod pairwise; // practice against practice: variant pairs on the same trials, exact, symmetry, coverage, cap
mod perfect_arm; // the perfect arm by conditioning: lookup vs simulated continuation, max_hops, variance, coverage
mod rebuild; // every number of the terminal summary rebuilt from the results folder's files
mod report; // `refgap report`: the self-contained page, its charts and numbers, never over a user's file
mod reproducible; // same (scenario, seed, trials) => byte-identical files, any thread count
mod scenarios; // every bundled scenario loads; every invalid fixture fails with its message
mod shards; // sharded runs: any split merges to the one-machine bytes; merge refusals; kill -9 and --resume
mod snapshots; // golden tables of bundled scenarios at a fixed seed: any change to numbers or format shows
mod tidy; // architecture rules on the source text: file sizes, layering, no cycles between sibling modules
mod transfer; // practice × context matrix: every cell equals `refgap exact` with the practice as an intervention
mod uncertainty; // uncertain factors, sampled worlds solved exactly, the uncertainty command's tables
mod util; // shared helpers: scenario builders, in-process runs, temp folders
mod variants; // interventions, selectors, sweeps, common random numbers, paired comparisons, precision stop
