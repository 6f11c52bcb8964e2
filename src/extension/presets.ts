// The starting points of "New Experiment": the example experiment files, bundled into the extension
// (examples/ is their one source), written with the new file's name.
import cifar10 from '../../examples/cifar10-cnn-prior.imlp.json';
import cnnPrior from '../../examples/cnn-prior.imlp.json';
import demo from '../../examples/demo.imlp.json';
import mixerPrior from '../../examples/mixer-prior.imlp.json';
import pretrainedPrior from '../../examples/pretrained-prior.imlp.json';
import quick from '../../examples/quick.imlp.json';
import syncCotrained from '../../examples/sync-cotrained.imlp.json';
import twoSided from '../../examples/two-sided-sweep.imlp.json';

export interface ExperimentPreset {
  id: string;
  label: string;
  detail: string;
  body: Record<string, unknown>;
}

const preset = (id: string, label: string, body: Record<string, unknown>): ExperimentPreset => ({
  id, label, detail: typeof body.description === 'string' ? body.description : '', body,
});

export const EXPERIMENT_PRESETS: readonly ExperimentPreset[] = [
  preset('demo', 'Quick demo: a whole α sweep in about a minute', demo),
  preset('quick', 'Quick: a plain MLP on MNIST', quick),
  preset('cnn-prior', 'I-MLP with a frozen CNN prior (α sweep)', cnnPrior),
  preset('mixer-prior', 'I-MLP with a frozen MLP-Mixer prior (α sweep)', mixerPrior),
  preset('two-sided-sweep', 'Full two-sided sweep: the paper-style log grid of α × 3 seeds', twoSided),
  preset('sync-cotrained', 'I-MLP, co-trained prior with in-place syncs', syncCotrained),
  preset('cifar10-cnn-prior', 'CIFAR-10 with a CNN prior (for users with the data: ~170 MB)', cifar10),
  preset('pretrained-prior', 'I-MLP toward a prior you already trained (frozen, reused by run id)', pretrainedPrior),
];

/** The preset whose prior is an earlier prior run: New Experiment fills in which one. */
export const PRETRAINED_PRESET = 'pretrained-prior';

/** What a prior run contributes to a new experiment: its id, and the network and data it was trained on. */
export interface PriorRunInfo {
  id: string;
  model: { preset?: string; layers: unknown[] };
  dataset: Record<string, unknown>;
}

/**
 * The pre-trained-prior preset pointed at a finished prior run: prior.run, and the prior's network and
 * dataset taken from that run (dense(P) must have the shapes the run's weights have).
 */
export function withPriorRun(p: ExperimentPreset, run: PriorRunInfo): ExperimentPreset {
  const prior = { ...(run.model.preset ? { preset: run.model.preset } : { layers: run.model.layers }), source: 'frozen', run: run.id };
  return { ...p, body: { ...p.body, dataset: run.dataset, prior } };
}

/** "runs/my-test.imlp.json" → "my-test". */
export function experimentName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.imlp\.json$/i, '').replace(/\.json$/i, '') || 'experiment';
}

/** The file text of a preset for a file named `fileName`; the editor finds the schema through jsonValidation. */
export function presetText(p: ExperimentPreset, fileName: string): string {
  const { $schema: _schema, name: _name, ...rest } = p.body;
  return formatJson({ name: experimentName(fileName), ...rest }) + '\n';
}

/** JSON on one line, spaced as the examples are written: { "a": [1, 2] }. */
function flatJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flatJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${flatJson(x)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(v);
}

/** JSON as the examples are written: the top level indented, each short value on one line. */
export function formatJson(value: unknown, indent = ''): string {
  const flat = flatJson(value);
  if (value === null || typeof value !== 'object' || (indent !== '' && indent.length + flat.length <= 100)) return flat;
  const inner = indent + '  ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}
