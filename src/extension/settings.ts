// The imlp.* settings and how they reach a run: the experiment's config (backend), the training
// worker's environment (memory budget, dataset folder), the results folder and the parallelism.
// Pure (no vscode import) so the mapping is unit-tested; config.ts reads the values from VS Code.
import { availableParallelism, homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { BackendChoice, ExperimentConfig } from '../core/experiment/types';
import { MemoryBudgetError, memoryBudget, parseBytes } from '../core/method/memory';

export interface ImlpSettings {
  /** "auto" keeps each experiment file's own "backend"; any other value overrides it for runs started in VS Code. */
  backend: BackendChoice;
  /** Where datasets are downloaded and looked for ("" = $IMLP_DATA_DIR or ~/.cache/imlp/datasets). */
  dataDirectory: string;
  /** The results store, relative to the workspace folder unless absolute. */
  resultsDirectory: string;
  /** "" = automatic (half the free memory; at most 3 GiB on wasm); else a size such as "4GiB". */
  memoryBudget: string;
  /** Runs of a sweep trained at once, one worker thread each; 0 = one per core. */
  parallelWorkers: number;
  codeLensEnabled: boolean;
  /** Open the experiment's panel beside the editor when a run starts from it. */
  openPanelOnRun: boolean;
}

export const DEFAULT_SETTINGS: ImlpSettings = {
  backend: 'auto',
  dataDirectory: '',
  resultsDirectory: '.imlp',
  memoryBudget: '',
  parallelWorkers: 1,
  codeLensEnabled: true,
  openPanelOnRun: true,
};

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Reads and sanitises the settings; `get` is WorkspaceConfiguration.get of the "imlp" section. */
export function readSettings(get: (key: string) => unknown): ImlpSettings {
  const str = (key: string, fallback: string) => {
    const v = get(key);
    return typeof v === 'string' ? v.trim() : fallback;
  };
  const backend = get('backend');
  const parallel = Number(get('parallelWorkers'));
  const lens = get('codeLens.enabled');
  const openPanel = get('panel.openOnRun');
  return {
    backend: BACKENDS.includes(backend as BackendChoice) ? (backend as BackendChoice) : DEFAULT_SETTINGS.backend,
    dataDirectory: str('dataDirectory', DEFAULT_SETTINGS.dataDirectory),
    resultsDirectory: str('resultsDirectory', DEFAULT_SETTINGS.resultsDirectory) || DEFAULT_SETTINGS.resultsDirectory,
    memoryBudget: str('memoryBudget', DEFAULT_SETTINGS.memoryBudget),
    parallelWorkers: Number.isInteger(parallel) && parallel >= 0 ? parallel : DEFAULT_SETTINGS.parallelWorkers,
    codeLensEnabled: typeof lens === 'boolean' ? lens : DEFAULT_SETTINGS.codeLensEnabled,
    openPanelOnRun: typeof openPanel === 'boolean' ? openPanel : DEFAULT_SETTINGS.openPanelOnRun,
  };
}

/** "~/x" → home; a relative path → under `base` (the workspace folder). */
export function expandPath(path: string, base: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

/** The results store of a workspace folder (or of a loose file's folder). */
export function resultsRoot(settings: ImlpSettings, folder: string): string {
  return expandPath(settings.resultsDirectory, folder);
}

/** The dataset cache folder, or undefined for the engine's default ($IMLP_DATA_DIR, ~/.cache/imlp/datasets). */
export function dataCacheDir(settings: ImlpSettings, folder: string): string | undefined {
  return settings.dataDirectory ? expandPath(settings.dataDirectory, folder) : undefined;
}

/** The config a run from VS Code trains: the backend setting overrides the file's unless it is "auto". */
export function effectiveConfig(config: ExperimentConfig, settings: ImlpSettings): ExperimentConfig {
  return settings.backend === 'auto' || settings.backend === config.backend ? config : { ...config, backend: settings.backend };
}

/**
 * Runs at a time: the setting, at most the number of cores (and at least 1); 0 = one per core. Each run is
 * one single-threaded worker, so this never oversubscribes the cores (sweep/parallelism.ts). The default, 1,
 * leaves the other cores to the editor.
 */
export function parallelRuns(settings: ImlpSettings, cores = availableParallelism()): number {
  return Math.max(1, Math.min(settings.parallelWorkers || cores, cores));
}

/** The memory budget setting in bytes, or undefined when automatic. Throws a MemoryBudgetError naming the setting. */
export function parseMemoryBudget(settings: ImlpSettings): number | undefined {
  if (!settings.memoryBudget) return undefined;
  try {
    const bytes = parseBytes(settings.memoryBudget);
    if (!(bytes > 0)) throw new MemoryBudgetError('must be more than 0');
    return bytes;
  } catch (err) {
    throw new MemoryBudgetError(`Setting imlp.memoryBudget: "${settings.memoryBudget}" is not a size. Write a number with a unit, e.g. "4GiB", "512MiB" or "8GB", or leave it empty for an automatic budget.`, { cause: err });
  }
}

/** The backend whose limits apply to the memory check: the wasm heap unless the run is on cpu or native TensorFlow. */
export function budgetBackend(backend: BackendChoice): 'wasm' | 'cpu' | 'tensorflow' {
  return backend === 'cpu' || backend === 'tensorflow' ? backend : 'wasm';
}

/** The memory budget a run of `config` is checked against, as the training worker computes it. */
export function runMemoryBudget(settings: ImlpSettings, backend: BackendChoice, env: NodeJS.ProcessEnv = process.env): number {
  return parseMemoryBudget(settings) ?? memoryBudget(budgetBackend(backend), env);
}

/**
 * The training worker's process.env: the host's, plus the settings the engine reads from the
 * environment (IMLP_MEMORY_BUDGET in method/memory.ts, IMLP_DATA_DIR in data/locate.ts).
 */
export function workerEnv(settings: ImlpSettings, folder: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  const budget = parseMemoryBudget(settings);
  if (budget !== undefined) env.IMLP_MEMORY_BUDGET = String(Math.floor(budget));
  const data = dataCacheDir(settings, folder);
  if (data) env.IMLP_DATA_DIR = data;
  return env;
}

/** Everything a run started from VS Code takes from the settings. */
export interface RunSetup {
  config: ExperimentConfig;
  resultsRoot: string;
  env: NodeJS.ProcessEnv;
  parallel: number;
  cacheDir: string | undefined;
}

export function runSetup(config: ExperimentConfig, settings: ImlpSettings, folder: string, base: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): RunSetup {
  return {
    config: effectiveConfig(config, settings),
    resultsRoot: resultsRoot(settings, folder),
    env: workerEnv(settings, folder, base),
    parallel: parallelRuns(settings, cores),
    cacheDir: dataCacheDir(settings, folder),
  };
}
