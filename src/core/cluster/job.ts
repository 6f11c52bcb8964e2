// A sweep handed to a cluster scheduler: which experiment, how many shards, where results go, what each
// task may use. The Slurm script (slurm.ts) and the Kubernetes manifest (k8s.ts) are written from it.
// Nothing here submits anything: the files are for the user to review and submit.
import { basename, dirname, join } from 'node:path';
import type { ExperimentConfig } from '../experiment/types';
import { planSweep } from '../sweep/plan';

export type ClusterKind = 'slurm' | 'k8s';

/** A bad option; the message names the option and what to give instead. */
export class ClusterJobError extends Error {}

export interface ClusterJob {
  /** The experiment's name, for job names and labels. */
  name: string;
  sweepId: string;
  /** Absolute path of the experiment file. */
  experimentFile: string;
  /** The experiment file's text (the Kubernetes manifest carries it in a ConfigMap). */
  experimentText: string;
  /** Planned runs, the frozen prior not counted (it is trained once, by the first shard that needs it). */
  plannedRuns: number;
  shards: number;
  /** Flags repeated on every shard's `imlp sweep` (e.g. --seed, --backend, --parallel). */
  sweepFlags: string[];
  cpus: number;
  /** Memory per task in MiB. */
  memMiB: number;
}

export interface SlurmOptions {
  /** Absolute results folder on the shared file system. */
  results: string;
  /** The command that runs imlp on the compute nodes, as words (e.g. ["node", "/home/me/imlp/dist/cli.js"]). */
  imlp: string[];
  /** Working directory of the tasks. */
  workdir: string;
  /** Folder of the task logs (created when the script is written: sbatch does not create it). */
  logDir: string;
  /** Slurm time limit, e.g. "12:00:00" or "2-00:00:00". */
  time: string;
  partition?: string;
  account?: string;
  /** Exported before imlp starts (e.g. IMLP_DATA_DIR: where the editor's runs find their datasets). */
  env?: Record<string, string>;
}

export interface K8sOptions {
  image: string;
  /** PersistentVolumeClaim holding the results (and downloaded datasets). */
  pvc: string;
  namespace?: string;
}

export const DEFAULTS = { cpus: 2, mem: '8G', time: '12:00:00', pvc: 'imlp-results' } as const;

/** Where the job file goes by default: beside the experiment file, named after it. */
export function defaultJobFile(experimentFile: string, kind: ClusterKind): string {
  const base = basename(experimentFile).replace(/\.imlp\.json$/, '').replace(/\.json$/, '');
  return join(dirname(experimentFile), `${base}.${kind === 'slurm' ? 'slurm.sh' : 'k8s.yaml'}`);
}

/** "8G", "8000M", "8GiB", "512MB" → MiB. Units are binary, as Slurm reads them; no unit means MiB, as Slurm's --mem. */
export function parseMem(text: string, flag = '--mem'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])i?B?)?\s*$/i.exec(text);
  if (!m) throw new ClusterJobError(`${flag} "${text}": give a size such as 8G, 16G or 4000M`);
  const scale: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };
  const mib = Math.ceil(Number(m[1]) * scale[(m[2] ?? 'M').toUpperCase()]!);
  if (!(mib >= 1)) throw new ClusterJobError(`${flag} "${text}": must be at least 1M`);
  return mib;
}

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export function checkTime(text: string, flag = '--time'): string {
  if (!/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}){0,2})$/.test(text.trim())) {
    throw new ClusterJobError(`${flag} "${text}": give a Slurm time limit such as 12:00:00 (hours), 90 (minutes) or 2-00:00:00 (days)`);
  }
  return text.trim();
}

export interface JobInput {
  config: ExperimentConfig;
  experimentFile: string;
  experimentText: string;
  /** Default: one shard per planned run. */
  shards?: number;
  sweepFlags?: string[];
  cpus?: number;
  mem?: string;
}

export function clusterJob(input: JobInput): ClusterJob {
  const plan = planSweep(input.config);
  const plannedRuns = plan.runs.length;
  const shards = input.shards ?? plannedRuns;
  if (!Number.isInteger(shards) || shards < 1) throw new ClusterJobError(`--shards ${shards}: give a whole number of at least 1`);
  if (shards > plannedRuns) {
    throw new ClusterJobError(`--shards ${shards}: the sweep has ${plannedRuns} planned run${plannedRuns === 1 ? '' : 's'}, so ${shards - plannedRuns} shard${shards - plannedRuns === 1 ? '' : 's'} would have nothing to do; use --shards ${plannedRuns} or fewer`);
  }
  const cpus = input.cpus ?? DEFAULTS.cpus;
  if (!Number.isInteger(cpus) || cpus < 1) throw new ClusterJobError(`--cpus ${cpus}: give a whole number of at least 1`);
  return {
    name: input.config.name,
    sweepId: plan.sweepId,
    experimentFile: input.experimentFile,
    experimentText: input.experimentText,
    plannedRuns,
    shards,
    sweepFlags: input.sweepFlags ?? [],
    cpus,
    memMiB: parseMem(input.mem ?? DEFAULTS.mem),
  };
}

/** A name Slurm and Kubernetes both accept: lower-case letters, digits and dashes, at most `max` long. */
export function dnsName(text: string, max = 63): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-');
  return (s || 'sweep').slice(0, max).replace(/-+$/, '');
}
