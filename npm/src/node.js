// Node entry: Node's fetch cannot read file: URLs, so the .wasm next to this file is read with fs
// and instantiated synchronously at import; `ready()` is not needed (but harmless) in Node. It also
// registers file:// for model.save / loadLayersModel.
import { readFileSync } from 'node:fs';
import { initSync } from './ferroflow_js.js';
import { markReady } from './init.js';
import './node-io.js';

initSync({ module: readFileSync(new URL('./ferroflow_js_bg.wasm', import.meta.url)) });
markReady();

export * from './api.js';
