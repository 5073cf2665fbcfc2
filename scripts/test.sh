#!/usr/bin/env bash
# Lint, format check, then the full test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check shendu tests benchmarks examples docs conftest.py
.venv/bin/ruff format --check shendu tests benchmarks examples docs conftest.py
.venv/bin/python -m pytest -q "$@"
