import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seedStats } from '../../src/core/analysis';
import type { ExperimentConfig, InterpolationConfig } from '../../src/core/experiment/types';
import { PALETTE, reportCsv, reportSvg, reportText, summarizeSweep, summarizeSweeps, type ReportInput } from '../../src/core/report';
import type { RunRecord, RunRole, RunStatus } from '../../src/core/results';

// ---- A small factory of hand-made run records ------------------------------------------------

interface RunSpec {
  alpha?: number;
  seed: number;
  role?: RunRole;
  status?: RunStatus;
  accuracy?: number;
  sweepId?: string;
  name?: string;
  interpolation?: Partial<InterpolationConfig>;
  alphas?: number[];
  seeds?: number[];
  preset?: string;
  finishedAt?: string;
  flops?: number;
}

let counter = 0;

function configFor(s: RunSpec): ExperimentConfig {
  const interpolation: InterpolationConfig = {
    alphas: s.alphas ?? [],
    mode: 'forward',
    syncEvery: 'epoch',
    schedule: { kind: 'constant' },
    biases: true,
    exclude: [],
    resetOptimizerOnSync: false,
    evaluate: 'after-sync',
    ...s.interpolation,
  };
  return {
    version: 1,
    name: s.name ?? 'sweep',
    dataset: { name: 'mnist', augment: { crop: 0, flip: false } },
    model: { kind: 'imlp' },
    training: { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', lr: 0.1, momentum: 0 }, seeds: s.seeds ?? [0, 1, 2], dropLast: false, evalEvery: 0 },
    backend: 'cpu',
    prior: { preset: s.preset ?? 'cnn-small', layers: [], source: 'frozen' },
    interpolation: (s.role ?? 'run') === 'run' ? interpolation : undefined,
  };
}

function run(s: RunSpec): RunRecord {
  const status = s.status ?? 'finished';
  const id = `r${String(++counter).padStart(4, '0')}-s${s.seed}-a${s.alpha ?? s.role}`;
  return {
    schema: 1,
    id,
    name: s.name ?? 'sweep',
    config: configFor(s),
    seed: s.seed,
    alpha: s.alpha,
    role: s.role ?? 'run',
    sweepId: s.sweepId ?? 'sw-1',
    status,
    versions: { imlp: '0.1.0', tfjs: '4.22.0', node: '20' },
    host: { platform: 'linux', arch: 'x64', cpus: 2 },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:10:00.000Z',
    finishedAt: status === 'finished' ? (s.finishedAt ?? '2026-01-01T00:10:00.000Z') : undefined,
    timings: { seconds: 12.5 },
    progress: { epoch: 2, globalStep: 100 },
    result: status === 'finished' ? { testAccuracy: s.accuracy ?? 0.9, testLoss: 0.3, flops: s.flops } : undefined,
  };
}

/** Accuracy rising in log10 α up to 0.5 and falling in log10(1 − α) after, plus a per-seed offset. */
function accuracyAt(alpha: number, seed: number): number {
  const offset = [-0.01, 0, 0.012][seed % 3]!;
  if (alpha === 0) return 0.7 + offset;
  if (alpha === 1) return 0.9 + offset;
  const base = alpha <= 0.5 ? 0.8 + 0.02 * Math.log10(alpha / 0.5) : 0.8 - 0.03 * Math.log10((1 - alpha) / 0.5);
  return base + offset;
}

const ALPHAS = [0, 1e-3, 1e-2, 0.1, 0.5, 0.9, 0.99, 0.999, 1];
const SEEDS = [0, 1, 2];

/** A complete sweep with both references; `extra` overrides each α run's spec. */
function sweep(extra: Partial<RunSpec> = {}, alphas = ALPHAS, seeds = SEEDS): RunRecord[] {
  const runs = alphas.flatMap((alpha) => seeds.map((seed) => run({ alpha, seed, accuracy: accuracyAt(alpha, seed), alphas, seeds, ...extra })));
  const refs = seeds.flatMap((seed) => [
    run({ seed, role: 'prior', accuracy: 0.95 + seed * 0.001, sweepId: extra.sweepId, name: extra.name }),
    run({ seed, role: 'plain-mlp', accuracy: 0.75 - seed * 0.002, sweepId: extra.sweepId, name: extra.name }),
  ]);
  return [...runs, ...refs];
}

// ---- A tiny XML well-formedness check (Node has no XML parser and the project adds no dependency) ----

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const ATTR = /\s+([A-Za-z_:][\w:.-]*)\s*=\s*"([^"<]*)"/y;

function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  for (const token of body.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!token.startsWith('<')) {
      assert.ok(!/&/.test(token.replace(ENTITY, '')), `bare & in text ${JSON.stringify(token)}`);
      assert.ok(stack.length > 0 || token.trim() === '', `text outside the root: ${JSON.stringify(token)}`);
      continue;
    }
    const close = /^<\/([A-Za-z_][\w:.-]*)\s*>$/.exec(token);
    if (close) {
      assert.equal(stack.pop(), close[1], `closing </${close[1]}> does not match`);
      continue;
    }
    const open = /^<([A-Za-z_][\w:.-]*)/.exec(token);
    assert.ok(open, `malformed tag ${token}`);
    const names = new Set<string>();
    ATTR.lastIndex = open[0].length;
    let m: RegExpExecArray | null;
    let end = open[0].length;
    while ((m = ATTR.exec(token))) {
      assert.ok(!names.has(m[1]!), `attribute ${m[1]} repeated in ${token}`);
      names.add(m[1]!);
      assert.ok(!/&/.test(m[2]!.replace(ENTITY, '')), `bare & in attribute of ${token}`);
      end = ATTR.lastIndex;
    }
    const rest = token.slice(end);
    assert.match(rest, /^\s*\/?>$/, `malformed tag ${token}`);
    if (stack.length === 0) roots++;
    if (!rest.includes('/')) stack.push(open[1]!);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

// ---- Tests ------------------------------------------------------------------------------------

describe('summarizeSweep', () => {
  const records = sweep({}, ALPHAS, SEEDS);
  const report = summarizeSweep(records);

  test('per-α statistics are seedStats of the seeds’ accuracies', () => {
    assert.deepEqual(report.byAlpha.map((g) => g.alpha), ALPHAS);
    for (const g of report.byAlpha) {
      const expected = seedStats(SEEDS.map((seed) => accuracyAt(g.alpha, seed)));
      assert.deepEqual(g.stats, expected);
      assert.deepEqual(g.runs.map((u) => u.seed), SEEDS);
      assert.equal(g.min, Math.min(...SEEDS.map((seed) => accuracyAt(g.alpha, seed))));
    }
  });

  test('references, fit, finding and counts', () => {
    assert.deepEqual(report.references.prior?.stats, seedStats([0.95, 0.951, 0.952]));
    assert.deepEqual(report.references.plainMlp?.stats, seedStats([0.75, 0.748, 0.746]));
    assert.ok(report.fit.mlpSide && report.fit.mlpSide.slope > 0);
    assert.ok(report.fit.priorSide && report.fit.priorSide.slope < 0);
    assert.equal(report.fit.mlpSide.n, 4 * SEEDS.length, 'fitted on the individual runs of 1e-3, 1e-2, 0.1, 0.5');
    assert.match(report.finding, /^MLP side \(0 < α ≤ 0\.5; 4 α values, 12 runs\): slope \+2\.00/);
    assert.deepEqual(report.counts, { finished: records.length, running: 0, cancelled: 0, failed: 0, damaged: 0 });
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.mixedSettings, []);
    assert.equal(report.sweepId, 'sw-1');
  });

  test('missing (α, seed) pairs of the planned grid, with the status of what was found there', () => {
    const grid = [0, 0.1, 0.5, 0.9, 1];
    const records = sweep({}, grid, SEEDS).filter((r) => !(r.alpha === 0.1 && r.seed === 2));
    records.push(run({ alpha: 0.5, seed: 1, status: 'failed', alphas: grid }));
    const withoutPair = records.filter((r) => !(r.alpha === 0.5 && r.seed === 1 && r.status === 'finished'));
    const r = summarizeSweep([...withoutPair, { id: '20260101-000000-broken', damaged: true, reason: 'run.json is not JSON' }]);
    assert.deepEqual(r.plannedGrid, { alphas: grid, seeds: SEEDS });
    assert.deepEqual(r.missing, [
      { alpha: 0.1, seed: 2, found: [] },
      { alpha: 0.5, seed: 1, found: ['failed'] },
    ]);
    assert.equal(r.counts.failed, 1);
    assert.equal(r.counts.damaged, 1);
    const text = reportText([r]);
    assert.match(text, /Missing runs \(no finished run\), 2: α 0\.1 seed 2 \(not started\); α 0\.5 seed 1 \(failed\)\./);
    assert.match(text, /Damaged: 20260101-000000-broken \(run\.json is not JSON\)/);
  });

  test('a rerun of the same (α, seed) replaces the older finished run instead of adding a seed', () => {
    const old = run({ alpha: 0.1, seed: 0, accuracy: 0.5, finishedAt: '2026-01-01T00:00:00.000Z' });
    const rerun = run({ alpha: 0.1, seed: 0, accuracy: 0.6, finishedAt: '2026-01-02T00:00:00.000Z' });
    const r = summarizeSweep([rerun, old]);
    assert.deepEqual(r.byAlpha[0]!.runs.map((u) => u.accuracy), [0.6]);
    assert.deepEqual(r.superseded, [old.id]);
  });

  test('runs that disagree on what α means are flagged as mixed sweeps', () => {
    const records = sweep();
    records[3] = run({ alpha: records[3]!.alpha, seed: 0, interpolation: { mode: 'sync', syncEvery: 10 } });
    const r = summarizeSweep(records);
    assert.deepEqual(r.mixedSettings, ['mode', 'syncEvery']);
    assert.deepEqual(r.settings.find((s) => s.name === 'mode')?.values, ['forward', 'sync']);
    assert.match(reportText([r]), /WARNING mixed sweeps: the runs disagree on mode \(forward \/ sync\), sync every \(epoch \/ 10 steps\)/);
  });

  test('training FLOPs per run by role, when the results carry them', () => {
    const r = summarizeSweep([run({ alpha: 0.1, seed: 0, flops: 3e12 }), run({ alpha: 0.2, seed: 0, flops: 3e12 }), run({ seed: 0, role: 'prior', flops: 1.5e15 })]);
    assert.deepEqual(r.flops, [
      { role: 'run', n: 2, min: 3e12, max: 3e12 },
      { role: 'prior', n: 1, min: 1.5e15, max: 1.5e15 },
    ]);
    assert.match(reportText([r]), /Training FLOPs per run: I-MLP 3\.0 TFLOP; prior 1\.5 PFLOP\./);
  });

  test('summarizeSweeps gives one report per sweep id, sorted, runs without one last', () => {
    const reports = summarizeSweeps([...sweep({ sweepId: 'b-mixer', preset: 'mixer-small' }), ...sweep({ sweepId: 'a-cnn' }), { id: 'x', damaged: true, reason: 'gone' }]);
    assert.deepEqual(reports.map((r) => r.sweepId), ['a-cnn', 'b-mixer', null]);
    assert.deepEqual(reports[1]!.settings.find((s) => s.name === 'priorPreset')?.values, ['mixer-small']);
    assert.equal(reports[2]!.counts.damaged, 1);
  });
});

describe('reportText', () => {
  test('table rows in percent with 2 decimals, references, fit lines and finding', () => {
    const r = summarizeSweep(sweep());
    const text = reportText([r]);
    const g = r.byAlpha.find((x) => x.alpha === 0.1)!;
    const row = text.split('\n').find((l) => l.startsWith('0.1 '))!;
    assert.deepEqual(row.trim().split(/\s+/), ['0.1', '3', `${(100 * g.stats.mean).toFixed(2)}%`, `±${(100 * g.stats.halfWidth!).toFixed(2)}`, `${(100 * g.min).toFixed(2)}–${(100 * g.max).toFixed(2)}%`]);
    assert.match(text, /\nprior alone\s+3\s+95\.10%\s+±0\.25\s+95\.00–95\.20%/);
    assert.match(text, /\nplain MLP\s+3\s+74\.80%/);
    assert.match(text, /MLP side {3}\(0 < α ≤ 0\.5\): slope \+2\.00 points per decade of α, R² \d\.\d\d, n 12/);
    assert.match(text, /prior side \(0\.5 ≤ α < 1\): slope -3\.00 points per decade of 1 − α, R² \d\.\d\d, n 12/);
    assert.match(text, /Finding: MLP side/);
    assert.match(text, /Missing runs: none \(27 planned α × seed runs finished\)\./);
  });

  test('only α = 0 and α = 1: no fit, and the text says why', () => {
    const r = summarizeSweep(sweep({}, [0, 1]));
    assert.equal(r.fit.mlpSide, null);
    assert.equal(r.fit.priorSide, null);
    const text = reportText([r]);
    assert.equal(count(text, /not fitted: the fit needs ≥ 3 α values per side/g), 2);
    const svg = reportSvg([r]);
    assertWellFormed(svg);
    assert.equal(count(svg, /class="fit /g), 0);
    assert.match(svg, /not fitted: the fit needs ≥ 3 α values per side/);
  });
});

describe('reportCsv', () => {
  test('one row per run with a header, RFC 4180 quoting', () => {
    const name = 'net, "big"';
    const records = [run({ alpha: 0.1, seed: 0, name, accuracy: 0.875 }), run({ alpha: 0.1, seed: 1, name, status: 'running' })];
    const csv = reportCsv(summarizeSweeps(records));
    const lines = csv.split('\r\n');
    assert.equal(lines.pop(), '', 'ends with CRLF');
    assert.equal(lines[0], 'sweepId,runId,role,alpha,seed,status,testAccuracy,testLoss,seconds,mode,schedule,prior,name,flops');
    assert.equal(lines.length, 3);
    assert.equal(lines[1], `sw-1,${records[0]!.id},run,0.1,0,finished,0.875,0.3,12.5,forward,constant,cnn-small,"net, ""big""",`);
    assert.equal(lines[2], `sw-1,${records[1]!.id},run,0.1,1,running,,,12.5,forward,constant,cnn-small,"net, ""big""",`);
  });
});

describe('reportSvg', () => {
  const report = summarizeSweep(sweep());
  const svg = reportSvg([report], { title: 'CNN <prior> & "MLP"' });

  test('is well-formed, standalone XML with the escaped title', () => {
    assertWellFormed(svg);
    assert.ok(!/<script|href|url\(|<foreignObject/i.test(svg), 'no scripts or external references');
    assert.match(svg, /<title>CNN &lt;prior&gt; &amp; &quot;MLP&quot;<\/title>/);
    assert.match(svg, />α \(two-sided log scale\)</);
    assert.match(svg, />test accuracy \(%\)</);
    assert.match(svg, />0\.999</, 'two-sided tick labels');
    assert.match(svg, />1e-3</);
  });

  test('one point per finished α run, a CI band, both fit lines, both references', () => {
    const finished = report.byAlpha.reduce((n, g) => n + g.runs.length, 0);
    assert.equal(finished, ALPHAS.length * SEEDS.length);
    assert.equal(count(svg, /<circle class="seed"/g), finished);
    assert.equal(count(svg, /<path class="ci-band" d="M[^"]+Z"/g), 1);
    assert.equal(count(svg, /class="fit fit-mlp"/g), 1);
    assert.equal(count(svg, /class="fit fit-prior"/g), 1);
    assert.equal(count(svg, /<line class="reference (prior|plain-mlp)"/g), 2);
    assert.match(svg, />plain MLP 74\.80%</);
    assert.match(svg, />prior alone 95\.10%</);
    assert.match(svg, /MLP side: slope \+2\.00 points per decade of α, R² \d\.\d\d, n 12/);
  });

  test('deterministic', () => {
    assert.equal(reportSvg([summarizeSweep(sweep())], { title: 'CNN <prior> & "MLP"' }), svg);
  });

  test('several sweeps get distinct colours, cycling beyond the palette', () => {
    const two = summarizeSweeps([...sweep({ sweepId: 'cnn' }), ...sweep({ sweepId: 'mixer', preset: 'mixer<1>' })]);
    const out = reportSvg(two);
    assertWellFormed(out);
    const seedColours = new Set([...out.matchAll(/<circle class="seed"[^>]* fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]));
    assert.deepEqual([...seedColours], [PALETTE[0], PALETTE[1]]);
    assert.match(out, /prior mixer&lt;1&gt;, forward/);

    const many: ReportInput[] = Array.from({ length: PALETTE.length + 1 }, (_, i) => run({ alpha: 0.1, seed: 0, sweepId: `s${String(i).padStart(2, '0')}` }));
    const manySvg = reportSvg(summarizeSweeps(many));
    const swatches = [...manySvg.matchAll(/<rect class="swatch"[^>]* fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    assert.equal(swatches.length, PALETTE.length + 1);
    assert.equal(swatches[PALETTE.length], PALETTE[0]);
  });

  test('names with markup or control characters are escaped', () => {
    const out = reportSvg(summarizeSweeps([run({ alpha: 0.1, seed: 0, name: 'a<b>&\u0001c', sweepId: "it's" })]));
    assertWellFormed(out);
    assert.match(out, /a&lt;b&gt;&amp;\ufffdc · it&apos;s/);
  });

  test('no runs at all still gives a valid, labelled plot', () => {
    const out = reportSvg([]);
    assertWellFormed(out);
    assert.match(out, />no finished runs</);
  });
});
