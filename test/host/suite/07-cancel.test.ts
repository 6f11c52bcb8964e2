/// <reference types="mocha" />
// imlp.cancel stops a training run at a step boundary: the run ends "cancelled", keeps its checkpoint,
// and the extension host's event loop was free while the worker trained.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/results/types';
import { activateByOpening, listRuns, readRun, runsDir, sleep, waitFor, wsFile } from '../helpers';

/** Step events of a run in its metrics.jsonl so far. */
function stepsLogged(id: string): number {
  try {
    return readFileSync(join(runsDir(), id, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"step"')).length;
  } catch {
    return 0;
  }
}

suite('cancel a run', () => {
  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test('imlp.cancel mid-run ends the run cancelled with a checkpoint', async function () {
    this.timeout(180_000);
    const before = new Set(listRuns().map((r) => r.id));
    const uri = wsFile('e2e-long.imlp.json');
    let settled: { ok: true; value: RunRecord[] | undefined } | { ok: false; error: unknown } | undefined;
    const running = Promise.resolve(vscode.commands.executeCommand<RunRecord[]>('imlp.run', uri)).then(
      (value) => (settled = { ok: true, value }),
      (error: unknown) => (settled = { ok: false, error }),
    );

    const run = await waitFor(
      'the e2e-long run to be training (run.json "running", step events in metrics.jsonl)',
      () => {
        if (settled) throw new Error(`imlp.run ended before it was cancelled: ${JSON.stringify(settled)}`);
        const r = listRuns().find((x) => !before.has(x.id) && x.name === 'e2e-long' && x.status === 'running');
        return r && stepsLogged(r.id) >= 5 ? r : undefined;
      },
      90_000,
      100,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; runs: ${JSON.stringify(listRuns().map((r) => [r.id, r.status, r.progress]))}`);
    });

    // The worker trains while the host stays responsive.
    const stepsAtStart = stepsLogged(run.id);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await sleep(3000);
    delay.disable();
    const p99 = delay.percentile(99) / 1e6;
    console.log(`      extension-host event-loop delay while training: p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
    const stepsBefore = stepsLogged(run.id);
    assert.ok(stepsBefore > stepsAtStart, `training progressed during 3 s (${stepsAtStart} → ${stepsBefore} steps in metrics.jsonl)`);

    await vscode.commands.executeCommand('imlp.cancel');
    await Promise.race([running, sleep(60_000)]);
    assert.ok(settled, 'imlp.run did not settle within 60 s of imlp.cancel');
    if (settled.ok) {
      const rec = settled.value?.find((r) => r.id === run.id);
      assert.ok(rec, `imlp.run resolved without the cancelled run: ${JSON.stringify(settled.value)}`);
      assert.equal(rec.status, 'cancelled');
    }

    const onDisk = readRun(run.id);
    assert.equal(onDisk.status, 'cancelled', `run.json status ${onDisk.status}${onDisk.error ? `: ${onDisk.error}` : ''}`);
    const stepsPerEpoch = Math.ceil(60_000 / 64);
    assert.ok(onDisk.progress.globalStep >= stepsBefore && onDisk.progress.globalStep < 3 * stepsPerEpoch, `stopped mid-run, after the ${stepsBefore} steps seen: ${JSON.stringify(onDisk.progress)}`);
    const ckpt = join(runsDir(), run.id, 'checkpoint');
    assert.ok(existsSync(ckpt) && readdirSync(ckpt).length > 0, `no checkpoint in ${ckpt}`);
    const manifest = readdirSync(ckpt).find((f) => f.endsWith('.json'));
    if (manifest) {
      const m = JSON.parse(readFileSync(join(ckpt, manifest), 'utf8')) as { globalStep?: number };
      if (typeof m.globalStep === 'number') assert.ok(m.globalStep >= stepsBefore, `the checkpoint holds the steps done: ${JSON.stringify(m).slice(0, 200)}`);
    }
    assert.ok(p99 < 250, `the extension host's event loop was blocked while the worker trained: p99 ${p99.toFixed(1)} ms`);
  });

  test('no run is left "running"', async () => {
    await sleep(500);
    const stuck = listRuns().filter((r) => r.status === 'running');
    assert.deepEqual(stuck.map((r) => r.id), []);
  });
});
