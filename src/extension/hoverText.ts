// What the hovers of an experiment file say (pure: hover.ts turns it into a vscode.Hover).
// On a number of interpolation.alpha: what that α does under the file's mode, sync period and
// schedule (the weight mix, the α_t over the run, the sync form's cumulative pull 1 − Π(1 − α_t)).
// On the prior: the size of every dense matrix of the I-MLP and of the whole run, from shapes alone.
import { type Node, findNodeAtLocation, findNodeAtOffset, getNodePath } from 'jsonc-parser';
import type { DatasetName, ExperimentConfig, InterpolationConfig } from '../core/experiment/types';
import { ExperimentError, parseExperiment } from '../core/experiment/validate';
import { estimateMemory } from '../core/method/memory';
import { alphaAt, cumulativePull, plannedSyncSteps } from '../core/method/schedule';
import { LayerError } from '../core/models/layers';
import { formatAlpha } from '../core/report/format';
import { inputShapeOf } from './checks';
import { type Span, parseJsonTree } from './jsonPaths';

export interface HoverText extends Span {
  /** Markdown. */
  markdown: string;
}

/** Training images of each dataset (trainSubset takes the first N of these). */
export const TRAIN_IMAGES: Readonly<Record<DatasetName, number>> = { mnist: 60_000, 'fashion-mnist': 60_000, cifar10: 50_000, cifar100: 50_000 };

/** Steps of one epoch, as the trainer counts them (src/core/method/learner.ts runLength). */
export function stepsPerEpoch(config: ExperimentConfig): number {
  const n = Math.min(config.dataset.trainSubset ?? Infinity, TRAIN_IMAGES[config.dataset.name]);
  const b = config.training.batchSize;
  return config.training.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
}

const pct = (v: number) => `${Number((100 * v).toPrecision(3))}%`;
const num = (v: number) => formatAlpha(Number(v.toPrecision(3)));
const plural = (n: number, w: string) => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;

function scheduleName(i: InterpolationConfig): string {
  return i.schedule.kind === 'exponential' ? `exponential (γ = ${i.schedule.gamma})` : i.schedule.kind;
}

/** α_t at the start, middle and end of a schedule of `total` steps or syncs, as a short line. */
function scheduleLine(i: InterpolationConfig, alpha: number, total: number, unit: 'step' | 'sync', at: (t: number) => number): string {
  if (i.schedule.kind === 'constant' || total <= 1) return `α_t = ${num(alpha)} at every ${unit} (${i.schedule.kind === 'constant' ? 'constant' : scheduleName(i)} schedule).`;
  const mid = Math.floor((total - 1) / 2);
  return `${scheduleName(i)} schedule: α_t = ${num(alphaAt(i.schedule, alpha, 0, total))} at ${unit} ${at(0)}, ` +
    `${num(alphaAt(i.schedule, alpha, mid, total))} at ${unit} ${at(mid)}, ${num(alphaAt(i.schedule, alpha, total - 1, total))} at ${unit} ${at(total - 1)}.`;
}

/** What α means for this experiment: the markdown of the hover on an α value. */
export function alphaMarkdown(config: ExperimentConfig, alpha: number): string {
  const i = config.interpolation!;
  const perEpoch = stepsPerEpoch(config);
  const steps = perEpoch * config.training.epochs;
  const lines = [`**α = ${formatAlpha(alpha)}** — W ← (1 − α)·W + α·dense(P): ${pct(1 - alpha)} the MLP's own weights W, ${pct(alpha)} the prior's dense form.`, ''];
  if (alpha === 0) lines.push('α = 0 is the plain MLP: its training is bit-for-bit that of the plain-MLP reference run.', '');
  if (i.mode === 'forward') {
    lines.push(`**forward** mode: every forward pass uses W_eff = (1 − α_t)·W + α_t·dense(P); the gradient reaching W is scaled by (1 − α_t). ` +
      `${plural(steps, 'step')} (${plural(config.training.epochs, 'epoch')} of ${perEpoch}).`, '');
    lines.push(scheduleLine(i, alpha, steps, 'step', (t) => t + 1));
    if (alpha === 1 && i.schedule.kind === 'constant') lines.push('', 'α = 1: the I-MLP computes exactly the prior\'s function (its accuracy is the prior\'s).');
    else if (i.schedule.kind !== 'constant') {
      const last = alphaAt(i.schedule, alpha, steps - 1, steps);
      lines.push('', `The evaluated network is W_eff = ${num(1 - last)}·W + ${num(last)}·dense(P) (α_t of the last step).`);
    }
  } else {
    const syncSteps = plannedSyncSteps(i.syncEvery, perEpoch, config.training.epochs);
    const k = syncSteps.length;
    const every = i.syncEvery === 'epoch' ? 'every epoch' : `every ${plural(i.syncEvery, 'step')}`;
    lines.push(`**sync** mode: W trains on its own and is pulled in place ${every}: ${plural(k, 'sync')} in ${plural(steps, 'step')}.`, '');
    if (k === 0) {
      lines.push(`No sync falls inside the run (${plural(steps, 'step')} < syncEvery ${i.syncEvery}): α changes nothing. Lower syncEvery or train longer.`);
    } else {
      const alphas = syncSteps.map((_, t) => alphaAt(i.schedule, alpha, t, k));
      lines.push(scheduleLine(i, alpha, k, 'sync', (t) => t + 1));
      lines.push('', `Cumulative pull toward the prior after the ${plural(k, 'sync')}: 1 − Π(1 − α_t) = **${pct(cumulativePull(alphas))}** ` +
        '(the share of W that the syncs alone replace by dense(P); training in between moves W again).');
      lines.push('', `Reported accuracy: ${i.evaluate === 'after-sync' ? 'after' : 'just before'} the final sync (both are recorded).` +
        (alpha === 1 && i.evaluate === 'after-sync' && alphas[k - 1] === 1 ? ' At α = 1 the final sync sets W = dense(P): the prior\'s accuracy.' : ''));
      if (i.resetOptimizerOnSync) lines.push('', 'The optimizer\'s moments are reset after each sync.');
    }
  }
  const scope = [i.biases ? 'weights, biases and LayerNorm γ/β' : 'weights only (biases keep M\'s own)', ...i.exclude.map((e) => `the ${e === 'head' ? 'head' : 'first layer'} left out`)];
  lines.push('', `Interpolated: ${scope.join('; ')}. Prior: ${config.prior?.preset ?? 'custom layers'}, ${config.prior?.source ?? 'frozen'}.`);
  return lines.join('\n');
}

/** GiB, MiB or KiB, whichever keeps one or two significant decimals (as the memory guard prints sizes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 0.1 * 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return bytes >= 0.1 * 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}
const size = formatBytes;

/** The estimated memory of the I-MLP mirroring the prior: the markdown of the hover on "prior". */
export function priorMemoryMarkdown(config: ExperimentConfig, budgetBytes?: number): string {
  const { shape, classes } = inputShapeOf(config.dataset);
  const i = config.interpolation!;
  let est;
  try {
    est = estimateMemory({ priorLayers: config.prior!.layers, inputShape: shape, classes, optimizer: config.training.optimizer, mode: i.mode, source: config.prior!.source });
  } catch (err) {
    if (err instanceof LayerError) return `**Prior**: ${err.message} (for ${shape.join('×')} ${config.dataset.name} images).`;
    throw err;
  }
  const dense = est.layers.reduce((n, l) => n + l.bytes, 0);
  const rows = est.layers.map((l) => `| ${l.layer} | ${l.din.toLocaleString('en-US')} × ${l.dout.toLocaleString('en-US')} | ${size(l.bytes)} |`);
  const fits = budgetBytes === undefined ? '' : est.totalBytes <= budgetBytes ? ` — fits the budget of ${size(budgetBytes)}` : ` — **more than the budget of ${size(budgetBytes)}**: the run would be refused`;
  return [
    `**Prior ${config.prior!.preset ?? '(custom layers)'}** on ${shape.join('×')} ${config.dataset.name} images: the I-MLP has ${plural(est.layers.length, 'dense matrix').replace('matrixs', 'matrices')} (float32), ${size(dense)} together.`,
    '',
    '| dense(P) of | in × out | size |',
    '|---|---:|---:|',
    ...rows,
    '',
    `Estimated memory of one ${i.mode}-mode run: **${size(est.totalBytes)}**${fits}.`,
  ].join('\n');
}

/** The hover at `offset` of an experiment file's text, if there is one there. */
export function hoverAt(text: string, offset: number, file: string, budgetBytes?: (config: ExperimentConfig) => number | undefined): HoverText | undefined {
  const root = parseJsonTree(text);
  if (!root) return undefined;
  const node = findNodeAtOffset(root, offset, true);
  if (!node) return undefined;
  const path = getNodePath(node);
  const onAlpha = path[0] === 'interpolation' && path[1] === 'alpha';
  const onPrior = path[0] === 'prior' && (path.length === 1 || path[1] === 'preset' || path[1] === 'layers' || path[1] === 'source');
  if (!onAlpha && !onPrior) return undefined;
  let config: ExperimentConfig;
  try {
    config = parseExperiment(text, file);
  } catch (err) {
    if (err instanceof ExperimentError) return undefined; // the diagnostics say what is wrong
    throw err;
  }
  if (config.model.kind !== 'imlp' || !config.interpolation || !config.prior) return undefined;
  if (onAlpha) {
    // A written α: the scalar, or an item of the list (not a grid's from/to/count).
    const numberNode = node.type === 'number' && (path.length === 2 || (path.length === 3 && typeof path[2] === 'number')) ? node : undefined;
    if (numberNode) return { offset: numberNode.offset, length: numberNode.length, markdown: alphaMarkdown(config, numberNode.value as number) };
    const key = keyOf(root, ['interpolation', 'alpha']);
    if (!key || !within(key, offset)) return undefined;
    const alphas = config.interpolation.alphas;
    return { offset: key.offset, length: key.length, markdown: `**${alphas.length} α ${alphas.length === 1 ? "value" : "values"}**: ${alphas.map(formatAlpha).join(', ')}. Hover one written α for what it does here.` };
  }
  const key = keyOf(root, ['prior']);
  const span = node.type === 'string' && path.length === 2 ? node : key && within(key, offset) ? key : undefined;
  if (!span) return undefined;
  return { offset: span.offset, length: span.length, markdown: priorMemoryMarkdown(config, budgetBytes?.(config)) };
}

/** The key node of the property at `path`. */
function keyOf(root: Node, path: string[]): Node | undefined {
  return findNodeAtLocation(root, path)?.parent?.children?.[0];
}

const within = (n: Node, offset: number) => offset >= n.offset && offset <= n.offset + n.length;
