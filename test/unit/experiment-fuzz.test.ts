// Property-based checks of the experiment-file reader (fast-check): whatever the text, the reader
// either returns a resolved config or throws an ExperimentError whose every problem names where, what
// and what to do; never another exception, never a crash. A failure prints the seed that replays it
// (fc.assert's report); set IMLP_FUZZ_RUNS for a longer search.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExperimentError, parseExperiment } from '../../src/core/experiment/validate';
import type { ExperimentConfig } from '../../src/core/experiment/types';

const RUNS = Number(process.env.IMLP_FUZZ_RUNS ?? 300);
const FILE = '/w/fuzz.imlp.json';

/** Every example shipped in examples/ (valid by construction: another test runs them). */
const EXAMPLES: Record<string, unknown>[] = (() => {
  const out: Record<string, unknown>[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.imlp.json')) out.push(JSON.parse(readFileSync(join(dir, e.name), 'utf8')) as Record<string, unknown>);
    }
  };
  walk('examples');
  return out;
})();

type Outcome = { ok: true; config: ExperimentConfig } | { ok: false; error: ExperimentError };

/** The reader's contract: a config, or an ExperimentError with usable problems; anything else fails the property. */
function read(text: string): Outcome {
  try {
    return { ok: true, config: parseExperiment(text, FILE) };
  } catch (err) {
    if (!(err instanceof ExperimentError)) throw new Error(`not an ExperimentError: ${(err as Error)?.stack ?? String(err)}`);
    assert.ok(err.problems.length > 0, 'an error lists at least one problem');
    for (const p of err.problems) {
      assert.equal(typeof p.path, 'string');
      assert.ok(p.message.length > 0, `a problem says what is wrong (${JSON.stringify(p)})`);
      assert.ok(p.fix.length > 0, `a problem says what to do (${JSON.stringify(p)})`);
    }
    assert.ok(err.message.startsWith(FILE), 'the message names the file');
    return { ok: false, error: err };
  }
}

/** What every accepted config guarantees to the engine. */
function checkConfig(c: ExperimentConfig): void {
  assert.ok(c.training.epochs >= 1 && Number.isInteger(c.training.epochs));
  assert.ok(c.training.batchSize >= 1 && Number.isInteger(c.training.batchSize));
  assert.ok(c.training.seeds.length >= 1 && c.training.seeds.every(Number.isInteger));
  if (c.interpolation) {
    assert.ok(c.interpolation.alphas.length >= 1);
    assert.ok(c.interpolation.alphas.every((a) => a >= 0 && a <= 1), `α in [0, 1]: ${c.interpolation.alphas}`);
  }
}

/** A JSON-able value at a path of an object, replaced (undefined deletes). */
function setAt(root: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return copy;
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every path to a value inside an example, e.g. ["interpolation", "alpha"]. */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
}

describe('experiment files under fuzzing', () => {
  it('any JSON value: a config or an ExperimentError that names where, what and what to do', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
      const r = read(JSON.stringify(v));
      if (r.ok) checkConfig(r.config);
    }), { numRuns: RUNS });
  });

  it('any text (broken JSON, BOMs, control characters): never another exception', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
      fc.jsonValue().map((v) => `\uFEFF${JSON.stringify(v)}`),
    );
    fc.assert(fc.property(text, (t) => void read(t)), { numRuns: RUNS });
  });

  it('an example with one field replaced by any value, or removed: accepted configs keep their guarantees', () => {
    const mutation = fc.constantFrom(...EXAMPLES).chain((ex) => fc.record({
      ex: fc.constant(ex),
      path: fc.constantFrom(...paths(ex).filter((p) => p.length > 0)),
      value: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 }), fc.double(), fc.integer(), fc.constantFrom(-1, 0, 1, 1e308, -0, 0.5)),
    }));
    fc.assert(fc.property(mutation, ({ ex, path, value }) => {
      const doc = setAt(ex, path, value);
      const r = read(JSON.stringify(doc));
      if (r.ok) checkConfig(r.config);
      // A rejected file's problems point at real places: the file itself, a field it has, or the one removed.
      else for (const p of r.error.problems) {
        const top = p.path.split(/[.[]/)[0]!;
        assert.ok(top === '' || top in doc || top === path[0], `problem at "${p.path}" in a file with ${Object.keys(doc).join(', ')}`);
      }
    }), { numRuns: RUNS });
  });

  it('unknown fields anywhere are refused by name', () => {
    const withUnknown = fc.constantFrom(...EXAMPLES).chain((ex) => fc.record({
      ex: fc.constant(ex),
      at: fc.constantFrom(...paths(ex).filter((p) => {
        let node: unknown = ex;
        for (const k of p) node = (node as Record<string, unknown>)[k];
        return typeof node === 'object' && node !== null && !Array.isArray(node);
      })),
      key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => /^[a-zA-Z_]\w*$/.test(k) && !['$schema'].includes(k)),
    }));
    fc.assert(fc.property(withUnknown, ({ ex, at, key }) => {
      let node: unknown = ex;
      for (const k of at) node = (node as Record<string, unknown>)[k];
      fc.pre(!(key in (node as object)));
      const r = read(JSON.stringify(setAt(ex, [...at, key], 1)));
      // Some objects take free-form keys (none today); everywhere else the key is named.
      if (!r.ok) assert.ok(r.error.message.includes(`"${key}"`), r.error.message);
      else assert.fail(`unknown field ${[...at, key].join('.')} was accepted`);
    }), { numRuns: RUNS });
  });

  it('α grids: any values in [0, 1] are accepted as given; one outside is refused at interpolation.alpha', () => {
    const base = EXAMPLES.find((e) => (e.model as { kind?: string } | undefined)?.kind === 'imlp')!;
    const alpha = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(fc.property(fc.uniqueArray(alpha, { minLength: 1, maxLength: 20, comparator: (a, b) => a === b || (a === 0 && b === 0) }), (alphas) => {
      const r = read(JSON.stringify(setAt(base, ['interpolation', 'alpha'], alphas)));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual([...r.config.interpolation!.alphas].sort((a, b) => a - b), [...alphas].map((a) => (Object.is(a, -0) ? 0 : a)).sort((a, b) => a - b));
    }), { numRuns: RUNS });
    const outside = fc.oneof(fc.double({ min: 1, max: 1e308, noNaN: true, minExcluded: true }), fc.double({ min: -1e308, max: 0, noNaN: true, maxExcluded: true }).filter((a) => !Object.is(a, -0)));
    fc.assert(fc.property(outside, (a) => {
      const r = read(JSON.stringify(setAt(base, ['interpolation', 'alpha'], [0.5, a])));
      assert.ok(!r.ok, `α = ${a} was accepted`);
      assert.ok(r.error.problems.some((p) => p.path.startsWith('interpolation.alpha')), JSON.stringify(r.error.problems));
    }), { numRuns: RUNS });
  });

  it('deep nesting and huge grids are refused with a message, not a stack overflow', () => {
    for (const text of ['['.repeat(100_000) + ']'.repeat(100_000), `{"name":"x","model":${'{"kind":'.repeat(5000)}"mlp"${'}'.repeat(5000)}}`]) {
      const r = read(text);
      assert.equal(r.ok, false);
    }
    const base = EXAMPLES.find((e) => (e.model as { kind?: string } | undefined)?.kind === 'imlp')!;
    const huge = read(JSON.stringify(setAt(base, ['training', 'seeds'], Array.from({ length: 100_000 }, (_, i) => i))));
    assert.equal(huge.ok, false, 'a 100,000-seed grid is refused');
  });
});
