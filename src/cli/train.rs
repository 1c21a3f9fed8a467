//! `eqinfo train` (owned by the M1 work; placeholder wiring until it lands).

use clap::Args;

/// Arguments of `eqinfo train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Text files to train on.
    pub files: Vec<std::path::PathBuf>,
}

pub fn run(_args: TrainArgs) -> anyhow::Result<()> {
    anyhow::bail!("training is not wired yet")
}
