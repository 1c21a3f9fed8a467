//! Sharded statistics: `merge` of the shards of a run equals the unsharded run of the same inputs
//! (every count exactly, every derived float to 1e-12), through the JSON the shards are saved as;
//! shards of other runs, missing or doubled shards are refused.

use eqinfo::batch::{self, BatchInput, BatchOptions, PrefixOptions};
use eqinfo::method::Config;
use eqinfo::model::Uniform;
use eqinfo::shard::{self, Shard, StatsShard};
use eqinfo::stats::StatsOptions;
use serde_json::Value;
use std::sync::atomic::AtomicBool;

fn inputs() -> Vec<BatchInput> {
    let texts = [
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ",
        "Съешь же ещё этих мягких французских булок, да выпей чаю. ",
        "fn main() { println!(\"hello, world\"); } // code is text too\n",
        "The quick brown fox jumps over the lazy dog; the dog sleeps on. ",
        "0123456789 abcdefghij ABCDEFGHIJ !@#$%^&*() ",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. ",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| BatchInput {
            name: format!("dir{}/file{i}.txt", i % 2),
            data: t.repeat(12 + 5 * i).into_bytes(),
        })
        .collect()
}

fn configs() -> Vec<Config> {
    [
        "bytes",
        "gzip:v=256",
        "static-ac:v=256",
        "ac:v=256",
        "equal-info:b=16:v=256",
        "equal-info:b=16:v=65536:ex=300",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect()
}

fn options() -> BatchOptions {
    BatchOptions {
        stats: StatsOptions {
            kl_partitions: 4,
            trace_sample_bytes: 600,
            ..StatsOptions::default()
        },
        prefix: Some(PrefixOptions {
            words: ["the", "a", "of", "and", "to"].map(String::from).to_vec(),
            sentence: "A sentence to prepend words to.".into(),
        }),
    }
}

/// The report as JSON with every time zeroed (times are not statistics).
fn without_times(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k.ends_with("seconds") {
                        *x = Value::from(0.0);
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// Equal, with floats to 1e-12 (relative, or absolute near zero) and integers exactly.
fn assert_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let tol = 1e-12 * x.abs().max(y.abs()).max(1.0);
            assert!((x - y).abs() <= tol, "{path}: {x} vs {y}");
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_close(p, q, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

/// Three shards of the run, computed once for both tests.
fn three_shards() -> &'static [StatsShard] {
    static SHARDS: std::sync::OnceLock<Vec<StatsShard>> = std::sync::OnceLock::new();
    SHARDS.get_or_init(|| run_shards(3))
}

fn run_shards(n: u64) -> Vec<StatsShard> {
    let cancel = AtomicBool::new(false);
    (0..n)
        .map(|i| {
            let mut model = Uniform::default();
            let s = shard::run_stats_shard(
                &inputs(),
                &configs(),
                &mut model,
                &options(),
                Shard { index: i, count: n },
                &|_| {},
                &cancel,
            )
            .unwrap();
            // Through the file format, as `stats --shard -o` writes it and `merge` reads it.
            let bytes = serde_json::to_vec(&s).unwrap();
            shard::read_stats_shard(&bytes, "shard").unwrap()
        })
        .collect()
}

#[test]
fn merge_of_shards_equals_the_unsharded_run() {
    let cancel = AtomicBool::new(false);
    let mut model = Uniform::default();
    let whole = batch::run_batch(
        &inputs(),
        &configs(),
        &mut model,
        &options(),
        &|_| {},
        &cancel,
    );
    assert!(whole.errors.is_empty(), "{:?}", whole.errors);
    let shards = three_shards();
    // The assignment really splits these inputs (not all in one shard).
    let sizes: Vec<usize> = shards.iter().map(|s| s.report.files.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), inputs().len());
    assert!(sizes.iter().filter(|&&n| n > 0).count() >= 2, "{sizes:?}");
    // Shards given in any order.
    let mut reversed = shards.to_vec();
    reversed.reverse();
    let merged = shard::merge_stats_shards(&reversed).unwrap();
    let a = without_times(serde_json::to_value(&whole).unwrap());
    let b = without_times(serde_json::to_value(&merged).unwrap());
    assert_close(&a, &b, "report");
    // The pooled counts are equal exactly (integers compare exactly above); spot-check one.
    assert_eq!(
        whole.summaries[4].as_ref().unwrap().tokens,
        merged.summaries[4].as_ref().unwrap().tokens
    );
}

#[test]
fn merge_refuses_missing_doubled_and_foreign_shards() {
    let shards = three_shards();
    let err = shard::merge_stats_shards(&shards[..2])
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing shards: 2/3"), "{err}");
    let doubled = vec![
        shards[0].clone(),
        shards[0].clone(),
        shards[1].clone(),
        shards[2].clone(),
    ];
    let err = shard::merge_stats_shards(&doubled).unwrap_err().to_string();
    assert!(err.contains("twice"), "{err}");
    let mut foreign = shards.to_vec();
    foreign[1].manifest.configs.pop();
    let err = shard::merge_stats_shards(&foreign).unwrap_err().to_string();
    assert!(err.contains("configurations"), "{err}");
    let mut edited = shards.to_vec();
    edited[2].manifest.inputs[0].sha256 = "0".repeat(64);
    let err = shard::merge_stats_shards(&edited).unwrap_err().to_string();
    assert!(err.contains("inputs"), "{err}");
    let err = shard::read_stats_shard(b"{\"format\":\"x\"}", "f.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("f.json"), "{err}");
}

#[test]
fn cli_shards_merge_to_the_unsharded_report() {
    let exe = env!("CARGO_BIN_EXE_eqinfo");
    let tmp = tempfile::tempdir().unwrap();
    for i in inputs() {
        let p = tmp.path().join("in").join(&i.name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &i.data).unwrap();
    }
    let run = |args: &[&str]| {
        let o = std::process::Command::new(exe)
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{args:?}: {err}");
        (String::from_utf8_lossy(&o.stdout).into_owned(), err)
    };
    let common = [
        "stats",
        "in",
        "--model",
        "uniform",
        "-c",
        "ac:v=256",
        "-c",
        "equal-info:b=16:v=256",
        "--words",
        "3",
        "--partitions",
        "4",
        "--trace-sample",
        "500",
        "-q",
        "--root",
        "in",
    ];
    let (whole, _) = run(&[&common[..], &["--json"]].concat());
    for i in 0..2 {
        let spec = format!("{i}/2");
        let out = format!("shard_{i}.json");
        let args = [&common[..], &["--shard", &spec, "-o", &out]].concat();
        run(&args);
        // Resumed: the shard is there with the same manifest, so it is skipped.
        let mut again = args.clone();
        again.retain(|a| *a != "-q");
        let (_, err) = run(&again);
        assert!(err.contains("skipped"), "{err}");
    }
    let (merged, _) = run(&["merge", "shard_0.json", "shard_1.json", "--json"]);
    let a = without_times(serde_json::from_str(&whole).unwrap());
    let b = without_times(serde_json::from_str(&merged).unwrap());
    assert_close(&a, &b, "report");
}
