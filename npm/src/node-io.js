// file:// for Node (imported by the Node entry only, so bundlers never see node: modules).
// `model.save('file://dir')` writes dir/model.json + dir/weights.safetensors, the layout
// `ferroflow_core::io::save_model` writes; `ff.loadLayersModel('file://dir')` (or
// 'file://dir/model.json') reads it. Weight paths from model.json were checked in Rust (plain
// relative names); here they must also resolve (symlinks followed) to regular files inside the
// model folder, no larger than the manifest says, before anything is read.
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ioError, registerIoRouter, toBytes } from './io.js';

const MAX_JSON_BYTES = 16 << 20;

function localPath(op, rest) {
  if (!rest) throw new Error(`${op}: invalid argument: expected a path after file://, got an empty one`);
  let p = rest;
  // file:///abs/path and file://relative/path both work (as tfjs-node).
  try {
    if (rest.startsWith('/')) p = decodeURIComponent(rest);
  } catch {
    p = rest;
  }
  return resolve(p);
}

async function writeAtomic(path, bytes) {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

registerIoRouter('file://', {
  save: (rest) => ({
    async save(artifacts) {
      const op = 'save';
      const dir = localPath(op, rest);
      try {
        await mkdir(dir, { recursive: true });
        for (const [name, data] of Object.entries(artifacts.weights || {})) await writeAtomic(join(dir, name), toBytes(data));
        await writeAtomic(join(dir, 'model.json'), toBytes(artifacts.modelJson));
      } catch (e) {
        throw ioError(op, `${dir}: ${e.message}`);
      }
      return null;
    },
  }),
  load: (rest, _options, _url, op = 'loadLayersModel') => ({
    async load() {
      const p = localPath(op, rest);
      let dir;
      let jsonPath;
      try {
        const st = await stat(p);
        if (st.isDirectory()) {
          dir = p;
          jsonPath = join(p, 'model.json');
        } else {
          dir = dirname(p);
          jsonPath = p;
        }
        const js = await stat(jsonPath);
        if (!js.isFile()) throw new Error('not a regular file');
        if (js.size > MAX_JSON_BYTES) {
          throw Object.assign(new Error(`${op}: model format error: ${jsonPath} is ${js.size} bytes, over the limit of ${MAX_JSON_BYTES}`), { format: true });
        }
      } catch (e) {
        if (e.format) throw e;
        throw ioError(op, `${jsonPath ?? p}: ${e.message}`);
      }
      let realDir;
      let modelJson;
      try {
        realDir = await realpath(dir);
        modelJson = await readFile(jsonPath);
      } catch (e) {
        throw ioError(op, `${jsonPath}: ${e.message}`);
      }
      return {
        modelJson: new Uint8Array(modelJson.buffer, modelJson.byteOffset, modelJson.byteLength),
        // `size` is the file's size, or with `atMost` the most it may hold (a graph model's
        // manifest gives only each group's total).
        readWeights: async (rel, size, atMost = false) => {
          let real;
          let st;
          try {
            real = await realpath(join(dir, rel));
            st = await stat(real);
          } catch (e) {
            throw ioError(op, `weights file ${join(dir, rel)}: ${e.message}`);
          }
          if (!real.startsWith(realDir + sep)) {
            throw new Error(`${op}: model format error: weights path ${JSON.stringify(rel)} resolves to ${real}, outside the model folder ${realDir}`);
          }
          if (!st.isFile()) throw new Error(`${op}: model format error: weights path ${JSON.stringify(rel)} is not a regular file`);
          if (atMost ? st.size > size : st.size !== size) {
            throw new Error(`${op}: model format error: weights file ${JSON.stringify(rel)}: ${st.size} bytes, the manifest says ${size}`);
          }
          try {
            const b = await readFile(real);
            return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
          } catch (e) {
            throw ioError(op, `${real}: ${e.message}`);
          }
        },
      };
    },
  }),
});
