// The reference docs are generated (scripts/gen-docs.ts) and cannot drift: regenerating them must give
// the committed files, every field of the experiment schema has a row in its section with its
// description and values, and every command and option of the CLI is in docs/cli.md. The hand-written
// docs exist and say what they must (the method's open choices, the results format).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CLI_DOC, EXPERIMENT_DOC, anchor, fieldRows, generate } from '../../scripts/gen-docs';
import { program } from '../../src/cli/main';

const schema = JSON.parse(readFileSync('schemas/experiment.schema.json', 'utf8'));
const FIX = 'run `npm run docs` and commit the result';

test('docs/experiment-file.md and docs/cli.md are what `npm run docs` generates now', async () => {
  const docs = await generate();
  for (const [file, text] of Object.entries(docs)) {
    assert.ok(existsSync(file), `${file} is missing: ${FIX}`);
    const committed = readFileSync(file, 'utf8');
    if (committed !== text) {
      const a = committed.split('\n');
      const b = text.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`${file} differs from what its source generates (first at line ${line + 1}:\n  committed: ${a[line]}\n  generated: ${b[line]}); ${FIX}`);
    }
  }
});

/** The text of the section a definition is documented in ("root" for the top level). */
function section(doc: string, def: string): string {
  const start = doc.indexOf(`<a id="${anchor(def)}"></a>`);
  assert.ok(start >= 0, `${EXPERIMENT_DOC} has a section for ${def}`);
  const next = doc.indexOf('<a id="def-', start + 1);
  return doc.slice(start, next === -1 ? undefined : next);
}

test('every field of the experiment schema is documented in its section, with its description and values', () => {
  const doc = readFileSync(EXPERIMENT_DOC, 'utf8');
  const objects: [string, Record<string, any>][] = [['root', schema], ...Object.entries<Record<string, any>>(schema.definitions).filter(([, d]) => d.properties)]; // eslint-disable-line @typescript-eslint/no-explicit-any
  let fields = 0;
  for (const [def, obj] of objects) {
    const text = section(doc, def);
    const walk = (o: Record<string, any>, prefix: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const [name, p] of Object.entries<Record<string, any>>(o.properties ?? {})) { // eslint-disable-line @typescript-eslint/no-explicit-any
        const field = prefix + name;
        fields++;
        const row = text.split('\n').find((l) => l.startsWith(`| \`${field}\` |`));
        assert.ok(row, `${def}: no row for ${field}`);
        const description = (p.markdownDescription ?? p.description ?? '').replace(/\n+/g, ' ').replace(/\|/g, '\\|').trim();
        if (description) assert.ok(row.includes(description), `${def}.${field}: the schema's description is in its row`);
        for (const v of p.enum ?? []) assert.ok(row.includes(JSON.stringify(v)), `${def}.${field}: value ${v}`);
        if (p.default !== undefined) assert.ok(row.includes(`\`${JSON.stringify(p.default)}\``), `${def}.${field}: default`);
        if (p.properties && !p.$ref) walk(p, `${field}.`);
      }
    };
    walk(obj, '');
  }
  assert.equal(fields, objects.reduce((n, [, o]) => n + fieldRows(schema, o).length, 0), 'the generator and this check see the same fields');
  assert.ok(fields > 80, `${fields} fields`);
});

test('every command, argument and option of imlp is in docs/cli.md', () => {
  const doc = readFileSync(CLI_DOC, 'utf8');
  for (const c of program().commands) {
    const start = doc.indexOf(`## imlp ${c.name()}\n`);
    assert.ok(start >= 0, `a section for imlp ${c.name()}`);
    const next = doc.indexOf('\n## ', start + 1);
    const text = doc.slice(start, next === -1 ? undefined : next);
    for (const o of c.options) assert.ok(text.includes(`| \`${o.flags}\` |`), `imlp ${c.name()} ${o.flags}`);
    for (const a of c.registeredArguments) assert.ok(text.includes(a.name()), `imlp ${c.name()} <${a.name()}>`);
  }
});

test('the hand-written docs: the method lists the choices the paper leaves open, the results format every file and event', () => {
  const method = readFileSync('docs/method.md', 'utf8');
  assert.match(method, /## Choices the paper leaves open/);
  for (const option of ['prior.source', 'interpolation.mode', 'syncEvery', 'schedule', 'biases', 'exclude', 'resetOptimizerOnSync', 'evaluate']) {
    assert.ok(method.includes(`\`${option}\``), `method.md names ${option}`);
  }
  const results = readFileSync('docs/results-format.md', 'utf8');
  for (const part of ['run.json', 'metrics.jsonl', 'manifest.json', 'tensors.bin']) assert.ok(results.includes(part), part);
  // Every event type of src/core/train/events.ts is described.
  const events = readFileSync('src/core/train/events.ts', 'utf8');
  const types = [...events.matchAll(/type: '([a-z]+)'/g)].map((m) => m[1]!);
  assert.ok(types.length >= 8, `event types: ${types.join(', ')}`);
  for (const t of types) assert.ok(results.includes(`\`${t}\``), `results-format.md describes the "${t}" event`);
  // Every field of a run record is described.
  const record = readFileSync('src/core/results/types.ts', 'utf8');
  const body = record.slice(record.indexOf('export interface RunRecord'), record.indexOf('/** What the caller knows'));
  for (const f of [...body.matchAll(/^ {2}([a-zA-Z]+)\??:/gm)].map((m) => m[1]!)) assert.ok(results.includes(`\`${f}\``), `results-format.md describes run.json's "${f}"`);
  assert.ok(existsSync('CHANGELOG.md'));
});
