// The experiment panel's model (what the host sends the page) and its exports, on runs written
// through the real results store.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossCsv, lossSvg, scheduleCsv, scheduleSvg } from '../../src/core/report/curves';
import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';
import type { TrainEvent } from '../../src/core/train/events';
import { contentSecurityPolicy, panelHtml } from '../../src/extension/panel/panelHtml';
import { appendEvent, buildView, emptySeries, scheduleView, seriesFromEvents, shownSweepIds, targetKey } from '../../src/extension/panel/panelView';
import { isFromPanel, isPanelTarget, isToPanel, type PanelTarget } from '../../src/shared/protocol';
import { addRun, tempDir, writeExperiment } from './stubs/runs';

const IMLP = {
  model: { kind: 'imlp' },
  prior: { source: 'co-trained', preset: 'cnn-tiny' },
  interpolation: { alpha: [0, 0.1, 0.5, 0.9, 1], mode: 'sync', syncEvery: 'epoch', schedule: { kind: 'exponential', gamma: 0.5 } },
  training: { epochs: 3, seeds: [0, 1] },
};

function fixture() {
  const dir = tempDir('imlp-panel-');
  const { file, config } = writeExperiment(dir, 'cnn-prior', IMLP);
  const store = new ResultsStore(`${dir}/.imlp`);
  return { dir, file, config, store };
}

const view = (file: string, store: ResultsStore, extra: Partial<Parameters<typeof buildView>[0]> = {}) => buildView({
  target: { kind: 'experiment', file }, experimentName: 'cnn-prior', summaries: store.listRuns(), overlays: [], selected: null,
  isAlive: (r: RunRecord) => r.pid === process.pid, stepsPerEpoch: null, currentStep: null, ...extra,
});

describe('panel view', () => {
  it('is empty, with what to do, before the experiment has runs', () => {
    const { file, store } = fixture();
    const v = view(file, store);
    assert.equal(v.state, 'empty');
    assert.match(v.message, /No runs yet\. Run the experiment/);
    assert.deepEqual(v.runs, []);
    assert.equal(v.selectedRunId, null);
  });

  it('draws the newest sweep of the experiment and fills in as runs finish', () => {
    const { file, config, store } = fixture();
    addRun(store, { config, seed: 0, alpha: 0.5, sweepId: 'sweep-old', experimentFile: file, status: 'finished', accuracy: 0.5 });
    const runs = [0.1, 0.5, 0.9].map((alpha, i) => addRun(store, { config, seed: 0, alpha, sweepId: 'sweep-new', experimentFile: file, status: i < 2 ? 'finished' : 'running', accuracy: i < 2 ? 0.8 + i / 100 : undefined, pid: process.pid }));
    const v = view(file, store);
    assert.deepEqual(v.sweeps.map((s) => s.sweepId), ['sweep-new']);
    assert.deepEqual(v.runs.map((r) => r.id).sort(), runs.map((r) => r.id).sort());
    assert.equal(v.state, 'running');
    // Counted against the planned grid (5 α × 2 seeds), not the runs created so far.
    assert.match(v.message, /1 run in progress, 2 of 10 α × seed runs finished/);
    // The training run is drawn unless the user picked another.
    assert.equal(v.selectedRunId, runs[2]!.id);
    assert.equal(view(file, store, { selected: runs[0]!.id }).selectedRunId, runs[0]!.id);
    assert.deepEqual(v.sweeps[0]!.byAlpha.map((g) => g.alpha), [0.1, 0.5]);
  });

  it('finds the runs of results moved with their workspace (the recorded path is absolute)', () => {
    const { file, config, store } = fixture();
    addRun(store, { config, seed: 0, alpha: 0.5, sweepId: 'moved', experimentFile: '/elsewhere/before/cnn-prior.imlp.json', status: 'finished', accuracy: 0.7 });
    addRun(store, { config: { ...config, name: 'other' }, seed: 0, alpha: 0.5, sweepId: 'not-mine', experimentFile: '/elsewhere/before/cnn-prior.imlp.json', status: 'finished', accuracy: 0.7 });
    assert.deepEqual(view(file, store).sweeps.map((s) => s.sweepId), ['moved']);
  });

  it('overlays added sweeps after its own, with no cap on their number', () => {
    const { file, config, store } = fixture();
    for (let i = 0; i < 12; i++) addRun(store, { config, seed: 0, alpha: 0.5, sweepId: `sweep-${String(i).padStart(2, '0')}`, status: 'finished', accuracy: 0.7 });
    const ids = shownSweepIds({ target: { kind: 'experiment', file }, experimentName: 'cnn-prior', summaries: store.listRuns(), overlays: ['sweep-03', 'sweep-07', 'sweep-03', 'gone'] });
    assert.equal(ids.length, 3);
    assert.deepEqual(ids.slice(1), ['sweep-03', 'sweep-07']);
    const all = Array.from({ length: 12 }, (_, i) => `sweep-${String(i).padStart(2, '0')}`);
    const v = buildView({ target: { kind: 'sweeps', root: store.root, sweepIds: all }, experimentName: '', summaries: store.listRuns(), overlays: [], selected: null, isAlive: () => false, stepsPerEpoch: null, currentStep: null });
    assert.equal(v.sweeps.length, 12);
    // Each sweep planned 5 α × 2 seeds and trained one: stopped, not finished.
    assert.equal(v.state, 'cancelled');
  });

  it('says why a run failed and what to do', () => {
    const { file, config, store } = fixture();
    addRun(store, { config, seed: 0, alpha: 0.5, sweepId: 's', experimentFile: file, status: 'failed', error: 'worker ran out of memory (heap limit)' });
    const v = view(file, store);
    assert.equal(v.state, 'failed');
    assert.match(v.message, /failed: worker ran out of memory \(heap limit\)\. Fix the cause .* then Resume/);
    assert.equal(v.runs[0]!.error, 'worker ran out of memory (heap limit)');
  });

  it('reads a run whose process is gone as interrupted (cancelled, resumable), not as running', () => {
    const { file, config, store } = fixture();
    addRun(store, { config, seed: 0, alpha: 0.5, sweepId: 's', experimentFile: file, status: 'running', pid: 999_999_999 });
    const v = view(file, store);
    assert.equal(v.state, 'cancelled');
    assert.match(v.message, /was interrupted \(the process that trained it is gone\).*Resume continues from the checkpoint/);
  });

  it('reads a sweep stopped between runs as cancelled, with how many planned runs are missing', () => {
    const { file, config, store } = fixture();
    addRun(store, { config, seed: 0, alpha: 0.1, sweepId: 's', experimentFile: file, status: 'finished', accuracy: 0.8 });
    const v = view(file, store);
    assert.equal(v.state, 'cancelled');
    // 5 α × 2 seeds planned, one trained.
    assert.match(v.message, /stopped with 9 planned α × seed runs not trained; 1 of 10 α × seed runs finished/);
  });

  it('plans the sync-form schedule per sync, with the cumulative pull 1 − Π(1 − α_t)', () => {
    const { file, config, store } = fixture();
    const r = addRun(store, { config, seed: 0, alpha: 0.8, sweepId: 's', experimentFile: file, status: 'finished', accuracy: 0.9 });
    const s = scheduleView(r, 10)!;
    assert.equal(s.mode, 'sync');
    assert.deepEqual(s.steps, [10, 20, 30]);
    assert.deepEqual(s.alpha, [0.8, 0.4, 0.2]);
    assert.ok(Math.abs(s.cumulative![2]! - (1 - 0.2 * 0.6 * 0.8)) < 1e-12);
    assert.equal(s.totalSteps, 30);
    assert.equal(view(file, store, { stepsPerEpoch: 10 }).schedule?.runId, r.id);
  });

  it('samples the forward-form schedule as the learner computes it, with no cumulative pull', () => {
    const { dir } = fixture();
    const { config } = writeExperiment(dir, 'fwd', { ...IMLP, interpolation: { ...IMLP.interpolation, mode: 'forward', syncEvery: undefined, schedule: { kind: 'linear' } } });
    const store = new ResultsStore(`${dir}/.imlp2`);
    const r = addRun(store, { config, seed: 0, alpha: 0.6, status: 'finished', accuracy: 0.9 });
    const s = scheduleView(r, 1000)!;
    assert.equal(s.cumulative, null);
    assert.ok(s.steps.length <= 402);
    assert.equal(s.steps[0], 1);
    assert.equal(s.alpha[0], 0.6);
    assert.equal(s.steps[s.steps.length - 1], 3000);
    // Step 3000 (t = 2999 of T = 3000): α0 (1 − t/T).
    assert.ok(Math.abs(s.alpha[s.alpha.length - 1]! - 0.6 * (1 / 3000)) < 1e-12);
  });

  it('has no schedule for a run that does not interpolate', () => {
    const { dir } = fixture();
    const { config } = writeExperiment(dir, 'mlp', { model: { kind: 'mlp', hidden: [16] } });
    const store = new ResultsStore(`${dir}/.imlp3`);
    assert.equal(scheduleView(addRun(store, { config, seed: 0, status: 'finished', accuracy: 0.9 }), 10), null);
  });
});

describe('loss series', () => {
  const step = (globalStep: number, loss: number, priorLoss?: number): TrainEvent => ({ type: 'step', epoch: 0, step: globalStep - 1, globalStep, stepsPerEpoch: 5, loss, ...(priorLoss === undefined ? {} : { priorLoss }) });

  it('collects M and P losses, evaluations and syncs from the stored events', () => {
    const events: TrainEvent[] = [step(1, 2.3, 2.2), step(2, 2.1, 1.9), { type: 'sync', epoch: 0, globalStep: 2, index: 0, alpha: 0.5 },
      { type: 'eval', epoch: 0, globalStep: 2, testLoss: 0.9, testAccuracy: 0.71, prior: { testLoss: 0.5, testAccuracy: 0.83 } },
      { type: 'checkpoint', epoch: 1, globalStep: 2, path: 'checkpoint' }];
    const { series, stepsPerEpoch } = seriesFromEvents('r1', events);
    assert.equal(stepsPerEpoch, 5);
    assert.deepEqual(series.steps, [1, 2]);
    assert.deepEqual(series.loss, [2.3, 2.1]);
    assert.deepEqual(series.priorLoss, [2.2, 1.9]);
    assert.deepEqual(series.evals, [{ step: 2, accuracy: 0.71, loss: 0.9, priorAccuracy: 0.83 }]);
    assert.deepEqual(series.syncs, [{ step: 2, alpha: 0.5 }]);
  });

  it('after a resume, replaces the steps recorded again instead of drawing them twice', () => {
    const s = emptySeries('r');
    for (const e of [step(1, 3), step(2, 2), step(3, 1), { type: 'eval', epoch: 0, globalStep: 3, testLoss: 1, testAccuracy: 0.5 } as TrainEvent, step(2, 2.5), step(3, 1.5)]) appendEvent(s, e);
    assert.deepEqual(s.steps, [1, 2, 3]);
    assert.deepEqual(s.loss, [3, 2.5, 1.5]);
    assert.deepEqual(s.evals, []);
  });

  it('exports the series as CSV and SVG', () => {
    const { series } = seriesFromEvents('r1', [step(1, 2.3), step(2, 2.1), { type: 'eval', epoch: 0, globalStep: 2, testLoss: 0.9, testAccuracy: 0.71 }]);
    assert.equal(lossCsv(series), 'step,trainLoss,priorTrainLoss,testAccuracy,testLoss,priorTestAccuracy,syncAlpha\r\n1,2.3,,,,,\r\n2,2.1,,0.71,0.9,,\r\n');
    const svg = lossSvg(series, 'Training of r1');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /Training of r1/);
    assert.equal((svg.match(/class="point"/g) ?? []).length, 1);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });

  it('exports the schedule as CSV and SVG', () => {
    const v = { runId: 'r', mode: 'sync' as const, schedule: 'constant', alpha0: 0.5, totalSteps: 4, steps: [2, 4], alpha: [0.5, 0.5], cumulative: [0.5, 0.75] };
    assert.equal(scheduleCsv(v), 'step,alpha,cumulativePull\r\n2,0.5,0.5\r\n4,0.5,0.75\r\n');
    const svg = scheduleSvg(v, 'α schedule of r');
    assert.match(svg, /cumulative pull 1 − Π\(1 − α_t\)/);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });
});

describe('panel page and messages', () => {
  it('allows only the nonce-tagged bundle: no inline script, no eval, no other origin', () => {
    const html = panelHtml({ cspSource: 'https://webview.test', script: 'https://webview.test/main.js', styles: ['https://webview.test/panel.css'] }, 'I-MLP <x>');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    assert.match(csp, /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src https:\/\/webview\.test; img-src https:\/\/webview\.test data:; font-src https:\/\/webview\.test$/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    assert.deepEqual([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [` nonce="${nonce}" src="https://webview.test/main.js"`]);
    assert.match(html, /<title>I-MLP &lt;x><\/title>/);
    assert.notEqual(nonce, /'nonce-([^']+)'/.exec(contentSecurityPolicy('x', 'other'))![1]);
  });

  it('drops malformed messages from the page', () => {
    assert.ok(isFromPanel({ type: 'ready' }));
    assert.ok(isFromPanel({ type: 'export', chart: 'loss', format: 'csv' }));
    assert.ok(isFromPanel({ type: 'export', chart: 'accuracy', format: 'png', pngDataUrl: 'data:image/png;base64,AAAA' }));
    for (const bad of [null, 'ready', { type: 'run' }, { type: 'action', action: 'rm -rf' }, { type: 'export', chart: 'loss', format: 'exe' },
      { type: 'export', chart: 'loss', format: 'png' }, { type: 'export', chart: 'loss', format: 'png', pngDataUrl: 'javascript:alert(1)' },
      { type: 'select' }, { type: 'png', requestId: '1', dataUrl: null }]) {
      assert.equal(isFromPanel(bad), false, JSON.stringify(bad));
    }
    assert.ok(isToPanel({ type: 'append', series: emptySeries('r'), currentStep: 3 }));
    assert.equal(isToPanel({ type: 'append', series: { runId: 'r', steps: ['1'], loss: [], evals: [], syncs: [] }, currentStep: 3 }), false);
  });

  it('restores only well-formed targets, one panel per target', () => {
    assert.ok(isPanelTarget({ kind: 'experiment', file: '/w/a.imlp.json' }));
    assert.ok(isPanelTarget({ kind: 'sweeps', root: '/w/.imlp', sweepIds: ['a', 'b'] }));
    for (const bad of [undefined, {}, { kind: 'experiment', file: '' }, { kind: 'sweeps', root: '/w', sweepIds: [1] }, { kind: 'shell', cmd: 'x' }]) assert.equal(isPanelTarget(bad), false);
    const a: PanelTarget = { kind: 'sweeps', root: '/r', sweepIds: ['b', 'a'] };
    assert.equal(targetKey(a), targetKey({ kind: 'sweeps', root: '/r', sweepIds: ['a', 'b'] }));
    assert.notEqual(targetKey(a), targetKey({ kind: 'experiment', file: '/r' }));
  });
});
