//! `refgap transfer`: every cell of the practice × context matrix equals `refgap exact` run with
//! the same practice written as an intervention in that context; contexts where a practice does
//! not apply or lowers an outcome; sampled worlds; errors; the results folder.

use std::collections::BTreeMap;

use refgap::exact::transfer::{Solved, evaluate, evaluate_world};
use refgap::exact::{self, ExactCohort, Solver};
use refgap::model::Measure;
use refgap::report::transfer::{TransferReport, TransferRow};
use refgap::scenario::Scenario;
use refgap::scenario::variant::transfer::{Contexts, Matrix};

use crate::util::{bundled, ecowas, refgap, scenario, with_variants};

/// Completed and protected victims per year, and the referral gap in victims per year, of a
/// scenario solved by `refgap exact`.
fn exact_totals(s: &Scenario, solved: &[ExactCohort]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (cohort, ex) in s.cohorts().iter().zip(solved) {
        let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
        let q = ExactCohort::aggregate(&ex.perfect, cohort, |_| true);
        let done = Measure::Completed.index();
        out[0] += cohort.victims * p[done];
        out[1] += cohort.victims * p[Measure::Protected.index()];
        out[2] += cohort.victims * (q[done] - p[done]);
    }
    out
}

/// The practice of `name` in `context` written as an `[[intervention]]` practice, as a user
/// would (the README's toolbox table).
fn as_intervention(name: &str, context: &str) -> String {
    let codes: Vec<String> = context.split('-').map(|c| format!("\"{c}\"")).collect();
    let codes = codes.join(", ");
    let practice = match name {
        "standard_forms" => format!("standard_forms = {{ select = {{ from_country = [{codes}] }} }}"),
        "labour inspectors trained" => {
            format!("training = {{ countries = [{codes}], kinds = [\"labour\"], identification_gain = 0.1 }}")
        }
        "bilateral agreements work as designed" => {
            format!("bilateral_agreement = {{ countries = [{codes}], quality = 0.8, delay_scale = 0.5 }}")
        }
        "standard referral forms" => {
            format!("standard_forms = {{ fidelity = 0.95, select = {{ from_country = [{codes}] }} }}")
        }
        _ => format!("{name} = {{ countries = [{codes}] }}"),
    };
    format!("[[intervention]]\nname = \"cell\"\npractices = [{{ {practice} }}]\n")
}

fn report(s: &Scenario, m: &Matrix) -> (Solved, TransferReport) {
    let solved = evaluate(s, m, Solver::Auto, &|| {}).unwrap();
    let report = TransferReport::new(s, m, &solved, &[], None);
    (solved, report)
}

fn rows<'a>(r: &'a TransferReport, practice: &str, context: &str) -> BTreeMap<&'static str, &'a TransferRow> {
    r.rows
        .iter()
        .filter(|x| x.practice == practice && x.context == context)
        .map(|x| (x.measure, x))
        .collect()
}

#[test]
fn cells_of_the_regional_matrix_equal_refgap_exact_with_the_practice_as_an_intervention() {
    let regional = ecowas();
    let s = &regional.with_variants;
    let m = Matrix::new(s, &[], Contexts::Auto).unwrap();
    let (_, r) = report(s, &m);
    let names: Vec<&str> = m.practices.iter().map(|p| p.name.as_str()).collect();
    for expected in [
        "nrm_adoption",
        "training",
        "standard_forms",
        "bilateral_agreement",
        "focal_points",
        "regional_adviser",
        "labour inspectors trained",
        "standard referral forms",
        "bilateral agreements work as designed",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let base = exact_totals(&regional.baseline, &regional.solved);
    let tmp = tempfile::tempdir().unwrap();
    // A sample of the cells that apply: every practice, contexts spread over the matrix.
    let mut checked = 0;
    for (p, practice) in m.practices.iter().enumerate() {
        let cells: Vec<_> = m.cells.iter().filter(|c| c.practice == p && c.applies()).collect();
        assert!(!cells.is_empty(), "{} applies nowhere", practice.name);
        for cell in cells.iter().step_by(cells.len().div_ceil(3)) {
            let context = &m.contexts[cell.context].label;
            let text = as_intervention(&practice.name, context);
            let v = with_variants(regional.baseline.clone(), tmp.path(), &text).unwrap();
            let variant = &v.variants()[0].scenario;
            let totals = exact_totals(variant, &exact::solve(variant).unwrap());
            let got = rows(&r, &practice.name, context);
            for (k, measure) in ["completed", "protected", "gap"].into_iter().enumerate() {
                let want = if k == 2 {
                    base[k] - totals[k]
                } else {
                    totals[k] - base[k]
                };
                let row = got[measure];
                assert!(
                    (row.gain_per_year - want).abs() < 1e-9,
                    "{} in {context}, {measure}: transfer {} vs exact {want}",
                    practice.name,
                    row.gain_per_year
                );
                assert!(row.applies);
            }
            checked += 1;
        }
    }
    assert!(checked >= 2 * m.practices.len(), "only {checked} cells checked");
    // Ranks run 1..=n within each practice and measure.
    for practice in &m.practices {
        let mut ranks: Vec<usize> = r
            .rows
            .iter()
            .filter(|x| x.practice == practice.name && x.measure == "completed")
            .map(|x| x.rank)
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=ranks.len()).collect::<Vec<_>>(), "{}", practice.name);
    }
}

#[test]
fn a_practice_that_finds_nothing_or_changes_nothing_does_not_apply_and_gains_nothing() {
    let s = Scenario::load(&bundled("minimal.toml")).unwrap();
    let m = Matrix::new(
        &s,
        &["nrm_adoption".to_owned(), "focal_points".to_owned()],
        Contexts::Auto,
    )
    .unwrap();
    // BFA has no in-country channel (nothing to act on); CIV's one is already at quality 0.8
    // (nothing changes); neither country has a coordination body for focal points.
    assert_eq!(m.cells.len(), 3);
    for cell in &m.cells {
        assert!(!cell.applies());
        assert!(cell.not_applied.is_some());
    }
    let reasons: Vec<&str> = m.cells.iter().map(|c| c.not_applied.as_deref().unwrap()).collect();
    assert!(reasons[0].contains("finds no in-country channel"), "{reasons:?}");
    assert!(reasons[1].contains("changes nothing"), "{reasons:?}");
    assert!(reasons[2].contains("coordination"), "{reasons:?}");
    let (solved, r) = report(&s, &m);
    assert!(solved.cells.iter().all(Option::is_none));
    assert_eq!(r.rows.len(), 3 * 3, "every cell is reported, one row per measure");
    for row in &r.rows {
        assert!(!row.applies);
        assert_eq!(row.gain_per_year, 0.0);
        assert_eq!(row.p50, None);
    }
}

/// A practice that diverts cases: focal points add a channel from CIV's coordination body to
/// BFA's, which closes cases without return, beside the channel to BFA's social services.
const DIVERTED: &str = r#"
[scenario]
name = "diverted"
seed = 1

[[country]]
code = "BFA"
name = "Burkina Faso"
languages = ["fr"]

[[country]]
code = "CIV"
name = "Côte d'Ivoire"
languages = ["fr"]

[[authority]]
id = "CIV.police"
country = "CIV"
kind = "police"
identification = 0.5

[[authority]]
id = "CIV.coordination"
country = "CIV"
kind = "coordination"
provides = ["protection"]

[[authority]]
id = "BFA.coordination"
country = "BFA"
kind = "coordination"
close = 1.0

[[authority]]
id = "BFA.social"
country = "BFA"
kind = "social"
provides = ["return", "reintegration"]
close = 1.0

[[channel]]
from = "CIV.police"
to = "CIV.coordination"
quality = 0.9
delay = { fixed = 3.0 }

[[channel]]
from = "CIV.coordination"
to = "BFA.social"
quality = 0.9
delay = { fixed = 10.0 }

[[cohort]]
name = "BFA children in CIV"
origin = "BFA"
age = "child"
exploitation = "labour"
victims = 100
entry = [{ at = "CIV.police", share = 1.0 }]
goal = ["protection", "return", "reintegration"]
"#;

#[test]
fn a_practice_can_lower_an_outcome() {
    let s = scenario(DIVERTED);
    let m = Matrix::new(&s, &[], Contexts::Pairs).unwrap();
    let (_, r) = report(&s, &m);
    let focal = rows(&r, "focal_points", "BFA-CIV");
    let completed = focal["completed"];
    assert!(completed.applies);
    // As given, 0.5 × 0.9 × 0.9 complete; with the new channel, half the cases at CIV's body go
    // to BFA's, which closes them without return: exactly half as many complete.
    let before = 100.0 * 0.5 * 0.9 * 0.9;
    assert!(
        (completed.gain_per_year - (-before / 2.0)).abs() < 1e-9,
        "{completed:?}"
    );
    assert!(completed.gain_rate.unwrap() < 0.0);
    // Protection happens before the split: unchanged.
    assert!(focal["protected"].gain_per_year.abs() < 1e-12);
    // Training on the same pair identifies more victims, who all take the same paths: a gain.
    let training = rows(&r, "training", "BFA-CIV");
    assert!(training["completed"].gain_per_year > 0.0);
    let cohort = r
        .cohorts
        .iter()
        .find(|x| x.practice == "focal_points" && x.measure == "completed")
        .unwrap();
    assert!((cohort.gain_rate - (-0.5 * 0.9 * 0.9 / 2.0)).abs() < 1e-12);
}

#[test]
fn sampled_worlds_give_quantiles_equal_to_the_practice_solved_in_each_world() {
    let text = format!(
        "{DIVERTED}
[[uncertain]]
name = \"police to coordination\"
select = {{ from = \"CIV.police\" }}
parameter = \"quality\"
range = [0.5, 1.0]

[[observed]]
name = \"completed\"
cohort = \"*\"
measure = \"completed\"
range = [0.0, 0.36]
"
    );
    let s = scenario(&text);
    let m = Matrix::new(&s, &["training".to_owned()], Contexts::Countries).unwrap();
    let points = refgap::stats::sensitivity::lhs(8, 1, 3);
    let nominal = evaluate(&s, &m, Solver::Auto, &|| {}).unwrap();
    let worlds: Vec<Solved> = points
        .iter()
        .map(|p| evaluate_world(&s, &m, p, Solver::Auto, &|| {}).unwrap())
        .collect();
    let r = TransferReport::new(&s, &m, &nominal, &worlds, Some(3));
    // In each world, training in CIV gains what refgap exact says the intervention gains there.
    let tmp = tempfile::tempdir().unwrap();
    let with = with_variants(s.clone(), tmp.path(), &as_intervention("training", "CIV")).unwrap();
    let cell = m
        .cells
        .iter()
        .position(|c| m.contexts[c.context].label == "CIV")
        .unwrap();
    let mut gains = Vec::new();
    for (p, w) in points.iter().zip(&worlds) {
        let (world, _) = with.world(&[s.factors()[0].value(p[0])]).unwrap();
        let base = exact_totals(&world, &exact::solve(&world).unwrap());
        let variant = &world.variants().last().unwrap().scenario;
        let v = exact_totals(variant, &exact::solve(variant).unwrap());
        let mine = w.cells[cell].as_ref().unwrap();
        let total: f64 = mine.iter().zip(&w.base).map(|(a, b)| 100.0 * (a[0] - b[0])).sum();
        assert!((total - (v[0] - base[0])).abs() < 1e-9);
        gains.push(v[0] - base[0]);
    }
    let plausible = worlds.iter().filter(|w| w.plausible).count();
    assert!(
        plausible > 0 && plausible < worlds.len(),
        "{plausible} plausible worlds"
    );
    let all = r
        .rows
        .iter()
        .find(|x| x.context == "CIV" && x.measure == "completed" && x.subset == Some("all"))
        .unwrap();
    assert_eq!(all.worlds, Some(8));
    gains.sort_by(f64::total_cmp);
    assert!((all.p50.unwrap() - (gains[3] + gains[4]) / 2.0).abs() < 1e-9);
    assert_eq!(all.p_positive, Some(1.0));
    let kept = r
        .rows
        .iter()
        .find(|x| x.context == "CIV" && x.measure == "completed" && x.subset == Some("plausible"))
        .unwrap();
    assert_eq!(kept.worlds, Some(plausible));
    assert_eq!(r.manifest.uncertainty.as_ref().unwrap().plausible, Some(plausible));
}

#[test]
fn an_unknown_practice_is_named_with_the_valid_names() {
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let err = Matrix::new(&s, &["nrm".to_owned()], Contexts::Auto).unwrap_err();
    assert!(err.contains("\"nrm\""), "{err}");
    for valid in TOOLBOX_NAMES {
        assert!(err.contains(valid), "{err}");
    }
    let out = refgap(["transfer", "scenarios/minimal.toml", "--practice", "adviser", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("\"adviser\"") && stderr.contains("\"regional_adviser\""),
        "{stderr}"
    );
}

const TOOLBOX_NAMES: [&str; 6] = refgap::scenario::variant::transfer::TOOLBOX;

#[test]
fn the_results_folder_holds_what_its_manifest_lists() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["transfer", "scenarios/minimal.toml", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let dir = tmp.path().join("minimal-transfer");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "transfer");
    let mut listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    listed.push("manifest.json".to_owned());
    listed.sort();
    assert_eq!(crate::util::entries(&dir), listed);
    let csv = std::fs::read_to_string(dir.join("transfer.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "practice,context,applies,measure,gain_per_year,gain_rate,p05,p50,p95,p_positive,rank,subset,worlds"
    );
}

#[test]
fn the_matrix_does_not_depend_on_the_thread_count() {
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let m = Matrix::new(&s, &[], Contexts::Pairs).unwrap();
    let files = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let solved = pool.install(|| evaluate(&s, &m, Solver::Auto, &|| {})).unwrap();
        TransferReport::new(&s, &m, &solved, &[], None).files()
    };
    assert!(m.cells.iter().any(|c| c.applies()));
    assert_eq!(files(1), files(3));
}

#[test]
fn a_regional_adviser_links_the_coordination_bodies_and_lifts_cross_border_fidelity() {
    let text = DIVERTED.replace(
        "quality = 0.9\ndelay = { fixed = 10.0 }",
        "quality = 0.9\ndelay = { fixed = 10.0 }\nfidelity = 0.6",
    );
    let s = scenario(&format!(
        "{text}\n[[intervention]]\nname = \"adviser\"\npractices = [{{ regional_adviser = {{}} }}]\n"
    ));
    let v = &s.variants()[0].scenario;
    let id = |a: usize| v.authorities()[a].id.as_str();
    let added: Vec<_> = v.channels()[s.channels().len()..].iter().collect();
    let ends: Vec<(&str, &str)> = added.iter().map(|c| (id(c.from), id(c.to))).collect();
    assert_eq!(
        ends,
        [
            ("BFA.coordination", "CIV.coordination"),
            ("CIV.coordination", "BFA.coordination")
        ]
    );
    for c in &added {
        assert_eq!((c.quality, c.fidelity, c.formal), (0.7, 0.9, true));
        assert_eq!(c.delay, refgap::vocab::delay::Delay::Gamma { mean: 28.0, shape: 2.0 });
    }
    let cross = v.channels().iter().find(|c| id(c.to) == "BFA.social").unwrap();
    assert_eq!(cross.fidelity, 0.9);
    let in_country = v.channels().iter().find(|c| id(c.from) == "CIV.police").unwrap();
    assert_eq!(in_country.fidelity, 1.0);
    let err = crate::util::scenario_error(&format!(
        "{text}\n[[intervention]]\nname = \"adviser\"\npractices = [{{ regional_adviser = {{ countries = [\"CIV\"] }} }}]\n"
    ));
    assert!(err.contains("at least two distinct countries"), "{err}");
}
