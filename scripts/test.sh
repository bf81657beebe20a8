#!/usr/bin/env bash
# The test command: set up everything a fresh machine needs, then run the package's tests.
# Extra arguments go to pytest (e.g. -m "not slow" for a quick local run).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all || exit 1
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false WANDB_MODE=offline
.venv/bin/python -m pytest tests/ -p no:cacheprovider "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$code"
