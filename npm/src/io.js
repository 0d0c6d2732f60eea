// Where models are saved and loaded from. A model travels as Ferroflow artifacts:
//   { modelJson: Uint8Array, weights: { 'weights.safetensors': Uint8Array } }
// i.e. exactly the files `ferroflow_core::io::save_model` writes into a folder, so a model saved in
// a browser loads natively (and the other way round) with no conversion. Schemes: indexeddb://,
// localstorage://, downloads:// (save), http(s):// (load), file:// (Node: registered by node.js).
// Validation (sizes, SHA-256, safetensors layout, names, weight paths) happens in Rust, before any
// path from model.json is used to read anything.

export function ioError(op, msg) {
  return new Error(`${op}: io error: ${msg}`);
}

function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)}`;
  return typeof v === 'object' ? 'an object' : `the ${typeof v} ${String(v)}`;
}

/** Bytes from a Uint8Array, another TypedArray/ArrayBuffer, or a string (UTF-8). */
export function toBytes(v, op = 'load', what = 'data') {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new Error(`${op}: invalid argument: argument '${what}': expected a Uint8Array, ArrayBuffer or string, got ${describe(v)}`);
}

// ---- routers -----------------------------------------------------------------------------

const routers = new Map();

/**
 * Registers a URL scheme (`'file://'`): `save(path)` and `load(path, options)` return handlers
 * (`{save(artifacts)}` / `{load()}`) for the part of the URL after the scheme.
 */
export function registerIoRouter(scheme, router) {
  routers.set(scheme, router);
}

function schemeOf(url) {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  return m ? `${m[1].toLowerCase()}://` : null;
}

const SAVE_SCHEMES = 'indexeddb://, localstorage://, downloads://, file:// (Node)';
const LOAD_SCHEMES = 'http(s)://, indexeddb://, localstorage://, file:// (Node)';

export function getSaveHandler(target) {
  const op = 'save';
  if (target && typeof target === 'object' && typeof target.save === 'function') return target;
  if (typeof target !== 'string') {
    throw new Error(`${op}: invalid argument: argument 'handlerOrURL': expected a URL (${SAVE_SCHEMES}) or a handler with save(), got ${describe(target)}`);
  }
  const scheme = schemeOf(target);
  const router = scheme && routers.get(scheme);
  if (!router || !router.save) {
    const why = scheme === 'file://' ? ' (file:// works in Node only)' : scheme === 'http://' || scheme === 'https://' ? ' (saving over HTTP is not supported; use ff.io.withSaveHandler)' : '';
    throw new Error(`${op}: invalid argument: argument 'handlerOrURL': expected a URL starting with one of ${SAVE_SCHEMES}, got ${describe(target)}${why}`);
  }
  return router.save(target.slice(scheme.length), target);
}

/** The handler for a URL or handler argument of `op` (`loadLayersModel`, `loadGraphModel`). */
export function getLoadHandler(source, options, op = 'loadLayersModel') {
  if (source && typeof source === 'object' && typeof source.load === 'function') return source;
  if (typeof source !== 'string') {
    throw new Error(`${op}: invalid argument: argument 'pathOrIOHandler': expected a URL (${LOAD_SCHEMES}) or a handler with load(), got ${describe(source)}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new Error(`${op}: invalid argument: argument 'options': expected an options object, got ${describe(options)}`);
  }
  // In a page, a URL without a scheme is relative to the page, as TF.js resolves it.
  if (!schemeOf(source) && typeof location !== 'undefined' && /^https?:$/.test(location.protocol ?? '')) {
    source = new URL(source, location.href).href;
  }
  const scheme = schemeOf(source);
  const router = scheme && routers.get(scheme);
  if (!router || !router.load) {
    const why = scheme === 'file://' ? ' (file:// works in Node only)' : '';
    throw new Error(`${op}: invalid argument: argument 'pathOrIOHandler': expected a URL starting with one of ${LOAD_SCHEMES}, got ${describe(source)}${why}`);
  }
  return router.load(source.slice(scheme.length), options || {}, source, op);
}

function modelName(op, name, url) {
  if (!name || name.length > 256 || /[\u0000-\u001f]/.test(name)) {
    throw new Error(`${op}: invalid argument: expected a model name after the scheme, got ${describe(url)}`);
  }
  return name;
}

// ---- IndexedDB ---------------------------------------------------------------------------

const IDB_NAME = 'ferroflow_models';
const IDB_STORE = 'models';

function openDb(op) {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(ioError(op, 'IndexedDB is not available in this environment (indexeddb:// needs a browser)'));
  }
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(IDB_NAME, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(IDB_STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(ioError(op, `cannot open IndexedDB database ${IDB_NAME}: ${r.error}`));
  });
}

function idbRequest(op, db, mode, f) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(IDB_STORE, mode);
    const req = f(tx.objectStore(IDB_STORE));
    let result;
    req.onsuccess = () => (result = req.result);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(ioError(op, `IndexedDB: ${tx.error || req.error}`));
    tx.onabort = () => reject(ioError(op, `IndexedDB: ${tx.error || 'transaction aborted'}`));
  });
}

registerIoRouter('indexeddb://', {
  save: (name, url) => ({
    async save(artifacts) {
      const op = 'save';
      modelName(op, name, url);
      const db = await openDb(op);
      try {
        const record = { modelJson: artifacts.modelJson, weights: { ...artifacts.weights }, dateSaved: new Date().toISOString() };
        await idbRequest(op, db, 'readwrite', (s) => s.put(record, name));
      } finally {
        db.close();
      }
      return { modelArtifactsInfo: info(artifacts) };
    },
  }),
  load: (name, _options, url) => ({
    async load() {
      const op = 'loadLayersModel';
      modelName(op, name, url);
      const db = await openDb(op);
      let record;
      try {
        record = await idbRequest(op, db, 'readonly', (s) => s.get(name));
      } finally {
        db.close();
      }
      if (!record) throw ioError(op, `no model named ${JSON.stringify(name)} in IndexedDB`);
      return { modelJson: record.modelJson, weights: record.weights || {} };
    },
  }),
});

// ---- localStorage ------------------------------------------------------------------------

const LS_PREFIX = 'ferroflow_models/';

function storage(op) {
  try {
    if (typeof localStorage !== 'undefined' && localStorage) return localStorage;
  } catch {
    // Access can throw (opaque origins, disabled storage).
  }
  throw ioError(op, 'localStorage is not available in this environment (localstorage:// needs a browser)');
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(op, text, what) {
  let s;
  try {
    s = atob(text);
  } catch {
    throw ioError(op, `localStorage entry ${what} is not valid base64`);
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

registerIoRouter('localstorage://', {
  save: (name, url) => ({
    async save(artifacts) {
      const op = 'save';
      modelName(op, name, url);
      const ls = storage(op);
      const key = `${LS_PREFIX}${name}/`;
      const entries = [[`${key}model.json`, new TextDecoder().decode(toBytes(artifacts.modelJson))]];
      for (const [path, data] of Object.entries(artifacts.weights || {})) entries.push([`${key}weights/${path}`, toBase64(toBytes(data))]);
      entries.push([`${key}info`, JSON.stringify({ dateSaved: new Date().toISOString(), files: Object.keys(artifacts.weights || {}) })]);
      // Remove what a previous save under this name left, then write (undoing on failure).
      const old = [];
      for (let i = 0; i < ls.length; i++) {
        const k = ls.key(i);
        if (k && k.startsWith(key)) old.push(k);
      }
      for (const k of old) ls.removeItem(k);
      try {
        for (const [k, v] of entries) ls.setItem(k, v);
      } catch (e) {
        for (const [k] of entries) ls.removeItem(k);
        throw ioError(op, `localStorage refused the model (${e && e.name === 'QuotaExceededError' ? 'quota exceeded' : e}); IndexedDB (indexeddb://) holds larger models`);
      }
      return { modelArtifactsInfo: info(artifacts) };
    },
  }),
  load: (name, _options, url) => ({
    async load() {
      const op = 'loadLayersModel';
      modelName(op, name, url);
      const ls = storage(op);
      const key = `${LS_PREFIX}${name}/`;
      const json = ls.getItem(`${key}model.json`);
      if (json === null) throw ioError(op, `no model named ${JSON.stringify(name)} in localStorage`);
      return {
        modelJson: json,
        readWeights: async (path) => {
          const text = ls.getItem(`${key}weights/${path}`);
          if (text === null) throw ioError(op, `localStorage has no weights file ${JSON.stringify(path)} for model ${JSON.stringify(name)}`);
          return fromBase64(op, text, `${key}weights/${path}`);
        },
      };
    },
  }),
});

// ---- downloads ---------------------------------------------------------------------------

function download(bytes, fileName, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.download = fileName;
  a.href = url;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

registerIoRouter('downloads://', {
  // The files keep the names core writes (`model.json` + `weights.safetensors`): put them in one
  // folder and `ferroflow_core::io::load_model(folder)` (or `file://folder`) reads them as they are.
  save: () => ({
    async save(artifacts) {
      const op = 'save';
      if (typeof document === 'undefined' || typeof URL === 'undefined' || typeof Blob === 'undefined') {
        throw ioError(op, 'downloads:// needs a browser page (document, Blob, URL.createObjectURL)');
      }
      download(toBytes(artifacts.modelJson), 'model.json', 'application/json');
      for (const [path, data] of Object.entries(artifacts.weights || {})) download(toBytes(data), path, 'application/octet-stream');
      return { modelArtifactsInfo: info(artifacts) };
    },
  }),
});

// ---- HTTP --------------------------------------------------------------------------------

const MAX_JSON_BYTES = 16 << 20;

function httpRouter(scheme) {
  return {
    load: (rest, options, url, op = 'loadLayersModel') => ({
      async load() {
        const fetchFn = options.fetchFunc ?? (typeof fetch === 'function' ? fetch : null);
        if (!fetchFn) throw ioError(op, 'fetch is not available in this environment');
        const get = async (u, limit, what) => {
          let r;
          try {
            r = await fetchFn(u, options.requestInit);
          } catch (e) {
            throw ioError(op, `fetching ${what} from ${u}: ${e && e.message ? e.message : e}`);
          }
          if (!r.ok) throw ioError(op, `fetching ${what} from ${u}: HTTP ${r.status} ${r.statusText || ''}`.trim());
          const len = Number(r.headers?.get?.('content-length'));
          if (Number.isFinite(len) && len > limit) {
            throw new Error(`${op}: model format error: ${what} is ${len} bytes, over the limit of ${limit}`);
          }
          return new Uint8Array(await r.arrayBuffer());
        };
        const modelJson = await get(url, MAX_JSON_BYTES, 'model.json');
        // Shards live next to model.json, or under `weightPathPrefix` (TF.js's option).
        const base = options.weightPathPrefix === undefined ? url : new URL(String(options.weightPathPrefix), url).href;
        const folder = new URL('.', base).href;
        return {
          modelJson,
          // Paths were checked in Rust (plain relative names, no '..'); URL resolution also
          // decodes '%2e%2e' as '..', so the resolved URL must still be inside the shards' folder.
          readWeights: (path, size) => {
            const u = new URL(path, base);
            if (!u.href.startsWith(folder) || u.origin !== new URL(base).origin) {
              throw new Error(`${op}: model format error: weights path ${JSON.stringify(path)} resolves to ${u.href}, outside the model's folder ${folder}`);
            }
            return get(u.href, size, `weights file ${JSON.stringify(path)}`);
          },
        };
      },
    }),
  };
}
registerIoRouter('http://', httpRouter('http://'));
registerIoRouter('https://', httpRouter('https://'));

// ---- handlers ----------------------------------------------------------------------------

function info(artifacts) {
  const json = toBytes(artifacts.modelJson);
  const weightDataBytes = Object.values(artifacts.weights || {}).reduce((s, w) => s + toBytes(w).byteLength, 0);
  return { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: json.byteLength, weightSpecsBytes: 0, weightDataBytes };
}

/** A save handler calling `fn(artifacts)`: `{modelJson: Uint8Array, weights: {path: Uint8Array}}`. */
export function withSaveHandler(fn) {
  if (typeof fn !== 'function') {
    throw new Error(`withSaveHandler: invalid argument: argument 'saveHandler': expected a function, got ${describe(fn)}`);
  }
  return {
    async save(artifacts) {
      const r = await fn(artifacts);
      return r ?? { modelArtifactsInfo: info(artifacts) };
    },
  };
}

/** A load handler over artifacts held in memory (what a save handler received). */
export function fromMemory(artifacts) {
  if (artifacts === null || typeof artifacts !== 'object') {
    throw new Error(`fromMemory: invalid argument: argument 'artifacts': expected {modelJson, weights}, got ${describe(artifacts)}`);
  }
  return { load: async () => artifacts };
}

export const io = Object.freeze({ withSaveHandler, fromMemory, registerIoRouter });
