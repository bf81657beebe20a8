#!/usr/bin/env bash
# The GPU check: on a machine with a CUDA GPU and no network, build a random-weight model with the
# Qwen2.5-Coder-7B architecture and a random LoRA, generate the default suite (1,146 prompts) through
# the hf backend for the adapter and the baseline, and print prompts/s, tokens/s and the wall time.
# It must finish within 8 minutes on one H200 (GPU_CHECK_TIMEOUT seconds, default 480).
#
#   bash benchmarks/gpu_check.sh                  # the check
#   bash benchmarks/gpu_check.sh --static-cache   # the same with generation.cuda_static_cache: true
#   bash benchmarks/gpu_check.sh --tiny           # a 2-layer model on CPU: checks the script itself
#
# Needs about 16 GB of free disk for the random checkpoint (deleted afterwards; --keep DIR keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
limit="${GPU_CHECK_TIMEOUT:-480}"
status=0
timeout "$limit" "$python" benchmarks/bench_gpu.py "$@" || status=$?
if [ "$status" -eq 124 ]; then
  echo "gpu_check: did not finish within $limit s (the goal is under 8 minutes on one H200)" >&2
fi
exit "$status"
