//! # eqinfo
//!
//! Text compressed by a byte-level language model in Equal-Info Windows (Lester et al., "Training
//! LLMs over Neurally Compressed Text", arXiv 2404.03626): the coder, the models, the methods of
//! the paper, the `.eqi` container and the statistics, shared by the CLI and the GUI.

pub mod error;
pub mod model;

pub use error::{Error, Result};
#[cfg(feature = "gui")]
pub mod app;
pub mod batch;
pub mod coding;
pub mod container;
pub mod live;
pub mod method;
pub mod probe;
pub mod report;
pub mod stats;
