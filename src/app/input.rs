//! The text being analysed: the editor's buffer and the bytes behind it (any bytes; text that
//! is not UTF-8 is shown with `\xHH` escapes and cannot be edited).

use std::sync::Arc;

/// Largest file loaded into the live view (bytes).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// The text being analysed.
#[derive(Debug, Clone)]
pub struct Input {
    /// The editor's buffer (lossy for text that is not UTF-8).
    pub text: String,
    /// The bytes analysed.
    pub bytes: Arc<Vec<u8>>,
    /// False when the bytes are not valid UTF-8 (the editor is then read-only).
    pub utf8: bool,
    /// Where it came from.
    pub name: String,
}

impl Input {
    /// From an editable string.
    pub fn from_text(text: String, name: &str) -> Input {
        Input {
            bytes: Arc::new(text.as_bytes().to_vec()),
            text,
            utf8: true,
            name: name.into(),
        }
    }

    /// From raw bytes (any).
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Input {
        match String::from_utf8(bytes) {
            Ok(text) => Input::from_text(text, name),
            Err(e) => {
                let bytes = e.into_bytes();
                Input {
                    text: escape_invalid_utf8(&bytes),
                    bytes: Arc::new(bytes),
                    utf8: false,
                    name: name.into(),
                }
            }
        }
    }
}

/// The bytes as text, each invalid byte written as `\xHH`.
pub fn escape_invalid_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}
