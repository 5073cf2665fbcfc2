#!/usr/bin/env bash
# Creates .venv and installs shendu with its test tools (PyTorch 2.13.0 on the CPU, the test oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,plot]'
