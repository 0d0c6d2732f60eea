#!/usr/bin/env bash
# CI for demos/edge (ferroflow-edge, the native digit classifier):
#   1. builds the x86_64 release binary and runs the crate's tests (cpu vs wgpu on lavapipe, PNG
#      round trip, bad inputs);
#   2. cross-builds for aarch64-unknown-linux-gnu (Debian's gcc-aarch64-linux-gnu links, see
#      .cargo/config.toml) and runs that binary under qemu-aarch64;
#   3. classifies the same 100 digits with x86_64 cpu, x86_64 wgpu (lavapipe) and aarch64 cpu
#      (qemu): with the web demo's export (target/mnist-web/export) each run must give the labels
#      the browser gave (--expect predictions-100.json); without it, a model is trained natively
#      (mnist-native, 1 epoch) and the x86_64 cpu labels are the expectation for the other runs;
#   4. the same digits written as PNGs by one binary and read by both;
#   5. batch-1 latency percentiles (x86_64 cpu, x86_64 wgpu on lavapipe, aarch64 under qemu);
#   6. Android (aarch64-linux-android): `cargo check` of the edge crate and the libraries must
#      pass; linking with cargo-zigbuild (PyPI ziglang + cargo-zigbuild, no NDK) is attempted and
#      its outcome reported, never failing the script.
# The aarch64 binary is built without the `gpu` feature by default (FERROFLOW_EDGE_AARCH64_FEATURES
# overrides, e.g. "--features gpu"): qemu-user has no Vulkan device, so wgpu could only fall back
# to the CPU there, and the wgpu stack is most of the cross build's time (see demos/edge/README.md).
# Outputs: target/edge/ (JSON per run, PNGs, logs).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

OUT="$ROOT/target/edge"
EXPORT="${FERROFLOW_WEB_EXPORT:-$ROOT/target/mnist-web/export}"
X86="$ROOT/target/release/ferroflow-edge"
ARM_TARGET=aarch64-unknown-linux-gnu
ARM="$ROOT/target/$ARM_TARGET/release/ferroflow-edge"
read -r -a ARM_FEATURES <<< "${FERROFLOW_EDGE_AARCH64_FEATURES:---no-default-features}"
QEMU=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
DATA="$ROOT/data/mnist"
rm -rf "$OUT"
mkdir -p "$OUT"

setup() {
  ensure_lavapipe
  ensure_aarch64_cross
  ensure_rust_target aarch64-linux-android
}
stage edge-setup setup
stage edge-mnist-data bash demos/scripts/fetch-mnist.sh "$DATA"
stage edge-build-x86_64 cargo build --release -p ferroflow-edge
stage edge-tests cargo test --release -p ferroflow-edge
stage edge-build-aarch64 cargo build --release -p ferroflow-edge --target "$ARM_TARGET" "${ARM_FEATURES[@]}"
file "$X86" "$ARM" | sed "s|$ROOT/||"

# The model and the 100 digits.
if [ -f "$EXPORT/model.json" ] && [ -f "$EXPORT/predictions-100.json" ] && [ -f "$EXPORT/digits-100-u8.bin" ]; then
  MODE="web export"
  MODEL="$EXPORT"
  INPUT=(--digits "$EXPORT/digits-100-u8.bin")
  [ -f "$EXPORT/labels-100-u8.bin" ] && INPUT+=(--labels "$EXPORT/labels-100-u8.bin")
  EXPECT="$EXPORT/predictions-100.json"
  echo "edge: using the web demo's export $EXPORT: every run must predict what the browser did ($EXPECT)"
else
  MODE="native model"
  MODEL="$OUT/native-model"
  INPUT=(--test-set --data-dir "$DATA" --n 100)
  EXPECT=""
  echo "edge: no web export at $EXPORT: training a model natively (mnist-native, cpu, 1 epoch) and"
  echo "      comparing aarch64 (qemu) and wgpu labels with the x86_64 cpu labels"
  stage edge-train-model cargo run --release -q -p ferroflow-demos --bin mnist-native -- \
    --backend cpu --epochs 1 --model-dir "$MODEL" --quiet
fi

x86_cpu() {
  local expect=()
  [ -n "$EXPECT" ] && expect=(--expect "$EXPECT")
  "$X86" --model "$MODEL" "${INPUT[@]}" --backend cpu "${expect[@]}" --json > "$OUT/x86_64-cpu.json"
  [ -n "$EXPECT" ] || EXPECT="$OUT/x86_64-cpu.json"
  summarize "$OUT/x86_64-cpu.json"
}
x86_wgpu() {
  "$X86" --model "$MODEL" "${INPUT[@]}" --backend wgpu --expect "$EXPECT" --json > "$OUT/x86_64-wgpu.json"
  summarize "$OUT/x86_64-wgpu.json"
}
# No Vulkan device under qemu-user: the aarch64 run uses the CPU backend.
aarch64_cpu() {
  echo "  aarch64 under qemu-aarch64: CPU backend (qemu-user has no Vulkan device)"
  "${QEMU[@]}" "$ARM" --model "$MODEL" "${INPUT[@]}" --backend cpu --expect "$EXPECT" --json > "$OUT/aarch64-cpu.json"
  summarize "$OUT/aarch64-cpu.json"
}
summarize() {
  python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
lat = d["latency"]
acc = "-" if d["accuracy"] is None else f'{d["accuracy"]:.4f}'
line = (f'  {d["backend"]} ({d["device"]}): {len(d["predicted"])} digits, accuracy {acc}, '
        f'latency p50 {lat["p50_ms"]:.3f} ms (first {d["latency_ms"][0]:.1f} ms)')
if d.get("expect"):
    e = d["expect"]
    line += f'; {len(e["mismatches"])} labels differ from the expectation, max |p diff| {e["max_probability_diff"]}'
print(line)
EOF
}
stage edge-x86_64-cpu x86_cpu
stage edge-x86_64-wgpu x86_wgpu
stage edge-aarch64-qemu aarch64_cpu

# PNG end to end: the x86_64 binary writes the first 10 digits as PNGs, both binaries classify
# the files, and must agree with each other and with the raw-digit runs.
pngs() {
  "$X86" --write-png "$OUT/pngs" "${INPUT[@]}" --n 10
  local files=("$OUT"/pngs/*.png)
  "$X86" --model "$MODEL" --backend cpu --json "${files[@]}" > "$OUT/x86_64-png.json"
  "${QEMU[@]}" "$ARM" --model "$MODEL" --backend cpu --expect "$OUT/x86_64-png.json" --json "${files[@]}" \
    > "$OUT/aarch64-png.json"
  python3 - "$OUT/x86_64-png.json" "$OUT/x86_64-cpu.json" <<'EOF'
import json, sys
png, raw = (json.load(open(p)) for p in sys.argv[1:])
n = len(png["predicted"])
assert png["predicted"] == raw["predicted"][:n], (png["predicted"], raw["predicted"][:n])
print(f"  {n} PNGs: same labels on x86_64 and aarch64, and as the raw digits")
EOF
}
stage edge-png pngs

bench() {
  echo "  x86_64 cpu:"
  "$X86" --model "$MODEL" "${INPUT[@]}" --backend cpu --bench --iters 500 --quiet | tail -1
  echo "  x86_64 wgpu (lavapipe, software Vulkan: not GPU speed):"
  "$X86" --model "$MODEL" "${INPUT[@]}" --backend wgpu --bench --iters 50 --quiet | tail -1
  echo "  aarch64 cpu under qemu-aarch64 (emulated: not aarch64 speed):"
  "${QEMU[@]}" "$ARM" --model "$MODEL" "${INPUT[@]}" --backend cpu --bench --iters 100 --quiet | tail -1
}
stage edge-bench bench

# Android: the type check must pass; linking without an NDK is attempted and reported.
stage edge-android-check cargo check --release -p ferroflow-edge -p ferroflow-core -p ferroflow-native \
  -p ferroflow-wgpu --target aarch64-linux-android
# A hello-world crate is linked first (seconds; it needs the same system libraries as any Rust
# binary: -ldl -llog -lunwind -lm -lc); the edge binary (minutes to compile) only when that works.
android_link() {
  if ! ensure_zigbuild > "$OUT/zigbuild-install.log" 2>&1; then
    ANDROID_LINK="not attempted: installing ziglang/cargo-zigbuild from PyPI failed ($(tail -1 "$OUT/zigbuild-install.log"))"
    return 0
  fi
  local probe="$OUT/android-probe" log="$OUT/zigbuild-android.log" zig missing
  mkdir -p "$probe/src"
  printf '[package]\nname = "android-probe"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' > "$probe/Cargo.toml"
  echo 'fn main() { println!("hello from aarch64-linux-android"); }' > "$probe/src/main.rs"
  zig="zig $(python3 -m ziglang version 2>/dev/null), $(cargo-zigbuild --version 2>/dev/null)"
  if ! (cd "$probe" && cargo zigbuild --release --target aarch64-linux-android) > "$log" 2>&1; then
    missing=$(grep -o 'unable to find dynamic system library "[^"]*"' "$log" | cut -d'"' -f2 | sort -u | tr '\n' ' ')
    if [ -n "$missing" ]; then
      ANDROID_LINK="does not link ($zig): zig ships no Android (Bionic) libraries; missing: ${missing% }. An NDK is needed (demos/edge/README.md)"
    else
      ANDROID_LINK="does not link ($zig): $(grep -m1 error "$log" | cut -c1-300)"
    fi
    return 0
  fi
  local bin="$ROOT/target/aarch64-linux-android/release/ferroflow-edge"
  if cargo zigbuild --release -p ferroflow-edge --target aarch64-linux-android "${ARM_FEATURES[@]}" >> "$log" 2>&1; then
    ANDROID_LINK="linked with $zig: $(file -b "$bin")"
  else
    ANDROID_LINK="a hello world links, ferroflow-edge does not ($zig): $(grep -m1 error "$log" | cut -c1-300)"
  fi
}
ANDROID_LINK=""
stage edge-android-zigbuild android_link
echo "  android link: $ANDROID_LINK (log: target/edge/zigbuild-android.log)"

echo "edge: $MODE: x86_64 cpu, x86_64 wgpu and aarch64 (qemu) cpu agree on all 100 labels${EXPECT:+ (expect: ${EXPECT#"$ROOT"/})}"
