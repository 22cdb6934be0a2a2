//! `refgap report`: render results folders as `report.html`, one self-contained page each, from
//! the folders' files alone.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// Results folders written by `refgap run`, `exact`, `uncertainty` or `transfer`.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub(super) fn report(args: &ReportArgs) -> Result<()> {
    for dir in &args.dirs {
        let path = crate::report::html::write(dir)?;
        if !args.quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
