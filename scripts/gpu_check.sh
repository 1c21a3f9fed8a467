#!/usr/bin/env bash
# What a GPU machine runs with an eqinfo binary built here with `--features cuda` (see the
# README's "GPU" section): throughput on the GPU beside the CPU, the CPU-vs-GPU distributions
# compared through the model's cross-entropy, round trips on the GPU backend, and the refusal of
# a CPU-made file on the GPU without --force. Prints one summary; exit status 0 when every check
# passed.
#
#   scripts/gpu_check.sh [EQINFO_BINARY] [TEXT_FILE]
#
# The binary and the sample model folder travel together: run it from a checkout (or a copy of
# sample_models/ next to the binary's working directory). No Rust is needed on the GPU machine.
set -uo pipefail
BIN="${1:-target/release/eqinfo}"
TEXT="${2:-README.md}"
DEV="${EQINFO_GPU_DEVICE:-cuda:0}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
summary=()
check() { # name, then a command; records PASS/FAIL
  local name="$1"
  shift
  if "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; then
    pass=$((pass + 1))
    summary+=("PASS  $name")
  else
    fail=$((fail + 1))
    summary+=("FAIL  $name: $(tail -n 2 "$WORK/err.txt" | tr '\n' ' ')")
  fi
}

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$BIN" --version

# 1. Throughput, CPU and GPU, same text and lanes (the bench prints bytes/s and the roofline).
for d in cpu "$DEV"; do
  if "$BIN" bench --device "$d" --bytes 262144 --example-bytes 1024 >"$WORK/bench_$d.txt" 2>&1; then
    summary+=("INFO  bench $d: $(grep -m1 -i 'bytes/s' "$WORK/bench_$d.txt" | tr -s ' ')")
  else
    fail=$((fail + 1))
    summary+=("FAIL  bench $d: $(tail -n 2 "$WORK/bench_$d.txt" | tr '\n' ' ')")
  fi
done

# 2. Distributions: the model's cross-entropy of the same text on both backends agrees to 1e-3
#    bits/byte (float results may differ in the last bits, never in the model).
"$BIN" eval "$TEXT" --device cpu --json >"$WORK/eval_cpu.json" 2>/dev/null
"$BIN" eval "$TEXT" --device "$DEV" --json >"$WORK/eval_gpu.json" 2>/dev/null
check "cross-entropy cpu vs $DEV within 1e-3 bits/byte" python3 - "$WORK/eval_cpu.json" "$WORK/eval_gpu.json" <<'EOF'
import json, sys
def numbers(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from numbers(x, f"{path}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from numbers(x, f"{path}[{i}]")
    elif isinstance(v, float) and ("entropy" in path or "bits_per_byte" in path):
        yield path, v
a = dict(numbers(json.load(open(sys.argv[1]))))
b = dict(numbers(json.load(open(sys.argv[2]))))
assert a and a.keys() == b.keys(), "eval reports differ in shape"
worst = max(abs(a[k] - b[k]) for k in a)
print(f"max |cpu - gpu| = {worst:.2e}")
assert worst < 1e-3, worst
EOF
[ -s "$WORK/out.txt" ] && summary+=("INFO  $(cat "$WORK/out.txt")")

# 3. Round trips on the GPU backend, several methods.
for m in equal-info ac; do
  check "round trip $m on $DEV" bash -c "
    '$BIN' compress '$TEXT' --method $m --device '$DEV' -o '$WORK/$m.eqi' &&
    '$BIN' decompress '$WORK/$m.eqi' --device '$DEV' -o '$WORK/$m.txt' &&
    cmp '$TEXT' '$WORK/$m.txt'"
done

# 4. A file made on the CPU is refused on the GPU without --force (the backend is recorded).
"$BIN" compress "$TEXT" --device cpu -o "$WORK/cpu.eqi" 2>/dev/null
check "CPU file refused on $DEV without --force" bash -c "
  ! '$BIN' decompress '$WORK/cpu.eqi' --device '$DEV' -o '$WORK/x.txt' 2>'$WORK/refusal.txt' &&
  grep -qi 'mismatch\|backend' '$WORK/refusal.txt'"

echo
echo "gpu_check: $pass passed, $fail failed"
printf '%s\n' "${summary[@]}"
[ "$fail" -eq 0 ]
