//! Pseudo-code of the encoder and the decoder, and which of its lines a recorded step executed
//! (the view highlights them while stepping).

use super::coder::{DecodeStep, EncodeStep, Rescale};

/// The encoder, one line per entry (the registers are 32-bit integers; ½ = 2^31).
pub const ENCODER: [&str; 14] = [
    "encode(symbol s, table cum[0..n], total T):",
    "  range ← high − low + 1",
    "  high ← low + ⌊range · cum[s+1] / T⌋ − 1",
    "  low  ← low + ⌊range · cum[s] / T⌋",
    "  loop:",
    "    if high < ½:              emit 0, then pending × 1      # E1",
    "    else if low ≥ ½:          emit 1, then pending × 0      # E2",
    "                              low −= ½;  high −= ½",
    "    else if ¼ ≤ low, high < ¾: pending += 1                 # E3",
    "                              low −= ¼;  high −= ¼",
    "    else: break",
    "    low ← 2·low;  high ← 2·high + 1",
    "window rule: if bits_needed(after next byte) > b:",
    "  emit the stop code, pad with 0s to b bits, restart on [0, 1)",
];

/// The decoder.
pub const DECODER: [&str; 13] = [
    "decode(table cum[0..n], total T):       # value = next 32 code bits",
    "  range ← high − low + 1",
    "  target ← ⌊((value − low + 1) · T − 1) / range⌋",
    "  s ← the symbol with cum[s] ≤ target < cum[s+1]",
    "  high ← low + ⌊range · cum[s+1] / T⌋ − 1;  low ← low + ⌊range · cum[s] / T⌋",
    "  loop:",
    "    if high < ½:               (nothing to subtract)          # E1",
    "    else if low ≥ ½:           low, high, value −= ½          # E2",
    "    else if ¼ ≤ low, high < ¾: low, high, value −= ¼          # E3",
    "    else: break",
    "    low ← 2·low; high ← 2·high + 1; value ← 2·value + next bit",
    "  return s",
    "free decoder (App. D.5): stop before a byte needing > b bits; keep the longest prefix whose padded code = the window",
];

/// Lines of [`ENCODER`] executed by `step`, each with how many times (0-based line indices).
pub fn encoder_lines(step: &EncodeStep, closes_window: bool) -> Vec<(usize, usize)> {
    let mut lines = vec![(0, 1), (1, 1), (2, 1), (3, 1), (4, step.ops.len() + 1)];
    let count = |k: Rescale| step.ops.iter().filter(|o| o.kind == k).count();
    let (e1, e2, e3) = (count(Rescale::E1), count(Rescale::E2), count(Rescale::E3));
    if e1 > 0 {
        lines.push((5, e1));
    }
    if e2 > 0 {
        lines.push((6, e2));
        lines.push((7, e2));
    }
    if e3 > 0 {
        lines.push((8, e3));
        lines.push((9, e3));
    }
    lines.push((10, 1));
    if !step.ops.is_empty() {
        lines.push((11, step.ops.len()));
    }
    if closes_window {
        lines.push((12, 1));
        lines.push((13, 1));
    }
    lines
}

/// Lines of [`DECODER`] executed by `step`; `free_stop` marks the free decoder's stop test.
pub fn decoder_lines(step: &DecodeStep, free_stop: bool) -> Vec<(usize, usize)> {
    let mut lines = vec![
        (0, 1),
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 1),
        (5, step.ops.len() + 1),
    ];
    let count = |k: Rescale| step.ops.iter().filter(|&&o| o == k).count();
    for (line, k) in [(6, Rescale::E1), (7, Rescale::E2), (8, Rescale::E3)] {
        let c = count(k);
        if c > 0 {
            lines.push((line, c));
        }
    }
    lines.push((9, 1));
    if !step.ops.is_empty() {
        lines.push((10, step.ops.len()));
    }
    lines.push((11, 1));
    if free_stop {
        lines.push((12, 1));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::CoderState;
    use crate::teach::coder::{encode_step, Slot};

    #[test]
    fn lines_follow_the_rescalings() {
        // Counts 2:1:1, symbol 1 = [1/2, 3/4): one E2 then one E1 (see coder's tests).
        let cum = [0u64, 2, 3, 4];
        let step = encode_step(CoderState::default(), Slot::of(&cum, 1).expect("slot"));
        let lines = encoder_lines(&step, false);
        assert!(lines.contains(&(5, 1)) && lines.contains(&(6, 1)));
        assert!(!lines.iter().any(|&(l, _)| l == 8 || l == 12));
        assert!(lines.contains(&(11, 2)));
        // Counts 1:2:1, the middle: only E3.
        let cum = [0u64, 1, 3, 4];
        let step = encode_step(CoderState::default(), Slot::of(&cum, 1).expect("slot"));
        let lines = encoder_lines(&step, true);
        assert!(lines.contains(&(8, 1)) && !lines.iter().any(|&(l, _)| l == 5 || l == 6));
        assert!(lines.contains(&(13, 1)));
    }
}
