#!/usr/bin/env bash
# The main job on the embedded default: build a tiny model and adapter locally, run the gates, show the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/securecli-eval demo "$@"
