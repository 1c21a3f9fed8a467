//! # eqinfo
//!
//! Text compressed by a byte-level language model in Equal-Info Windows (Lester et al., "Training
//! LLMs over Neurally Compressed Text", arXiv 2404.03626): the coder, the models, the methods of
//! the paper, the `.eqi` container and the statistics, shared by the CLI and the GUI.
//!
//! ## The front door
//! Three calls cover what most programs need: [`compress`] a text into an `.eqi` file under a
//! configuration (the `-c` syntax of `eqinfo stats`, parsed by [`Config`]'s `FromStr`) and a byte
//! model, [`decompress`] it exactly, and list the [`tokens`] a second LM would train on. A model
//! comes from [`model::open`] (the shipped sample M1, `uniform`, a unigram, an M1 directory) or
//! is built directly:
//!
//! ```
//! # fn main() -> eqinfo::Result<()> {
//! let mut model = eqinfo::model::Uniform::default();
//! let config: eqinfo::Config = "equal-info:b=16:v=256".parse()?;
//! let text = b"Equal-Info windows each hold the same information.";
//!
//! let file = eqinfo::compress(text, &config, &mut model)?;
//! assert_eq!(eqinfo::decompress(&file, &mut model)?, text);
//!
//! // Under the uniform model every byte costs 8 bits, so a 16-bit window holds two bytes:
//! // with 8-bit tokens each token is one byte of the text.
//! let tokens = eqinfo::tokens(text, &config, &mut model)?;
//! assert_eq!(tokens.len(), text.len());
//! assert_eq!(tokens[0], u32::from(b'E'));
//! # Ok(())
//! # }
//! ```
//!
//! Everything else (the per-byte trace, the window records, the statistics, batches, the live
//! engine) is in the modules below; `examples/facade.rs` uses only this front door.

pub mod error;
pub mod model;

pub use error::{Error, Result};
pub use method::Config;

use model::ByteModel;

/// Compresses `text` into the bytes of an `.eqi` file (the container records the configuration,
/// the model's identity and the side information for exact decoding).
pub fn compress(text: &[u8], config: &Config, model: &mut dyn ByteModel) -> Result<Vec<u8>> {
    container::compress(text, config, model)
}

/// Decodes the bytes of an `.eqi` file exactly; refuses a file written under another model or
/// backend.
pub fn decompress(file: &[u8], model: &mut dyn ByteModel) -> Result<Vec<u8>> {
    container::decompress(file, model, false)
}

/// The tokens of `text` under `config` (each `config.token_bits` bits, examples padded to whole
/// tokens), the sequence a second LM would be trained on.
pub fn tokens(text: &[u8], config: &Config, model: &mut dyn ByteModel) -> Result<Vec<u32>> {
    Ok(method::encode(text, config, model, &method::RunOptions::default())?.tokens)
}
#[cfg(feature = "gui")]
pub mod app;
pub mod batch;
pub mod coding;
pub mod container;
pub mod dataset;
pub mod live;
pub mod method;
pub mod probe;
pub mod report;
pub mod rng;
pub mod segment;
pub mod shard;
pub mod stats;
pub mod teach;
