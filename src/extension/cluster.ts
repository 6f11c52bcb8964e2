// Cluster sweeps from the editor: "I-MLP: Emit Cluster Job…" (and a "Cluster job…" lens on experiment
// files) writes the Slurm job-array script or the Kubernetes manifest of the file's sweep beside it and
// opens it for review, exactly as `imlp sweep --emit` would. Nothing is ever submitted: the user reads
// the file and runs sbatch or kubectl. The results come back through imlp.resultsLocations (the Runs view
// and the panel read those folders too) and the workspace's own results folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { type EmitTarget, emitJob, jobText } from '../core/cluster/emit';
import { type ClusterKind, DEFAULTS, clusterJob, defaultJobFile } from '../core/cluster/job';
import { ExperimentError, parseExperiment } from '../core/experiment/validate';
import { planSweep } from '../core/sweep/plan';
import { folderOf, isExperimentPath, resultsRootOf, settingsFor } from './config';
import { dataCacheDir, effectiveConfig } from './settings';
import type { RunsIndex } from './runsIndex';
import { RESULTS_LOCATIONS } from './resultsLocations';

export const CLUSTER_COMMAND_IDS = ['imlp.emitClusterJob'] as const;

export interface ClusterServices {
  log: vscode.LogOutputChannel;
  index: RunsIndex;
  /** The extension's own CLI bundle (dist/cli.js), which the Slurm tasks run. */
  cliPath: string;
  version: string;
}

export interface EmitRequest {
  kind?: ClusterKind;
  shards?: number;
  /** Replace an existing job file with other content without asking. */
  force?: boolean;
}

const KINDS: { cluster: ClusterKind; label: string; detail: string }[] = [
  { cluster: 'slurm', label: 'Slurm job array', detail: 'an sbatch script: one array task per shard, with resources, logs and --requeue' },
  { cluster: 'k8s', label: 'Kubernetes Indexed Job', detail: 'a manifest: the experiment in a ConfigMap, one pod per shard, results on a volume claim' },
];

/** Shard counts worth offering: one run per shard, then fewer, larger shards. */
export function shardChoices(plannedRuns: number): number[] {
  const out: number[] = [];
  for (let n = plannedRuns; n >= 1; n = n > 1 ? Math.ceil(n / 2) : 0) {
    if (!out.includes(n)) out.push(n);
    if (n === 1) break;
  }
  return out;
}

function experimentUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  return active && isExperimentPath(active.fsPath) ? active : undefined;
}

async function emit(s: ClusterServices, arg: unknown, request: EmitRequest = {}): Promise<string | undefined> {
  const uri = experimentUri(arg);
  if (!uri || uri.scheme !== 'file') throw new Error('open an experiment file (*.imlp.json) first: the cluster job runs its sweep');
  const file = uri.fsPath;
  // The saved file: that is what the cluster will read.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty) throw new Error(`save ${file} first: the cluster job runs the file as saved`);
  const text = readFileSync(file, 'utf8');
  let config;
  try {
    config = parseExperiment(text, file);
  } catch (err) {
    if (err instanceof ExperimentError) throw new Error(`${file} has ${err.problems.length} problem(s); fix them first (see the Problems view)`);
    throw err;
  }
  const kind = request.kind ?? (await vscode.window.showQuickPick(KINDS.map((k) => ({ ...k, description: k.cluster })), { title: 'I-MLP: emit a cluster job for review (nothing is submitted)' }))?.cluster;
  if (!kind) return undefined;
  const planned = planSweep(config).runs.length; // the backend setting changes the sweep's id, not its runs
  const shards = request.shards ?? (await vscode.window.showQuickPick(
    shardChoices(planned).map((n) => ({ label: `${n} shard${n === 1 ? '' : 's'}`, description: `about ${Math.ceil(planned / n)} run${Math.ceil(planned / n) === 1 ? '' : 's'} each`, n })),
    { title: `I-MLP: shards of the ${planned} planned runs (one ${kind === 'slurm' ? 'array task' : 'pod'} each)` },
  ))?.n;
  if (!shards) return undefined;
  // As a sweep started here would run it: the backend setting is part of the sweep's identity (its id),
  // and the data folder setting is where the datasets are.
  const settings = settingsFor(uri);
  const sweepFlags = settings.backend === 'auto' ? [] : ['--backend', settings.backend];
  const dataDir = dataCacheDir(settings, folderOf(uri));
  const job = clusterJob({ config: effectiveConfig(config, settings), experimentFile: file, experimentText: text, shards, sweepFlags });
  const results = resultsRootOf(uri);
  const target: EmitTarget = kind === 'slurm'
    ? {
      kind, options: {
        // `node` on the nodes' PATH runs this extension's CLI bundle (a shared home, as over Remote-SSH).
        results, imlp: ['node', s.cliPath], workdir: dirname(file), logDir: join(results, 'slurm-logs'), time: DEFAULTS.time,
        ...(dataDir ? { env: { IMLP_DATA_DIR: dataDir } } : {}),
      },
    }
    : { kind, options: { image: `imlp-lab:${s.version}`, pvc: DEFAULTS.pvc } };
  const out = defaultJobFile(file, kind);
  let force = request.force ?? false;
  if (!force && existsSync(out) && readFileSync(out, 'utf8') !== jobText(job, target)) {
    const answer = await vscode.window.showWarningMessage(`${out} exists with other content (edited by hand?). Replace it?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return undefined;
    force = true;
  }
  const emitted = emitJob(job, target, out, force);
  s.log.info(`cluster job: wrote ${out} (${kind}, ${shards} shards of sweep ${job.sweepId}); not submitted`);
  await vscode.window.showTextDocument(vscode.Uri.file(out), { preview: false });
  const back = kind === 'k8s' ? ` Results: ${DEFAULTS.pvc}:/imlp/results; add that folder, once mounted or copied here, to the imlp.${RESULTS_LOCATIONS} setting.` : '';
  void vscode.window.showInformationMessage(`I-MLP: review ${out}, then submit it yourself: ${emitted.submit}. Nothing was submitted.${back}`);
  return out;
}

/** "⚙ Cluster job…" beside the sweep lens of every valid experiment file. */
class ClusterLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('imlp.codeLens.enabled')) this.emitter.fire();
  });

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file' || !settingsFor(document.uri).codeLensEnabled) return [];
    try {
      parseExperiment(document.getText(), document.uri.fsPath);
    } catch {
      return []; // the main lenses already say how many problems there are
    }
    const top = new vscode.Range(0, 0, 0, 0);
    return [new vscode.CodeLens(top, {
      title: 'Cluster job…', command: CLUSTER_COMMAND_IDS[0], arguments: [document.uri],
      tooltip: 'Write a Slurm job-array script or a Kubernetes Indexed Job for this sweep, to review and submit yourself',
    })];
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** The cluster command, its lens, and re-reading the stores when imlp.resultsLocations changes. */
export function registerCluster(s: ClusterServices, selector: vscode.DocumentSelector): vscode.Disposable[] {
  const lenses = new ClusterLensProvider();
  return [
    lenses,
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.commands.registerCommand(CLUSTER_COMMAND_IDS[0], async (arg?: unknown, request?: EmitRequest) => {
      try {
        return await emit(s, arg, request);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        s.log.error(`${CLUSTER_COMMAND_IDS[0]} failed: ${message}`);
        void vscode.window.showErrorMessage(`I-MLP: ${message}`);
        return undefined;
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`imlp.${RESULTS_LOCATIONS}`)) s.index.reset();
    }),
  ];
}
