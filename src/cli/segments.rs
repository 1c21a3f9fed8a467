//! `eqinfo segments`: a text cut by one or more segmenters (BLT's entropy patches, SpaceByte,
//! fixed patches, subword tokens, Equal-Info windows), each segment with its byte range, its
//! bytes and its information under M1 in bits (see `eqinfo::segment`).

use super::common::{read_input, ModelArgs};
use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::RunOptions;
use eqinfo::model::open::FitText;
use eqinfo::segment::{analyse, escape_bytes, Analysed, SegmentOptions, SegmenterSpec};
use eqinfo::stats::segments::{SegmentAccumulator, SegmentStats};
use serde::Serialize;
use std::path::PathBuf;

/// Cut a text with segmenters and show each segment's bytes and information under M1.
#[derive(Args, Debug)]
pub struct SegmentsArgs {
    /// The text file (`-` = stdin).
    pub file: PathBuf,
    /// A segmenter, repeatable or comma-separated: `entropy` (keys mode=global|monotone|both|topk,
    /// t=θ nats, default 1.335442; tr=θ_r nats; size=target patch size, default 4.5;
    /// reset=never|patch|newline), `space`, `fixed:n=N`, `subword`, `equal-info:b=16`.
    #[arg(
        long = "segmenter",
        short = 'c',
        value_delimiter = ',',
        required = true
    )]
    pub specs: Vec<String>,
    /// The byte model (default: the shipped sample M1).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Bytes per independent example (0 = the whole input is one example).
    #[arg(long, default_value_t = eqinfo::method::DEFAULT_EXAMPLE_BYTES)]
    pub example_bytes: usize,
    /// Quantization precision β of the information figures, 10..=16.
    #[arg(long, default_value_t = eqinfo::coding::DEFAULT_PRECISION)]
    pub precision: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// With --json: also every byte's entropy (nats and bits) and information (bits).
    #[arg(long, requires = "json")]
    pub per_byte: bool,
    /// Only a summary line per segmenter (no segment rows).
    #[arg(long, conflicts_with = "json")]
    pub summary: bool,
    /// Write the output here instead of stdout.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
}

/// Parses segmenter specs, each error naming its spec.
pub fn parse_specs(specs: &[String]) -> Result<Vec<SegmenterSpec>> {
    specs
        .iter()
        .map(|s| {
            s.parse::<SegmenterSpec>()
                .with_context(|| format!("segmenter '{s}'"))
        })
        .collect()
}

#[derive(Serialize)]
struct JsonSegment {
    start: usize,
    end: usize,
    bytes: String,
    bits: f64,
    bits_alone: f64,
    mean_entropy_nats: f64,
}

#[derive(Serialize)]
struct JsonByte {
    entropy_nats: f64,
    entropy_bits: f64,
    bits: f64,
}

#[derive(Serialize)]
struct JsonSegmenter {
    spec: String,
    label: String,
    summary: SegmentStats,
    segments: Vec<JsonSegment>,
    /// The entropies the rule read (entropy segmenters; nats), when per-byte output is asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_entropy_nats: Option<Vec<f64>>,
}

#[derive(Serialize)]
struct JsonOut {
    file: String,
    input_bytes: usize,
    model: eqinfo::model::ModelIdentity,
    options: SegmentOptions,
    information: &'static str,
    segmenters: Vec<JsonSegmenter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<Vec<JsonByte>>,
}

fn summary_of(data: &[u8], a: &Analysed) -> SegmentStats {
    let mut acc = SegmentAccumulator::new(&a.segmentation.spec);
    acc.add(data, a);
    acc.finish()
}

fn summary_line(s: &SegmentStats) -> String {
    format!(
        "# {}  ({})\n# {} segments, bytes/segment mean {:.3} sd {:.3}; bits/segment in context \
         mean {:.3} sd {:.3}, alone mean {:.3} sd {:.3}; boundaries inside a character {:.3}, \
         inside a word {:.3}\n",
        s.spec,
        s.label,
        s.segments,
        s.bytes.mean,
        s.bytes.sd,
        s.bits.mean,
        s.bits.sd,
        s.bits_alone.mean,
        s.bits_alone.sd,
        s.inside_char_fraction,
        s.inside_word_fraction
    )
}

/// Runs `eqinfo segments`.
pub fn run(args: SegmentsArgs) -> Result<()> {
    let specs = parse_specs(&args.specs)?;
    if specs.is_empty() {
        bail!("give at least one segmenter with -c (e.g. -c entropy -c space)");
    }
    super::output::check_writable(args.out.as_deref())?;
    let data = read_input(Some(&args.file))?;
    let mut model = args.model.open_fitted(Some(FitText {
        name: "the input",
        parts: &[&data],
    }))?;
    let opts = SegmentOptions {
        example_bytes: args.example_bytes,
        precision: args.precision,
    };
    let (scores, analysed) = analyse(&data, &specs, &mut *model, &opts, &RunOptions::default())?;
    let text = if args.json {
        let out = JsonOut {
            file: args.file.display().to_string(),
            input_bytes: data.len(),
            model: model.identity(),
            options: opts,
            information: "bits = sum of -log2 q over the segment's bytes, q the coder's quantized \
                          distribution (f / 2^precision) under M1's context over the example; \
                          bits_alone = the same with the model reset at the segment's start; \
                          entropy of M1's float distribution",
            segmenters: analysed
                .iter()
                .map(|a| JsonSegmenter {
                    spec: a.segmentation.spec.to_string(),
                    label: a.segmentation.spec.label(),
                    summary: summary_of(&data, a),
                    segments: a
                        .segments
                        .iter()
                        .map(|s| JsonSegment {
                            start: s.range.start,
                            end: s.range.end,
                            bytes: escape_bytes(&data[s.range.clone()]),
                            bits: s.bits,
                            bits_alone: s.bits_alone,
                            mean_entropy_nats: s.mean_entropy_nats,
                        })
                        .collect(),
                    rule_entropy_nats: if args.per_byte {
                        a.segmentation.entropy_nats.clone()
                    } else {
                        None
                    },
                })
                .collect(),
            bytes: args.per_byte.then(|| {
                scores
                    .entropy_nats
                    .iter()
                    .zip(&scores.bits)
                    .map(|(&h, &b)| JsonByte {
                        entropy_nats: h,
                        entropy_bits: h / std::f64::consts::LN_2,
                        bits: b,
                    })
                    .collect()
            }),
        };
        serde_json::to_string_pretty(&out)? + "\n"
    } else {
        let mut s = String::new();
        for a in &analysed {
            s.push_str(&summary_line(&summary_of(&data, a)));
            if args.summary {
                continue;
            }
            s.push_str(&format!(
                "{:>15} {:>6} {:>9} {:>9} {:>7}  bytes\n",
                "range", "len", "bits", "alone", "H nats"
            ));
            for seg in &a.segments {
                s.push_str(&format!(
                    "{:>15} {:>6} {:>9.3} {:>9.3} {:>7.3}  \"{}\"\n",
                    format!("{}..{}", seg.range.start, seg.range.end),
                    seg.range.len(),
                    seg.bits,
                    seg.bits_alone,
                    seg.mean_entropy_nats,
                    escape_bytes(&data[seg.range.clone()])
                ));
            }
        }
        s.push_str(
            "bits: Σ −log2 q (the coder's quantized distribution) over the segment in M1's \
             context over the example; alone: the same with the model reset at the segment's \
             start; H nats: mean entropy of M1's float distribution over the segment's bytes.\n",
        );
        s
    };
    super::output::write_output(args.out.as_deref(), text.as_bytes())?;
    Ok(())
}
