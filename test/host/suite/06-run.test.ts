/// <reference types="mocha" />
// imlp.run trains for real in a worker thread: the command resolves to the finished run records, the
// results store holds run.json, metrics.jsonl and checkpoint/, the extension host's event loop stays
// free meanwhile, and the "Last: …" lens shows the result afterwards.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/results/types';
import { activateByOpening, imlpLenses, readRun, runsDir, waitFor, wsFile } from '../helpers';

suite('run an experiment', () => {
  let record: RunRecord | undefined;

  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test('imlp.run on e2e-quick.imlp.json resolves to a finished run with test accuracy > 0.5', async function () {
    this.timeout(120_000);
    const uri = wsFile('e2e-quick.imlp.json');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = Date.now();
    const records = await vscode.commands.executeCommand<RunRecord[]>('imlp.run', uri);
    delay.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `      imlp.run took ${((Date.now() - t0) / 1000).toFixed(1)} s; extension-host event-loop delay meanwhile: ` +
        `p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms`,
    );
    assert.ok(Array.isArray(records), `imlp.run resolved to ${JSON.stringify(records)}, expected RunRecord[]`);
    assert.equal(records.length, 1, `one seed, one run: ${JSON.stringify(records.map((r) => r.id))}`);
    record = records[0]!;
    assert.equal(record.status, 'finished', `status ${record.status}${record.error ? `: ${record.error}` : ''}`);
    assert.equal(record.name, 'e2e-quick');
    assert.ok(record.result, 'the record has a result');
    assert.ok(record.result.testAccuracy > 0.5, `test accuracy ${record.result.testAccuracy}`);
  });

  test('the results store holds run.json, metrics.jsonl and checkpoint/', () => {
    assert.ok(record, 'no run (previous test failed)');
    const dir = join(runsDir(), record.id);
    assert.ok(existsSync(dir), `${dir} is missing`);
    const onDisk = readRun(record.id);
    assert.equal(onDisk.status, 'finished');
    assert.equal(onDisk.result?.testAccuracy, record.result?.testAccuracy);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['step', 'eval', 'done']) assert.ok(types.has(t), `metrics.jsonl has no "${t}" event (has ${[...types].join(', ')})`);
    const ckpt = join(dir, 'checkpoint');
    assert.ok(existsSync(ckpt) && readdirSync(ckpt).length > 0, `${ckpt} is missing or empty`);
  });

  test('after the run, the lens shows the last result', async function () {
    this.timeout(20_000);
    assert.ok(record?.result, 'no run (previous test failed)');
    const uri = wsFile('e2e-quick.imlp.json');
    const expected = `${(record.result.testAccuracy * 100).toFixed(2)}%`;
    const lens = await waitFor(
      `a "Last: ${expected}" (or "Best: …") lens on e2e-quick.imlp.json`,
      async () => (await imlpLenses(uri)).find((l) => /^(Last|Best): /.test(l.title)),
      15_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; lenses: ${JSON.stringify((await imlpLenses(uri)).map((l) => l.title))}`);
    });
    assert.ok(lens.title.includes(expected), `lens "${lens.title}" should show ${expected}`);
  });
});
