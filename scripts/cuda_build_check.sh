#!/usr/bin/env bash
# Checks that `cargo build --release --features cuda` builds on a machine without a GPU (see the
# README's "The GPU path"): installs Debian 12's nvidia-cuda-toolkit (11.8, from contrib/non-free)
# when nvcc is missing, then builds with CUDA_COMPUTE_CAP=80 into its own target directory.
# Long (about half an hour on 2 cores): not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ] && ! grep -q "non-free" "$src"; then
    $SUDO sed -i 's/^Components: main$/Components: main contrib non-free/' "$src"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit
fi
nvcc --version | tail -n 2
export CUDA_COMPUTE_CAP="${CUDA_COMPUTE_CAP:-80}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target-cuda}"
time cargo build --release --features cuda
ls -la "$CARGO_TARGET_DIR/release/eqinfo"
echo "cuda build OK (CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP)"
