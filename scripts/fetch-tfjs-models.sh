#!/usr/bin/env bash
# Fetches the real TF.js models the graph-model tests run and TF.js's outputs for them.
#
# nsfwjs@4.4.0 (npm, MIT) ships three TF.js models, each file wrapped as a small JS module (the
# model JSON; each weight shard as a base64 string). This unwraps them into plain model folders
#   data/models/tfjs/nsfwjs/<model>/model.json + the shard files its weightsManifest names
# and runs each graph model with TensorFlow.js 4.22 (npm, cpu backend, in Node) on seeded inputs:
#   data/models/tfjs/nsfwjs/<model>/oracle/{input.f32, output-K.f32, oracle.json, image.png,
#   image-prediction.json (TF.js's prediction for the PNG, for the edge binary)}
# (little-endian float32; oracle.json names each output and gives the shapes, the input formula
# and the TF.js version), and one single-op graph model per op case with TF.js's outputs
# (scripts/tfjs-models/op-cases.cjs):
#   data/models/tfjs/op-cases/{cases.json, op-list.json}
# Idempotent: data/models/tfjs is kept while its SOURCE names the same packages and oracle.
# Usage: scripts/fetch-tfjs-models.sh [OUT_DIR]   (default: <repo>/data/models)
set -euo pipefail

NSFWJS_VERSION="4.4.0"
NSFWJS_SHA256="585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382"
TFJS_VERSION="4.22.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/data/models}"
SOURCE_LINE="npm nsfwjs@$NSFWJS_VERSION (MIT), tarball sha256 $NSFWJS_SHA256; oracle @tensorflow/tfjs@$TFJS_VERSION (cpu), oracle v11"

if [[ -f "$OUT/tfjs/SOURCE" && "$(cat "$OUT/tfjs/SOURCE")" == "$SOURCE_LINE" ]]; then
  echo "fetch-tfjs-models: $OUT/tfjs is up to date; nothing to do" >&2
  exit 0
fi
for tool in npm node tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-tfjs-models: '$tool' is required" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "fetch-tfjs-models: npm pack nsfwjs@$NSFWJS_VERSION" >&2
(cd "$TMP" && npm pack "nsfwjs@$NSFWJS_VERSION" --silent >/dev/null)
TGZ="$TMP/nsfwjs-$NSFWJS_VERSION.tgz"
SHA="$(sha256sum "$TGZ" | cut -d' ' -f1)"
if [[ "$SHA" != "$NSFWJS_SHA256" ]]; then
  echo "fetch-tfjs-models: nsfwjs@$NSFWJS_VERSION has sha256 $SHA, expected $NSFWJS_SHA256" >&2
  exit 1
fi
tar -xzf "$TGZ" -C "$TMP"

rm -rf "$OUT/tfjs.tmp"
mkdir -p "$OUT/tfjs.tmp/nsfwjs"
node "$ROOT/scripts/tfjs-models/unwrap-nsfwjs.cjs" "$TMP/package/dist/models" "$OUT/tfjs.tmp/nsfwjs"

echo "fetch-tfjs-models: installing @tensorflow/tfjs@$TFJS_VERSION (the oracle)" >&2
mkdir -p "$TMP/oracle"
(cd "$TMP/oracle" && echo '{"private":true}' > package.json &&
  npm install --no-audit --no-fund --no-package-lock --loglevel=error "@tensorflow/tfjs@$TFJS_VERSION" >/dev/null)
NODE_PATH="$TMP/oracle/node_modules" node "$ROOT/scripts/tfjs-models/oracle.cjs" "$OUT/tfjs.tmp/nsfwjs" mobilenet_v2_mid
NODE_PATH="$TMP/oracle/node_modules" node "$ROOT/scripts/tfjs-models/op-cases.cjs" "$OUT/tfjs.tmp/op-cases"

echo "$SOURCE_LINE" > "$OUT/tfjs.tmp/SOURCE"
rm -rf "$OUT/tfjs"
mv "$OUT/tfjs.tmp" "$OUT/tfjs"
echo "fetch-tfjs-models: wrote $OUT/tfjs" >&2
