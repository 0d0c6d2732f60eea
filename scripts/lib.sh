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
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  apt-get update -qq && apt-get install -y -qq nodejs npm
}
