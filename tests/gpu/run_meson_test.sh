#!/usr/bin/env bash
# meson's wrapper around run_validation.sh: build the probe, run the cases.
set -uo pipefail
bin=$1 nvcc=${2:-}
here=$(dirname "$(readlink -f "$0")")
if [[ -z $nvcc ]]; then
	echo "gpu-validation: skipped: nvcc not installed, the CUDA probe cannot be built here"
	exit 77
fi
if ((EUID != 0)); then
	echo "gpu-validation: skipped: needs root (runs the hook and makes device nodes)"
	exit 77
fi
tmp=$(mktemp -d /tmp/osh-gpu-probe.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$nvcc" -O2 -cudart static -o "$tmp/cuda_probe" "$here/cuda_probe.cu" || exit 1
bash "$here/run_validation.sh" "$bin" "$tmp/cuda_probe" "$tmp/report.md"
