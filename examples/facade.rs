//! The front door of the library, and nothing else: compress a file under a configuration and a
//! model, decode it back, and show the first tokens.
//!
//! ```sh
//! cargo run --example facade -- notes.txt 'equal-info:b=16:v=65536'
//! ```
//! The model is the shipped sample M1 when it is found, otherwise the uniform model.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: facade FILE [CONFIG]")?;
    let config: eqinfo::Config = args
        .next()
        .unwrap_or_else(|| "equal-info:b=16:v=65536".into())
        .parse()?;
    let text = std::fs::read(&path)?;
    let mut model = eqinfo::model::open::open_model(None, "cpu")
        .or_else(|_| eqinfo::model::open::open_model(Some("uniform"), "cpu"))?;
    let file = eqinfo::compress(&text, &config, model.as_mut())?;
    let back = eqinfo::decompress(&file, model.as_mut())?;
    assert_eq!(back, text, "the round trip is exact");
    let tokens = eqinfo::tokens(&text, &config, model.as_mut())?;
    println!(
        "{path}: {} bytes -> {} tokens of {} bits ({:.3} bytes/token), .eqi file {} bytes",
        text.len(),
        tokens.len(),
        config.token_bits,
        text.len() as f64 / tokens.len().max(1) as f64,
        file.len()
    );
    let first: Vec<String> = tokens.iter().take(12).map(|t| t.to_string()).collect();
    println!("first tokens: {}", first.join(" "));
    Ok(())
}
