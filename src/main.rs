//! The `eqinfo` binary: no subcommand opens the GUI (when built with the `gui` feature), a
//! subcommand runs headless.

fn main() -> std::process::ExitCode {
    eqinfo_cli::run()
}

#[path = "cli/mod.rs"]
mod eqinfo_cli;
