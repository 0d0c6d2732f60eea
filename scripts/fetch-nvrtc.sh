#!/usr/bin/env bash
# Downloads NVRTC (the CUDA runtime compiler, PyPI nvidia-cuda-nvrtc, pinned to the CUDA 13.0
# the backend's cudarc bindings target), checks the wheel's SHA-256, unpacks it, and prints on
# stdout:
#   LD_LIBRARY_PATH=<dir holding libnvrtc.so.13>[:previous LD_LIBRARY_PATH]
# so that `set -a; eval "$(scripts/fetch-nvrtc.sh)"; set +a` lets cudarc load it (no GPU or
# driver needed: NVRTC only compiles CUDA C to PTX). Progress goes to stderr. Idempotent: a wheel
# already there with the right hash is not downloaded again, and an unpacked copy is reused.
# ~90 MB; x86_64 Linux only.
#
# Directory: $FERROFLOW_NVRTC_DIR, default ~/.cache/ferroflow-nvrtc. pip: $PIP, default
# `python3 -m pip`.
set -euo pipefail

VERSION=13.0.88
SHA256=ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575
WHEEL=nvidia_cuda_nvrtc-$VERSION-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl

DIR="${FERROFLOW_NVRTC_DIR:-$HOME/.cache/ferroflow-nvrtc}"
read -r -a PIP_CMD <<<"${PIP:-python3 -m pip}"

log() { echo "fetch-nvrtc: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  die "the pinned wheel is a manylinux x86_64 build; this is $(uname -s) $(uname -m)"
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
  fi
}

mkdir -p "$DIR"
wheel="$DIR/$WHEEL"
dest="$DIR/nvidia_cuda_nvrtc-$VERSION"
lib="$dest/nvidia/cu13/lib"
# The unpacked copy is trusted only when it was unpacked from a verified wheel.
stamp="$dest/.verified-$SHA256"

if [ ! -f "$stamp" ] || [ ! -e "$lib/libnvrtc.so.13" ]; then
  if [ -f "$wheel" ] && [ "$(sha256_of "$wheel")" != "$SHA256" ]; then
    log "$WHEEL has the wrong SHA-256; deleting it and downloading again"
    rm -f "$wheel"
  fi
  if [ ! -f "$wheel" ]; then
    log "downloading nvidia-cuda-nvrtc $VERSION into $DIR"
    "${PIP_CMD[@]}" download --no-deps --only-binary=:all: --disable-pip-version-check \
      --platform manylinux_2_12_x86_64 --python-version 3 --implementation py \
      -d "$DIR" "nvidia-cuda-nvrtc==$VERSION" >&2
  fi
  [ -f "$wheel" ] || die "pip did not produce $WHEEL"
  actual="$(sha256_of "$wheel")"
  [ "$actual" = "$SHA256" ] || die "$WHEEL: SHA-256 $actual, expected $SHA256"
  rm -rf "$dest"
  mkdir -p "$dest"
  log "unpacking $WHEEL"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$wheel" -d "$dest"
  else
    python3 -m zipfile -e "$wheel" "$dest"
  fi
  [ -e "$lib/libnvrtc.so.13" ] || die "the wheel has no nvidia/cu13/lib/libnvrtc.so.13"
  touch "$stamp"
else
  log "nvidia-cuda-nvrtc $VERSION already unpacked in $dest"
fi

echo "LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
