#!/usr/bin/env bash
# Installs what shendu and its tests need: Debian packages, then a .venv with
# shendu, its optional extras, and the test tools (PyTorch 2.13.0 on the CPU, the test oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages: the Fashion-MNIST files, Chromium for the lab report's rendering test, and
# Open MPI (mpirun and the library that mpi4py loads) for distributed training.
if [ ! -d /usr/share/datasets/fashion-mnist ] || ! command -v chromium >/dev/null || ! command -v mpirun >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist chromium openmpi-bin libopenmpi-dev >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,plot,datasets,fast,images,tensorboard,docs,distributed,onnx]'
