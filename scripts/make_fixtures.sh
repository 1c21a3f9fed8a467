#!/bin/sh
# Writes the committed .eqi fixtures of tests/fixtures/ (the on-disk format promise, checked by
# tests/hostile.rs): every method; the uniform model, a unigram (unigram.json, fitted on the
# text) and the sample M1. Run only when the format, backend or sample model changes on purpose:
#   cargo build && scripts/make_fixtures.sh target/debug/eqinfo
set -eu
B=${1:-target/debug/eqinfo}
cd "$(dirname "$0")/../tests/fixtures"
T=austen.txt
python3 - <<'PY'
import json
c = [0] * 256
for b in open("austen.txt", "rb").read():
    c[b] += 1
open("unigram.json", "w").write(json.dumps({"kind": "unigram", "counts": c}, separators=(",", ":")))
PY
: > MANIFEST
fx() { # name model args...
  name=$1; model=$2; shift 2
  case $model in uniform) m=uniform ;; unigram) m=unigram.json ;; m1) m= ;; esac
  if [ -n "$m" ]; then "$B" compress $T -o "$name.eqi" --model "$m" "$@"
  else "$B" compress $T -o "$name.eqi" "$@"; fi
  echo "$name.eqi $T $model" >> MANIFEST
}
fx bytes-v256 uniform --method bytes --token-bits 8 --example-bytes 64
fx gzip-v256 uniform --method gzip --token-bits 8 --example-bytes 100
fx static-ac-v256 uniform --method static-ac --token-bits 8 --example-bytes 0
fx subword-v32768 uniform --method subword --example-bytes 64
for model in uniform unigram m1; do
  fx ac-v256-$model $model --method ac --token-bits 8 --example-bytes 64
  fx equal-info-b16-v65536-$model $model --method equal-info --window-bits 16 --token-bits 16 --example-bytes 100
done
fx ac-v65536-p12-m1 m1 --method ac --token-bits 16 --precision 12 --example-bytes 0
fx equal-info-b32-v256-delay-m1 m1 --method equal-info --window-bits 32 --token-bits 8 --delay
fx equal-info-b24-v4096-reset0-m1 m1 --method equal-info --window-bits 24 --token-bits 12 --reset-every 0
fx equal-info-b20-v256-reset3-p16-m1 m1 --method equal-info --window-bits 20 --token-bits 8 --reset-every 3 --precision 16
