//! Command-line interface: clap subcommands over the library. `anyhow` lives here and nowhere in
//! the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod train;

/// Explore text compressed by a byte LM in Equal-Info Windows (arXiv 2404.03626).
#[derive(Parser, Debug)]
#[command(name = "eqinfo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train an M1 byte model on text files.
    Train(train::TrainArgs),
}

/// Parses arguments and runs; errors become a message on stderr and exit code 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(())
        }
        Some(Command::Train(args)) => train::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
