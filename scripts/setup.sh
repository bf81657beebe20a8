#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: system tools, a virtual environment in .venv, the package.
# Usage: bash scripts/setup.sh [EXTRAS]   (EXTRAS defaults to "dev"; "all" adds axolotl, wandb, hub, lm-eval)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev}"

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)  # the behavioural honeypot's tracer
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: ${need_apt[*]} missing and apt-get unavailable as this user; sandboxed gates will be skipped" \
      "(without strace, risk is static only)" >&2
  fi
fi
# Chromium only runs the HTML report's browser tests: a failed install warns, it does not stop the set-up
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium with apt-get (headless, for the report's browser tests)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
      || echo "setup: chromium could not be installed; the browser tests will be skipped" >&2
  else
    echo "setup: chromium missing and apt-get unavailable as this user; the browser tests will be skipped" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=".venv/.securecli-installed-${extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/constraints.txt -nt "$stamp" ]; then
  # torch first and pinned: this version's CPU build is on the machine's disk; a bare "torch" pulls CUDA
  .venv/bin/pip install -q "torch==2.13.0"
  # the constraints pin every dependency to a set known to work together: no resolver backtracking
  .venv/bin/pip install -q "torch==2.13.0" -c scripts/constraints.txt -e ".[${extras}]"
  touch "$stamp"
fi
