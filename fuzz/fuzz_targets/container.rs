//! Every input is parsed and decoded with the uniform model, as given and with its trailing
//! SHA-256 recomputed (so that mutations get past the hash into the parser's arithmetic), with
//! and without `force`. Any panic, abort, timeout or allocation over libFuzzer's limits is a
//! finding; an `Err` is the expected answer to a bad file.
#![no_main]

use eqinfo::container::{decompress, Container};
use eqinfo::model::Uniform;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let mut model = Uniform::default();
    let _ = decompress(data, &mut model, false);
    if data.len() >= 32 {
        let mut v = data.to_vec();
        let n = v.len() - 32;
        let d = Sha256::digest(&v[..n]);
        v[n..].copy_from_slice(&d);
        if let Ok(c) = Container::from_bytes(&v) {
            let _ = c.to_encoded();
            let _ = c.decode(&mut model, true);
        }
        let _ = decompress(&v, &mut model, false);
    }
});
