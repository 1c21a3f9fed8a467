//! Teaching arithmetic coding: everything the classroom mode of the interval view shows,
//! computed here so that it can be tested (and used) without the GUI.
//!
//! | file | what |
//! |---|---|
//! | `coder.rs` | the coder one symbol at a time with each rescaling (E1/E2/E3) recorded, encoder and decoder, over any small cumulative table; checked against [`crate::coding`] bit for bit |
//! | `partition.rs` | every symbol's slice of an interval, narrow runs grouped for drawing |
//! | `window.rs` | why a window ends, in words, and its emitted / stop / padding bits |
//! | `decode.rs` | a window read back from its b bits: the exact decoder and the side-information-free decoder's stop rule (paper App. D.5) |
//! | `toy.rs` | toy alphabets with exact rational intervals beside the integer coder, the window rule, preset lessons |
//! | `picture.rs` | one encoder step as PNG / SVG for slides (plotters) |
//! | `pseudo.rs` | pseudo-code of the encoder and decoder and the lines a step executes |

pub mod coder;
pub mod decode;
pub mod partition;
pub mod picture;
pub mod pseudo;
pub mod toy;
pub mod window;
