# Shared helpers for the project's scripts: timed stages and idempotent installs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

stage() {
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "=== [$name] start $(date -u +%H:%M:%S)"
  "$@"
  echo "=== [$name] done in $(( $(date +%s) - t0 ))s"
}

ensure_rust_tools() {
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  ensure_rust_target wasm32-unknown-unknown
}

ensure_rust_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

# Installs the Debian packages among "$@" that are not installed yet (one apt-get call).
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The wasm-bindgen crate version in Cargo.lock (wasm-bindgen-cli must match it exactly).
wasm_bindgen_lock_version() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# wasm-bindgen and wasm-bindgen-test-runner at exactly the locked version (~8 CPU-minutes the first
# time). Not --locked: with it, cargo wants a dependency version the registry no longer has.
ensure_wasm_bindgen_cli() {
  local want have
  want="$(wasm_bindgen_lock_version)"
  if [ -z "$want" ]; then
    echo "wasm-bindgen is not in Cargo.lock" >&2
    return 1
  fi
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" = "$want" ] && command -v wasm-bindgen-test-runner >/dev/null; then
    return 0
  fi
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want" --force
}

# Headless Chromium and its WebDriver (/usr/bin/chromium, /usr/bin/chromedriver).
ensure_chromium() {
  ensure_apt chromium chromium-driver
}

# A private XDG_RUNTIME_DIR (Mesa and Chromium complain without one).
ensure_xdg_runtime_dir() {
  if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ] || [ ! -w "$XDG_RUNTIME_DIR" ]; then
    XDG_RUNTIME_DIR="$(mktemp -d /tmp/ferroflow-xdg.XXXXXX)"
    export XDG_RUNTIME_DIR
  fi
}

# Software Vulkan (lavapipe) for native wgpu without a GPU; wgpu finds it with no other env vars.
ensure_lavapipe() {
  ensure_apt mesa-vulkan-drivers libvulkan1
  ensure_xdg_runtime_dir
}

# The PJRT CPU plugins from PyPI (scripts/fetch-pjrt.sh: pinned versions, SHA-256 checked, ~63 MB
# each, downloaded once). Exports FERROFLOW_PJRT_PLUGIN (API 0.115), which makes the `pjrt`
# backend present for every later stage, and FERROFLOW_PJRT_PLUGIN_OLD (API 0.81).
ensure_pjrt() {
  local vars
  vars="$(bash "$ROOT/scripts/fetch-pjrt.sh")"
  set -a
  eval "$vars"
  set +a
  echo "pjrt plugins: $FERROFLOW_PJRT_PLUGIN (current), $FERROFLOW_PJRT_PLUGIN_OLD (old API)"
}

# NVRTC from PyPI (scripts/fetch-nvrtc.sh: pinned nvidia-cuda-nvrtc, SHA-256 checked), put on
# LD_LIBRARY_PATH so the CUDA renderer's compile test (tests/tests/cuda_nvrtc.rs) runs: every
# op's kernels compile to PTX without a GPU.
ensure_nvrtc() {
  local line
  line="$(bash "$ROOT/scripts/fetch-nvrtc.sh")"
  export LD_LIBRARY_PATH="${line#LD_LIBRARY_PATH=}"
  # The compile test fails, rather than skips, if NVRTC still does not load.
  export FERROFLOW_REQUIRE_NVRTC=1
  echo "nvrtc: LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  apt-get update -qq && apt-get install -y -qq nodejs npm
}

# Cross-building for aarch64 Linux: Debian's cross gcc (the linker named in .cargo/config.toml),
# the arm64 glibc it links against, qemu-user to run the result, and the Rust target.
ensure_aarch64_cross() {
  ensure_apt gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  ensure_rust_target aarch64-unknown-linux-gnu
}

# cargo-zigbuild and ziglang (PyPI) in a venv under ~/.cache (created once; installs skipped when
# both are there). Puts the venv's bin folder first on PATH, so `cargo zigbuild` and
# `python -m ziglang` resolve to it.
ensure_zigbuild() {
  local venv="${FERROFLOW_ZIG_VENV:-$HOME/.cache/ferroflow-zigbuild-venv}"
  if [ ! -x "$venv/bin/cargo-zigbuild" ] || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check ziglang cargo-zigbuild
  fi
  export PATH="$venv/bin:$PATH"
}
