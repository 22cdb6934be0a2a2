//! `refgap run`: simulate scenarios, write one results folder per scenario, print the summaries
//! (and, with `--check-exact`, the distance of every simulated rate from the exact solution).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{LoadArgs, progress_bar, reserve_all, results_name};
use crate::engine::part::{Parts, WorkItems, merge_parts, run_part};
use crate::engine::{self, PerfectArm, RunConfig, RunResult};
use crate::exact::check::{CohortCheck, Z_FAIL, check_arm};
use crate::report::Report;
use crate::report::folder::{CHECKPOINT, FileSlot, OutputFolder};
use crate::report::shard::{self, Resume, RunId, Shard};
use crate::scenario::Scenario;

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Trials per cohort [default: the scenario's `trials`].
    #[arg(long, value_name = "N")]
    trials: Option<u64>,
    /// Seed of the random streams [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Folder that receives one results folder per scenario, named after the scenario file.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// After each run, compare every simulated rate with the exact solution and print, per
    /// cohort, the largest distance in standard errors (|z|).
    #[arg(long)]
    check_exact: bool,
    #[command(flatten)]
    variants: LoadArgs,
    /// Simulate each variant on random numbers of its own instead of the baseline's (only to
    /// measure what common random numbers buy: intervals get wider).
    #[arg(long)]
    independent: bool,
    /// Stop each cohort once every paired difference (referral gaps and comparisons) has a 95%
    /// half-width below P, checked every 65,536 trials; --trials (or the scenario's trials) is
    /// the cap.
    #[arg(long, value_name = "P", value_parser = parse_precision)]
    precision: Option<f64>,
    /// How the perfect-communication arm of the referral gap is estimated: `conditional` looks
    /// up, at each victim's first communication failure, the exact probability of completing
    /// from there with perfect communication (narrower gap intervals, faster); `simulated` walks
    /// the perfect arm on. Same expected gap; different numbers for the same seed.
    #[arg(long, value_enum, value_name = "HOW", default_value = "conditional")]
    perfect_arm: PerfectArmArg,
    /// Run only shard I of N (I from 0 to N-1) and write its tallies to
    /// OUT/<name>-shards/shard-IIIII.json, for `refgap merge`. `auto/N` takes I from
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX (Kubernetes) or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<ShardSpec>,
    /// Continue an interrupted run from its checkpoint (OUT/.<name>.checkpoints/checkpoint.json);
    /// the result is byte-identical to an uninterrupted run. Without a usable checkpoint (none,
    /// damaged, or of a run with other settings) it says why and runs from the start.
    #[arg(long)]
    resume: bool,
    /// Write the run's checkpoint (for --resume) at most once every S seconds; 0 writes it after
    /// every 65,536 trials (per core). Results do not depend on it.
    #[arg(long, value_name = "S", default_value_t = 60)]
    checkpoint_every: u64,
    /// Also write `report.html` into each results folder (what `refgap report` does).
    #[arg(long)]
    report: bool,
}

/// The variables that carry an array task's index, in the order `--shard auto/N` reads them:
/// Slurm job arrays, Kubernetes Indexed Jobs, AWS Batch array jobs.
pub(super) const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Work items (blocks of trials) a one-machine run simulates between two chances to write its
/// checkpoint, per worker thread: 65,536 trials, enough that the pause at the end of a step
/// costs little.
const CHECKPOINT_ITEMS: u64 = 64;

/// `--shard I/N` or `--shard auto/N`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShardSpec {
    /// `None` for `auto`.
    index: Option<u64>,
    /// Shards in the set.
    pub(super) count: u64,
}

/// Most shards in a set.
pub(super) const MAX_SHARDS: u64 = 1_000_000;

pub(super) fn parse_shard(v: &str) -> std::result::Result<ShardSpec, String> {
    let usage = || format!("{v} is not a shard; use I/N with I from 0 to N-1 (e.g. 3/16), or auto/N");
    let (i, n) = v.split_once('/').ok_or_else(usage)?;
    let count: u64 = n.parse().map_err(|_| usage())?;
    if !(1..=MAX_SHARDS).contains(&count) {
        return Err(format!("{v}: the number of shards must be 1 to {MAX_SHARDS}"));
    }
    let index = if i == "auto" {
        None
    } else {
        let i: u64 = i.parse().map_err(|_| usage())?;
        if i >= count {
            return Err(format!("{v}: shards are numbered 0 to {}", count - 1));
        }
        Some(i)
    };
    Ok(ShardSpec { index, count })
}

impl ShardSpec {
    /// The index: given, or read from the first of [`INDEX_VARIABLES`] that is set.
    pub(super) fn resolve(&self) -> Result<u64> {
        let (index, source) = match self.index {
            Some(i) => (i, "--shard".to_owned()),
            None => {
                let Some((var, value)) = INDEX_VARIABLES
                    .iter()
                    .find_map(|var| std::env::var(var).ok().map(|v| (*var, v)))
                else {
                    bail!(
                        "--shard auto/{} needs the task index in one of {}; none is set (give --shard I/{} instead)",
                        self.count,
                        INDEX_VARIABLES.join(", "),
                        self.count
                    );
                };
                let i = value
                    .trim()
                    .parse()
                    .with_context(|| format!("{var}={value} is not a task index"))?;
                (i, var.to_owned())
            }
        };
        if index >= self.count {
            bail!(
                "shard {index} (from {source}) is not one of the {} shards 0 to {}; submit the array as --array=0-{}",
                self.count,
                self.count - 1,
                self.count - 1
            );
        }
        Ok(index)
    }
}

/// `--perfect-arm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PerfectArmArg {
    /// The probability of completing from the first communication failure, looked up.
    Conditional,
    /// The perfect arm walked on from the first communication failure.
    Simulated,
}

impl From<PerfectArmArg> for PerfectArm {
    fn from(a: PerfectArmArg) -> PerfectArm {
        match a {
            PerfectArmArg::Conditional => PerfectArm::Conditional,
            PerfectArmArg::Simulated => PerfectArm::Simulated,
        }
    }
}

fn parse_precision(v: &str) -> std::result::Result<f64, String> {
    match v.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "{v} is not a precision; use a half-width between 0 and 1, e.g. 0.002"
        )),
    }
}

pub(super) fn run(args: &RunArgs) -> Result<()> {
    if args.precision.is_some() && (args.shard.is_some() || args.resume) {
        bail!(
            "--precision cannot be combined with --{}: the target-precision stopping rule reads the tallies of \
             the whole run at every stage end, so such a run cannot be cut into parts; run it on one machine, \
             or shard a run of fixed --trials",
            if args.shard.is_some() { "shard" } else { "resume" }
        );
    }
    if args.shard.is_some() && (args.resume || args.check_exact) {
        bail!(
            "--shard runs one part of a run: {} applies to whole runs (a failed shard is simply run again; \
             check the merged result instead)",
            if args.resume { "--resume" } else { "--check-exact" }
        );
    }
    // Load and validate everything first: a typo in the last file must not cost the first run.
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        let mut s = args.variants.load(path)?;
        if let Some(seed) = args.seed {
            s = s.with_seed(seed);
        }
        if let Some(trials) = args.trials {
            s = s.with_trials(trials)?;
        }
        scenarios.push(s);
    }
    if let Some(spec) = args.shard {
        return run_shard(args, spec, &scenarios);
    }
    // Reserve every results folder before simulating anything: a folder in the way, a
    // read-only location or a concurrent run must not cost hours of simulation.
    let folders = reserve_all(&args.scenarios, &scenarios, &args.out, "", args.quiet)?;
    let jobs = scenarios.into_iter().zip(folders);
    let pool = super::pool(args.threads)?;
    let mut stdout = std::io::stdout().lock();
    let mut failed_checks = Vec::new();
    for (s, folder) in jobs {
        let dir = folder.dir().to_path_buf();
        if !args.quiet {
            for w in s.warnings() {
                eprintln!("warning: {}: {w}", s.source().path.display());
            }
        }
        let config = RunConfig {
            independent: args.independent,
            precision: args.precision,
            perfect_arm: args.perfect_arm.into(),
            ..RunConfig::from_scenario(&s)
        };
        let arms = 1 + s.variants().len() as u64;
        let total = config.trials * s.cohorts().len() as u64;
        let bar = progress_bar(total, args.quiet);
        let started = Instant::now();
        let eta = Eta::new(total, started);
        let progress = |n| {
            bar.inc(n);
            if let Some(hours) = eta.long_run(n)
                && !args.quiet
            {
                bar.suspend(|| {
                    eprintln!(
                        "warning: {}: at the rate so far this run needs about {hours:.1} hours more; \
                         stop it (Ctrl-C leaves earlier results as they were; --resume continues it) and \
                         lower --trials, or use --precision to stop each cohort once its intervals are \
                         narrow enough",
                        s.name()
                    )
                });
            }
        };
        let result = if config.precision.is_some() {
            pool.install(|| engine::run(&s, &config, &progress))
        } else {
            let inputs = args.variants.inputs(&s)?;
            let every = Duration::from_secs(args.checkpoint_every);
            let note = |line: String| {
                if !args.quiet {
                    bar.suspend(|| eprintln!("{line}"));
                }
            };
            let when = (args.resume, every);
            pool.install(|| checkpointed(&s, &config, &folder, inputs, when, &progress, &note))?
        };
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        let simulated: u64 = result.stops.iter().map(|st| st.trials).sum::<u64>() * arms;
        let report = Report::new(&s, &result);
        let committed = folder
            .commit(&report.files())
            .with_context(|| format!("cannot write the results of {}", s.source().path.display()))?;
        if let Some(kept) = &committed.kept_previous {
            eprintln!(
                "warning: files were saved into the earlier result {} during the run; it was kept as {}",
                dir.display(),
                kept.display()
            );
        }
        if args.report {
            let page = crate::report::html::write(&dir)?;
            if !args.quiet {
                eprintln!("wrote {}", page.display());
            }
        }
        let checks = if args.check_exact {
            exact_checks(&s, &result)?
        } else {
            Vec::new()
        };
        let worst = checks
            .iter()
            .flat_map(|(_, c)| c.iter().filter_map(CohortCheck::worst))
            .map(|r| r.z.abs())
            .fold(0.0_f64, f64::max);
        if worst > Z_FAIL {
            failed_checks.push(format!("{} (max |z| = {worst:.2})", s.name()));
        }
        if !args.quiet {
            write!(stdout, "{}", report.text)?;
            stdout.flush()?;
            if args.check_exact {
                write!(stdout, "{}", render_checks(&checks))?;
            }
            eprintln!(
                "wrote {} ({:.2} s, {:.2} M trials/s over {} arm(s) on {} thread(s))",
                dir.display(),
                secs,
                simulated as f64 / secs.max(1e-9) / 1e6,
                arms,
                pool.current_num_threads()
            );
        }
    }
    if !failed_checks.is_empty() {
        bail!(
            "the simulation disagrees with the exact solution beyond |z| = {Z_FAIL} in {}; the results \
             were written, but report this scenario as a bug",
            failed_checks.join(", ")
        );
    }
    Ok(())
}

/// Runs `s` in steps of [`CHECKPOINT_ITEMS`] work items per thread, in item order; after a step,
/// if `every` has passed since the last checkpoint, writes the tallies of every item so far as
/// the run's checkpoint (atomically, replacing the previous one). With `resume`, starts from the
/// checkpoint if it is there, intact and of this very run, and passes `note` the line that says
/// so, or why not, before simulating. Returns the result, exactly as [`engine::run`] gives it
/// (tallies are integers: the steps do not matter).
fn checkpointed(
    s: &Scenario,
    config: &RunConfig,
    folder: &OutputFolder,
    inputs: shard::Inputs,
    (resume, every): (bool, Duration),
    progress: &(dyn Fn(u64) + Sync),
    note: &(dyn Fn(String) + Sync),
) -> Result<RunResult> {
    let parts = Parts::new(s, config);
    let work = parts.work();
    let step = CHECKPOINT_ITEMS * rayon::current_num_threads().max(1) as u64;
    let name = folder
        .dir()
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let run_id = RunId::new(s, config, &name, 1);
    let dir = folder.checkpoints();
    // Looked up with or without --resume: a run that could have been resumed is not discarded
    // unannounced because the flag was forgotten.
    let found = shard::checkpoint(&dir, &run_id);
    let file = dir.join(CHECKPOINT);
    if resume {
        note(resume_note(folder.dir(), &file, &found, every, work.len()));
    } else if let Resume::From(k) = &found {
        note(format!(
            "note: {} has a checkpoint of this very run, {} ({} of {} blocks of trials done), that this run \
             does not use: stop it and add --resume to continue from there. {}",
            folder.dir().display(),
            file.display(),
            k.items[1],
            work.len(),
            restart_note(every)
        ));
    }
    let kept = match found {
        Resume::From(k) if resume => Some(*k),
        // A checkpoint that is not used (unreadable, of another run, or of this one without
        // --resume) is refgap's own file in refgap's own checkpoint folder, so this run may
        // discard it, and does: its first checkpoint replaces it (and the result, once written,
        // removes the folder). But not before that: the note above is printed now, so a user who
        // meant to resume it (another --trials or --seed than the interrupted run, another refgap
        // version, a read error that may pass, a forgotten --resume) can stop this run before it
        // has cost them the old one. Without --resume, only a checkpoint of this very run is
        // kept so: another run's or a damaged one is of no use to this command line.
        Resume::From(_) => None,
        Resume::Unreadable(_) | Resume::OtherRun { .. } if resume => None,
        Resume::Unreadable(_) | Resume::OtherRun { .. } | Resume::NoCheckpoint => {
            folder.discard_checkpoints()?;
            None
        }
    };
    let mut acc = match kept {
        Some(k) => {
            progress(work.cohort_trials(k.items()).iter().map(|(_, t)| t.end - t.start).sum());
            k
        }
        None => Shard::new(run_id, inputs, 0, 0..0, parts.run(0..0, progress)),
    };
    let mut last = Instant::now();
    while acc.items[1] < work.len() {
        let items = acc.items[1]..(acc.items[1] + step).min(work.len());
        merge_parts(&mut acc.arms, &parts.run(items.clone(), progress));
        acc.items[1] = items.end;
        if items.end < work.len() && last.elapsed() >= every {
            FileSlot::reserve(&dir, CHECKPOINT)?.commit(&acc.encode())?;
            last = Instant::now();
        }
    }
    Ok(parts.finish(acc.arms))
}

/// The line `--resume` prints before the run of the results folder `dir`: what it found at the
/// checkpoint `file` (of a run of `items` work items), and what happens.
fn resume_note(dir: &Path, file: &Path, found: &Resume, every: Duration, items: u64) -> String {
    let (dir, file) = (dir.display(), file.display());
    let restart = restart_note(every);
    match found {
        Resume::From(k) => format!(
            "resuming {dir} from its checkpoint: {} of {items} blocks of trials are done",
            k.items[1]
        ),
        Resume::NoCheckpoint => format!("note: nothing to resume for {dir}: it runs from the start"),
        Resume::Unreadable(why) => format!("note: cannot resume {dir}: its checkpoint {file} {why}. {restart}"),
        Resume::OtherRun { key, was, now } => {
            let what = match key.as_str() {
                "refgap" | "block_trials" | "window_words" => "resume it with the refgap version that wrote it",
                _ => "run with the same scenario files and settings to resume it",
            };
            format!(
                "note: cannot resume {dir}: its checkpoint {file} is of another run: its {key} was {was}, this \
                 run's is {now}: {what}. {restart}"
            )
        }
    }
}

/// What happens to a checkpoint a run does not use, with checkpoints every `every`.
fn restart_note(every: Duration) -> String {
    format!(
        "This run starts from the beginning; its first checkpoint, {} s or more from now, replaces that file \
         (stop this run before then to keep it).",
        every.as_secs()
    )
}

/// `run --shard`: reserves the shard file of every scenario, then simulates each scenario's
/// part and writes its shard.
fn run_shard(args: &RunArgs, spec: ShardSpec, scenarios: &[Scenario]) -> Result<()> {
    let index = spec.resolve()?;
    let mut slots = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (path, s) in args.scenarios.iter().zip(scenarios) {
        let name = results_name(path);
        if !names.insert(name.clone()) {
            bail!(
                "two scenarios of this batch are named {name} and would write the same shards; run them with \
                 different --out folders"
            );
        }
        let dir = args.out.join(format!("{name}-shards"));
        let slot = shard::reserve(&dir, index)
            .with_context(|| format!("cannot write the shard of {}", s.source().path.display()))?;
        slots.push((name, slot));
    }
    let pool = super::pool(args.threads)?;
    for ((name, slot), s) in slots.into_iter().zip(scenarios) {
        let config = RunConfig {
            independent: args.independent,
            perfect_arm: args.perfect_arm.into(),
            ..RunConfig::from_scenario(s)
        };
        let items = WorkItems::new(s, config.trials).part(index, spec.count);
        let run_id = RunId::new(s, &config, &name, spec.count);
        let inputs = args.variants.inputs(s)?;
        let started = Instant::now();
        let arms = pool.install(|| run_part(s, &config, items.clone(), &|_| {}));
        let path = slot.path().to_path_buf();
        let n_items = items.end - items.start;
        slot.commit(&Shard::new(run_id, inputs, index, items, arms).encode())
            .with_context(|| format!("cannot write the shard of {}", s.source().path.display()))?;
        if !args.quiet {
            eprintln!(
                "wrote {} (shard {index} of {}: {n_items} block(s) of trials, {:.2} s)",
                path.display(),
                spec.count,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Warns once, early, when a run will take long: after [`Eta::AFTER`] of simulation, if the
/// trials left at the rate so far need more than [`Eta::LONG`].
struct Eta {
    total: u64,
    started: Instant,
    done: AtomicU64,
    warned: AtomicBool,
}

impl Eta {
    /// Time measured before judging the rate.
    const AFTER: Duration = Duration::from_secs(2);
    /// What counts as a long run.
    const LONG: Duration = Duration::from_secs(3600);

    fn new(total: u64, started: Instant) -> Eta {
        Eta {
            total,
            started,
            done: AtomicU64::new(0),
            warned: AtomicBool::new(false),
        }
    }

    /// Counts `n` more trials; the hours left, the first time they exceed [`Eta::LONG`].
    fn long_run(&self, n: u64) -> Option<f64> {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let elapsed = self.started.elapsed();
        if elapsed < Eta::AFTER || self.warned.load(Ordering::Relaxed) {
            return None;
        }
        let left = elapsed.as_secs_f64() * self.total.saturating_sub(done) as f64 / done as f64;
        (left > Eta::LONG.as_secs_f64() && !self.warned.swap(true, Ordering::Relaxed)).then_some(left / 3600.0)
    }
}

/// Per arm (baseline and variants), the check of every cohort against the exact solution.
fn exact_checks(s: &Scenario, result: &engine::RunResult) -> Result<Vec<(String, Vec<CohortCheck>)>> {
    let arms = std::iter::once((crate::report::BASELINE, s))
        .chain(s.variants().iter().map(|v| (v.name.as_str(), &v.scenario)));
    arms.enumerate()
        .map(|(v, (name, sc))| Ok((name.to_owned(), check_arm(sc, result.arm(v), &crate::exact::solve(sc)?))))
        .collect()
}

/// The `--check-exact` lines: per arm and cohort, the worst |z|.
fn render_checks(checks: &[(String, Vec<CohortCheck>)]) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "  exact check (|z| of each simulated rate from the exact probability, all entries; fails above {Z_FAIL}):\n"
    );
    for (name, cohorts) in checks {
        for c in cohorts {
            if let Some(w) = c.worst() {
                let _ = writeln!(
                    out,
                    "    {name} / {}: max |z| = {:.2} ({}); P(hit max_hops) = {:.1e}",
                    c.cohort,
                    w.z.abs(),
                    w.measure.name(),
                    c.beyond_max_hops
                );
            }
        }
    }
    out
}
