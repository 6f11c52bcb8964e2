// The memory guard (spec/imlp-method.md §2 "Size"): dense forms explode with channels × resolution, so
// the size of every dense matrix of M is computed from the experiment file alone, before anything is
// allocated, and a run that would not fit is refused with the numbers and what to change.
import os from 'node:os';
import type { InterpolationConfig, LayerSpec, OptimizerConfig, PriorConfig } from '../experiment/types';
import type { Shape } from '../models/layers';
import { resolveLayers } from '../models/network';
import { FP32_BYTES } from './denseForm';
import { type DenseOp, buildMirror } from './mirror';

export interface MemoryQuery {
  priorLayers: LayerSpec[];
  /** One example, [H, W, C]. */
  inputShape: Shape;
  classes: number;
  optimizer: OptimizerConfig;
  mode: InterpolationConfig['mode'];
  source: PriorConfig['source'];
}

export interface DenseLayerSize {
  /** The prior layers it mirrors, as the experiment file names them ("prior.layers[4] + prior.layers[5]"). */
  layer: string;
  din: number;
  dout: number;
  entries: number;
  bytes: number;
}

export interface MemoryEstimate {
  /** Every dense matrix of M. */
  layers: DenseLayerSize[];
  /** What the total is made of, in bytes. */
  parts: { what: string; bytes: number }[];
  totalBytes: number;
}

export class MemoryBudgetError extends Error {}

/** Longest Float32Array Node 20 allows: a dense matrix is built in one. */
export const MAX_TYPED_ARRAY_ENTRIES = 2 ** 32;

/** Default share of the free memory a run may plan to use (activations, the data set and V8 need the rest). */
const FREE_MEMORY_SHARE = 0.5;

/**
 * The wasm backend keeps every tensor in one 32-bit WebAssembly heap of at most 4 GiB, and running out
 * aborts the whole process (cnn-medium on 32×32×3 with Adam did); plan for 3 GiB of it.
 */
const WASM_HEAP_BUDGET = 3 * 2 ** 30;

const sizeOf = (s: Shape) => s.reduce((a, b) => a * b, 1);

/**
 * Copies of every parameter the optimiser adds: its state, and the temporaries of one update.
 * optimizer.ts updates every parameter inside ONE tf.tidy, so all of them exist at once (Adam: 10
 * intermediate results and 3 new values per parameter; SGD with momentum 4; plain SGD 2).
 */
function optimizerCopies(o: OptimizerConfig): { state: number; step: number; stateWhat: string; name: string } {
  if (o.name === 'adam') return { state: 2, step: 13, stateWhat: 'Adam moments m, v', name: 'Adam' };
  return o.momentum > 0
    ? { state: 1, step: 4, stateWhat: 'SGD momentum buffer', name: 'SGD' }
    : { state: 0, step: 2, stateWhat: '', name: 'SGD' };
}

/** "4+5" → "prior.layers[4] + prior.layers[5]"; "1.block0.token1" → "prior.layers[1].block0.token1". */
function priorLayerName(name: string): string {
  return name.split('+').map((key) => key.replace(/^(\d+)/, 'prior.layers[$1]')).join(' + ');
}

/** Memory an I-MLP run needs, from shapes alone (nothing is allocated). */
export function estimateMemory(q: MemoryQuery): MemoryEstimate {
  const priorLayers = resolveLayers(q.priorLayers, q.inputShape, q.classes, 'prior.layers');
  const mirror = buildMirror(priorLayers);
  const layers = mirror.ops
    .filter((o): o is DenseOp => o.op === 'dense')
    .map((o) => ({ layer: priorLayerName(o.name), din: o.din, dout: o.dout, entries: o.din * o.dout, bytes: o.din * o.dout * FP32_BYTES }));
  const m = mirror.params.reduce((n, p) => n + sizeOf(p.shape), 0) * FP32_BYTES;
  const prior = priorLayers.reduce((n, l) => n + l.params.reduce((k, p) => k + sizeOf(p.shape), 0), 0) * FP32_BYTES;
  const opt = optimizerCopies(q.optimizer);
  // Copies of M's parameters alive at a step's peak. Counted as a sum, not the max over the phases of
  // a step: freed blocks of the wasm heap are not reused perfectly. Measured peak heap on wasm
  // (cnn-small, 32×32×3, batch 128), as multiples of M's parameters: Adam 18.4 (forward form) and 20.1
  // (sync form), SGD 11.4 and 7.2, SGD with momentum 11.6 and 9.9; this model gives 23, 19, 10, 6, 13, 9.
  const copies: [string, number][] = [
    ["M's parameters W", 1],
    ['targets dense(P)', 1],
    [opt.stateWhat, opt.state],
    ['gradients and the transposed weights of the backward matmuls', 2],
    ['forward form: W_eff, its gradient and the two products of the blend', q.mode === 'forward' ? 4 : 0],
    [`temporaries of one ${opt.name} update of every parameter`, opt.step],
  ];
  const parts = [
    ...copies.filter(([, n]) => n > 0).map(([what, n]) => ({ what: `${what} (×${n})`, bytes: n * m })),
    { what: 'building one target in JS (the largest matrix)', bytes: Math.max(...layers.map((l) => l.bytes)) },
    q.source === 'co-trained'
      ? { what: `the co-trained prior's weights, gradients and ${opt.name} (×${3 + opt.state + opt.step})`, bytes: (3 + opt.state + opt.step) * prior }
      : { what: "the frozen prior's weights", bytes: prior },
  ];
  return { layers, parts, totalBytes: parts.reduce((n, p) => n + p.bytes, 0) };
}

/**
 * Refuses, with the numbers, an I-MLP that does not fit in `budgetBytes` or has a dense matrix larger
 * than a Float32Array can hold.
 */
export function checkMemory(estimate: MemoryEstimate, budgetBytes: number): void {
  const tooLong = estimate.layers.filter((l) => l.entries > MAX_TYPED_ARRAY_ENTRIES);
  if (tooLong.length === 0 && estimate.totalBytes <= budgetBytes) return;
  const problem = tooLong.length > 0
    ? `${tooLong.map((l) => l.layer).join(', ')} ${tooLong.length === 1 ? 'has a dense form' : 'have dense forms'} with more than 2^32 = ${count(MAX_TYPED_ARRAY_ENTRIES)} entries, the largest array Node can allocate`
    : `it needs about ${formatSize(estimate.totalBytes)}, more than the memory budget of ${formatSize(budgetBytes)}`;
  const width = Math.max(...estimate.layers.map((l) => l.layer.length));
  const table = estimate.layers.map((l) =>
    `  ${l.layer.padEnd(width)}  ${`${l.din} × ${l.dout}`.padStart(17)}  ${count(l.entries).padStart(15)} entries  ${formatSize(l.bytes).padStart(10)}`);
  const whatWidth = Math.max(...estimate.parts.map((p) => p.what.length));
  const parts = estimate.parts.map((p) => `  ${p.what.padEnd(whatWidth)}  ${formatSize(p.bytes).padStart(10)}`);
  throw new MemoryBudgetError([
    `The I-MLP mirroring this prior does not fit: ${problem}.`,
    "M's dense layers (float32):",
    ...table,
    'Memory of the run:',
    ...parts,
    `  ${'total'.padEnd(whatWidth)}  ${formatSize(estimate.totalBytes).padStart(10)}  (budget ${formatSize(budgetBytes)})`,
    'Make the prior smaller: a larger conv stride, fewer channels, a lower input resolution (dataset.resize32 off), ' +
      'or a smaller preset (e.g. "cnn-small"); or use SGD instead of Adam. If the machine has the memory, raise the budget with ' +
      `IMLP_MEMORY_BUDGET (e.g. "${Math.ceil(estimate.totalBytes / 2 ** 30)}GiB"); the wasm backend cannot use more than 4 GiB.`,
  ].join('\n'));
}

/**
 * The budget: IMLP_MEMORY_BUDGET when set (bytes, or with a unit: "4GiB", "512MB"), else half the free
 * memory, and on the wasm backend at most 3 GiB of its 4 GiB heap.
 */
export function memoryBudget(backend?: string, env: NodeJS.ProcessEnv = process.env): number {
  const set = env.IMLP_MEMORY_BUDGET;
  if (set !== undefined && set.trim() !== '') return parseBytes(set);
  const free = FREE_MEMORY_SHARE * os.freemem();
  return backend === 'wasm' ? Math.min(free, WASM_HEAP_BUDGET) : free;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** "4GiB" → 4294967296; "1.5 GB" → 1.5e9; "123" → 123. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new MemoryBudgetError(`IMLP_MEMORY_BUDGET: "${text}" is not a size; write bytes or a number with a unit, e.g. "4GiB", "512MiB", "8GB"`);
  return Number(m[1]) * unit;
}

/** GiB, or MiB below 0.1 GiB so that small parts do not read as zero. */
const formatSize = (bytes: number) => (bytes >= 0.1 * 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
const count = (n: number) => n.toLocaleString('en-US');
