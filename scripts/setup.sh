#!/usr/bin/env bash
# Installs what shendu and its tests need: Debian's Fashion-MNIST package, then a .venv with
# shendu, its optional extras, and the test tools (PyTorch 2.13.0 on the CPU, the test oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,plot,datasets]'
