// The package's TypeScript declarations (dist/index.d.ts, partly generated from core's op table)
// against what the package really exports: every runtime export is declared as a value and every
// declared value exists; every Tensor method is declared on Tensor and every declared one exists.
// Read with the TypeScript compiler's own checker, so the comparison is by symbols, not text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { ff } from './helpers.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const dts = require.resolve('ferroflow/package.json').replace(/package\.json$/, 'dist/index.d.ts');

function declared() {
  const program = ts.createProgram([dts], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(dts));
  const values = new Set();
  let tensorMembers = new Set();
  for (const sym of checker.getExportsOfModule(module)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    if (target.flags & ts.SymbolFlags.Value) values.add(sym.name);
    if (sym.name === 'Tensor') {
      const instance = checker.getDeclaredTypeOfSymbol(target);
      tensorMembers = new Set(checker.getPropertiesOfType(instance).map((p) => p.name));
    }
  }
  return { values, tensorMembers };
}

const { values, tensorMembers } = declared();

test('every export of the package is declared in index.d.ts, and every declared value exists', () => {
  const runtime = new Set(Object.keys(ff));
  const undeclared = [...runtime].filter((n) => !values.has(n)).sort();
  const missing = [...values].filter((n) => !runtime.has(n)).sort();
  assert.deepEqual(undeclared, [], `exported but not declared: ${undeclared.join(', ')}`);
  assert.deepEqual(missing, [], `declared but not exported: ${missing.join(', ')}`);
  assert.ok(values.size > 150, `only ${values.size} declared values`);
});

test('every Tensor method is declared on Tensor, and every declared member exists', () => {
  const proto = ff.Tensor.prototype;
  const runtime = new Set(Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && !n.startsWith('__')));
  const undeclared = [...runtime].filter((n) => !tensorMembers.has(n)).sort();
  const missing = [...tensorMembers].filter((n) => !(n in proto)).sort();
  assert.deepEqual(undeclared, [], `Tensor members not declared: ${undeclared.join(', ')}`);
  assert.deepEqual(missing, [], `declared Tensor members that do not exist: ${missing.join(', ')}`);
});
