//! The `-c` syntax (`Config: FromStr`), its canonical spec and the encoding key.

use eqinfo::method::{Config, MethodKind};

/// A grid of valid configurations of every method.
fn grid() -> Vec<Config> {
    let mut out = Vec::new();
    for method in MethodKind::ALL {
        for token_bits in [1u32, 5, 8, 15, 16] {
            for precision in [10u32, 14, 16] {
                for example_bytes in [0usize, 37, 10_240] {
                    let base = Config {
                        method,
                        token_bits,
                        precision,
                        example_bytes,
                        ..Config::default()
                    };
                    if method != MethodKind::EqualInfo {
                        out.push(base);
                        continue;
                    }
                    for window_bits in [16u32, 24, 64, 256] {
                        for (delay, reset_every) in [(false, 1), (true, 1), (false, 0), (false, 3)]
                        {
                            out.push(Config {
                                window_bits,
                                delay,
                                reset_every,
                                ..base.clone()
                            });
                        }
                    }
                }
            }
        }
    }
    out.into_iter().filter(|c| c.validate().is_ok()).collect()
}

#[test]
fn every_valid_configuration_parses_back_from_its_spec() {
    let grid = grid();
    assert!(grid.len() > 300, "{} configurations", grid.len());
    for c in grid {
        let spec = c.spec();
        let back: Config = spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert_eq!(back, c, "{spec}");
    }
}

#[test]
fn the_short_forms_mean_what_the_help_says() {
    let c: Config = "equal-info:b=32:v=65536".parse().unwrap();
    assert_eq!(
        (c.method, c.window_bits, c.token_bits),
        (MethodKind::EqualInfo, 32, 16)
    );
    assert_eq!("ac:v=256".parse::<Config>().unwrap().token_bits, 8);
    assert_eq!("eq:v=65k".parse::<Config>().unwrap().token_bits, 16);
    // Bytes default to 8-bit tokens, Subword to the tokenizer's 15.
    assert_eq!("bytes".parse::<Config>().unwrap().token_bits, 8);
    assert_eq!("subword".parse::<Config>().unwrap().token_bits, 15);
    assert!("equal-info:b=16:delay".parse::<Config>().unwrap().delay);
    assert_eq!("gzip".parse::<Config>().unwrap().label(), "GZip[v=65536]");
    assert_eq!(
        "equal-info:b=16:v=256:delay"
            .parse::<Config>()
            .unwrap()
            .to_string(),
        "EqualInfoAC[b=16, v=256, delay]"
    );
}

#[test]
fn a_key_set_twice_or_an_empty_spec_is_an_error() {
    for bad in [
        "equal-info:b=16:b=32",
        "ac:v=256:bits=8",
        "equal-info:delay:delay=1",
        "",
        "   ",
        "zip",
        "ac:v=100",
        "ac:q=1",
        "equal-info:b",
    ] {
        let e = bad.parse::<Config>();
        assert!(e.is_err(), "{bad:?} parsed as {e:?}");
    }
    let msg = "equal-info:b=16:b=32"
        .parse::<Config>()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("twice"), "{msg}");
}

#[test]
fn the_encoding_key_ignores_only_the_token_size_of_ac_methods() {
    let a: Config = "equal-info:b=16:v=256".parse().unwrap();
    let b: Config = "equal-info:b=16:v=65536".parse().unwrap();
    let c: Config = "equal-info:b=32:v=256".parse().unwrap();
    assert!(a.encoding_key().is_some());
    assert_eq!(a.encoding_key(), b.encoding_key());
    assert_ne!(a.encoding_key(), c.encoding_key());
    assert_eq!(
        "ac:v=256".parse::<Config>().unwrap().encoding_key(),
        "ac:v=65536".parse::<Config>().unwrap().encoding_key()
    );
    assert_eq!("gzip".parse::<Config>().unwrap().encoding_key(), None);
    assert_eq!("subword".parse::<Config>().unwrap().encoding_key(), None);
}
