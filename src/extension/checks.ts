// Every problem with an experiment file that the editor shows: the validator's (schema and
// cross-field rules, with the fix), and those the schema cannot see: a dataset that is not on this
// machine, a prior whose I-MLP does not fit in memory or whose layers do not fit the images.
// Pure (no vscode import): diagnostics.ts turns these into Diagnostics.
import { datasetStatus, type DatasetStatus } from '../core/data';
import { REGISTRY } from '../core/data/registry';
import type { DatasetConfig, ExperimentConfig } from '../core/experiment/types';
import { sizeProblem } from '../core/experiment/json';
import { ExperimentError, parseExperiment } from '../core/experiment/validate';
import { MemoryBudgetError, checkMemory, estimateMemory } from '../core/method/memory';
import { LayerError } from '../core/models/layers';
import { type Node, findNodeAtLocation } from 'jsonc-parser';
import { type Span, offsetAt, parseJsonTree, parseProblemPath, spanForPath } from './jsonPaths';

export type Severity = 'error' | 'warning' | 'info';

export interface FileProblem extends Span {
  severity: Severity;
  message: string;
  /** 'schema' (validator), 'dataset-missing' (has a quick fix), 'dataset', 'memory', 'layers'. */
  code: 'schema' | 'dataset-missing' | 'dataset' | 'memory' | 'layers';
  /** The field the problem is about, as a dotted path. */
  path: string;
  /** For 'dataset-missing': the dataset to download. */
  dataset?: DatasetConfig['name'];
}

/** One example's [H, W, C] and the class count, from the dataset settings alone (nothing is loaded). */
export function inputShapeOf(dataset: Pick<DatasetConfig, 'name' | 'resize32'>): { shape: [number, number, number]; classes: number } {
  const cifar = dataset.name === 'cifar10' || dataset.name === 'cifar100';
  const shape: [number, number, number] = cifar || dataset.resize32 ? [32, 32, 3] : [28, 28, 1];
  return { shape, classes: dataset.name === 'cifar100' ? 100 : 10 };
}

/** The memory guard of a training run, from the file alone: a message when the I-MLP does not fit (or its prior does not fit the images). */
export function memoryProblem(config: ExperimentConfig, budgetBytes: number): { code: 'memory' | 'layers'; message: string } | undefined {
  if (config.model.kind !== 'imlp' || !config.prior || !config.interpolation) return undefined;
  const { shape, classes } = inputShapeOf(config.dataset);
  try {
    checkMemory(estimateMemory({
      priorLayers: config.prior.layers, inputShape: shape, classes,
      optimizer: config.training.optimizer, mode: config.interpolation.mode, source: config.prior.source,
    }), budgetBytes);
    return undefined;
  } catch (err) {
    if (err instanceof MemoryBudgetError) return { code: 'memory', message: err.message };
    if (err instanceof LayerError) return { code: 'layers', message: `${err.message} (for ${shape.join('×')} ${config.dataset.name} images)` };
    throw err;
  }
}

/** Whether a dataset's files are on this machine; a missing one that can be downloaded gets a quick fix. */
export async function datasetProblem(config: ExperimentConfig, cacheDir: string | undefined): Promise<{ code: 'dataset-missing' | 'dataset'; severity: Severity; message: string; status: DatasetStatus } | undefined> {
  const status = await datasetStatus(config.dataset.name, { dataDir: config.dataset.dataDir, ...(cacheDir ? { cacheDir } : {}) });
  if (status.present) return undefined;
  const title = REGISTRY[config.dataset.name].title;
  if (status.downloadable) {
    return { code: 'dataset-missing', severity: 'warning', status, message: `${status.message}. Download ${title} now with the quick fix (or the command "I-MLP: Download Dataset"), or let the first run fetch it.` };
  }
  return { code: 'dataset', severity: config.dataset.dataDir ? 'error' : 'warning', status, message: status.message };
}

export interface CheckOptions {
  /** The memory budget in bytes (settings or automatic), or how to get it for the file's config; undefined skips the memory check. */
  budgetBytes?: number | ((config: ExperimentConfig) => number | undefined);
  /** The dataset cache folder (imlp.dataDirectory), undefined for the default. */
  cacheDir?: string;
  /** false: skip the file-system check of the dataset (e.g. while typing). */
  checkDataset?: boolean;
}

/** All problems of an experiment file's text, each placed on the field it is about. */
export async function fileProblems(text: string, file: string, opts: CheckOptions = {}): Promise<FileProblem[]> {
  // Before any parsing: a syntax tree of a file of many MB costs the extension host seconds and GBs.
  const tooLarge = sizeProblem(Buffer.byteLength(text, 'utf8'));
  if (tooLarge) return [{ offset: 0, length: 0, severity: 'error', code: 'schema', path: '', message: `${tooLarge.message} — ${tooLarge.fix}` }];
  const root = parseJsonTree(text);
  let config: ExperimentConfig;
  try {
    config = parseExperiment(text, file);
  } catch (err) {
    if (!(err instanceof ExperimentError)) throw err;
    return err.problems.map((p) => {
      const span = p.line !== undefined && p.column !== undefined
        ? { offset: offsetAt(text, p.line, p.column), length: 1 }
        : spanForPath(text, p.path, root);
      return { ...span, severity: 'error' as const, code: 'schema' as const, path: p.path, message: `${p.message} — ${p.fix}` };
    });
  }
  const problems: FileProblem[] = [];
  const datasetPath = findPath(root, ['dataset.name', 'dataset']);
  if (opts.checkDataset !== false) {
    const d = await datasetProblem(config, opts.cacheDir);
    if (d) problems.push({ ...spanForPath(text, datasetPath, root), severity: d.severity, code: d.code, path: datasetPath, message: d.message, ...(d.code === 'dataset-missing' ? { dataset: config.dataset.name } : {}) });
  }
  const budget = typeof opts.budgetBytes === 'function' ? opts.budgetBytes(config) : opts.budgetBytes;
  if (budget !== undefined) {
    const m = memoryProblem(config, budget);
    if (m) {
      const path = m.code === 'layers' ? findPath(root, ['prior.layers', 'prior.preset', 'prior']) : 'prior';
      problems.push({ ...spanForPath(text, path, root), severity: 'error', code: m.code, path, message: m.message });
    }
  }
  return problems;
}

/** The first of `paths` written in the file ("dataset.name" when the object form is used, else "dataset"). */
function findPath(root: Node | undefined, paths: string[]): string {
  return paths.find((p) => root && findNodeAtLocation(root, parseProblemPath(p))) ?? paths.at(-1)!;
}
