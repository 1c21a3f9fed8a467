//! Command-line interface: clap subcommands over the library. `anyhow` lives here and nowhere in
//! the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[macro_use]
mod output;
mod codec;
mod common;
mod dataset;
mod eval;
mod probe;
mod progress;
mod segments;
mod stats;
mod tokenizer;
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
    /// Compress a file into an .eqi container.
    Compress(codec::CompressArgs),
    /// Decompress an .eqi container exactly (verifies the checksum).
    Decompress(codec::DecompressArgs),
    /// Print the tokens of a text, window by window (text or JSON).
    Tokens(codec::TokensArgs),
    /// Describe an .eqi file: method, parameters, model, sizes and side-information overhead.
    Info(codec::InfoArgs),
    /// Cross-entropy and coded bits/byte (AC, EqualInfoAC[b=16]) of text files, round-tripped.
    Eval(eval::EvalArgs),
    /// M1 compression throughput against this machine's matmul roofline.
    Bench(eval::BenchArgs),
    /// Train an M1 byte model on text files.
    Train(train::TrainArgs),
    /// Train the subword baseline's byte-level BPE tokenizer on text files.
    TrainTokenizer(tokenizer::TrainTokenizerArgs),
    /// Cut a text with segmenters (BLT entropy patches, SpaceByte, fixed, subword, Equal-Info
    /// windows): each segment's byte range, bytes and information under M1 in bits.
    Segments(segments::SegmentsArgs),
    /// Learnability statistics of many files under many configurations (SPEC section 8).
    Stats(stats::StatsArgs),
    /// Open the GUI (also what no subcommand does), optionally with a text file in the Live tab.
    Gui {
        /// A text file to open.
        file: Option<std::path::PathBuf>,
    },
    /// M2 learnability probe: train a small model on each method's tokens, report held-out
    /// bits/byte beside the uniform and unigram bounds (SPEC section 8.8).
    Probe(probe::ProbeArgs),
    /// Write the tokens of many files under one configuration as a dataset for training M2
    /// elsewhere (tokens.bin, index.jsonl, manifest.json), optionally one shard of N.
    ExportTokens(dataset::ExportTokensArgs),
    /// Decode a token dataset back and check every input against its recorded SHA-256.
    VerifyTokens(dataset::VerifyTokensArgs),
    /// Pool the shards of a sharded `stats` run (`--shard I/N`) into the unsharded report.
    Merge(stats::MergeArgs),
}

/// Parses arguments and runs; errors become a message on stderr and exit code 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => gui(None),
        Some(Command::Gui { file }) => gui(file),
        Some(Command::Compress(args)) => codec::compress(args),
        Some(Command::Decompress(args)) => codec::decompress(args),
        Some(Command::Tokens(args)) => codec::tokens(args),
        Some(Command::Info(args)) => codec::info(args),
        Some(Command::Eval(args)) => eval::eval(args),
        Some(Command::Bench(args)) => eval::bench(args),
        Some(Command::Train(args)) => train::run(args),
        Some(Command::TrainTokenizer(args)) => tokenizer::run(args),
        Some(Command::Segments(args)) => segments::run(args),
        Some(Command::Stats(args)) => stats::run(args),
        Some(Command::Probe(args)) => probe::run(args),
        Some(Command::ExportTokens(args)) => dataset::export(args),
        Some(Command::VerifyTokens(args)) => dataset::verify(args),
        Some(Command::Merge(args)) => stats::merge(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our stdout went away (`eqinfo tokens big.txt | head`): nothing is
        // wrong and nothing is said.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, joined by ": ", leaving out a cause whose text the message so far
/// already ends with (a library error that prints its source would otherwise say it twice).
fn error_text(e: &anyhow::Error) -> String {
    let mut s = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if s.ends_with(&c) {
            continue;
        }
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&c);
    }
    s
}

/// Opens the GUI (or prints the help in a build without it).
fn gui(file: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    #[cfg(feature = "gui")]
    {
        eqinfo::app::run(file).map_err(anyhow::Error::msg)
    }
    #[cfg(not(feature = "gui"))]
    {
        use clap::CommandFactory;
        let _ = file;
        let _ = Cli::command().print_help();
        Ok(())
    }
}
