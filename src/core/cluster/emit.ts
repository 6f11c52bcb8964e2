// Writes a sweep's cluster job file (Slurm script or Kubernetes manifest) for the user to review; the
// CLI (`imlp sweep --emit`) and the extension (I-MLP: Emit Cluster Job…) both come through here.
// It never submits anything.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../results/atomic';
import { type ClusterJob, type ClusterKind, ClusterJobError, type K8sOptions, type SlurmOptions } from './job';
import { k8sManifest } from './k8s';
import { slurmScript } from './slurm';

export type EmitTarget = { kind: 'slurm'; options: SlurmOptions } | { kind: 'k8s'; options: K8sOptions };

export function jobText(job: ClusterJob, target: EmitTarget): string {
  return target.kind === 'slurm' ? slurmScript(job, target.options) : k8sManifest(job, target.options);
}

export interface Emitted {
  file: string;
  kind: ClusterKind;
  /** The command that submits it (for the user to run). */
  submit: string;
  /** False when the file already held exactly this text. */
  changed: boolean;
}

/**
 * Writes the job file. An existing file with other content (perhaps edited by hand) is replaced only
 * with `force`. For Slurm, the log folder is created: sbatch fails a task whose output folder is missing.
 */
export function emitJob(job: ClusterJob, target: EmitTarget, file: string, force = false): Emitted {
  const text = jobText(job, target);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before !== undefined && before !== text && !force) {
    throw new ClusterJobError(`${file} exists with other content (edited by hand?); pass --force to replace it, or --out to write another file`);
  }
  mkdirSync(dirname(file), { recursive: true });
  if (before !== text) writeFileAtomic(file, text);
  if (target.kind === 'slurm') {
    chmodSync(file, 0o755);
    mkdirSync(target.options.logDir, { recursive: true });
  }
  return { file, kind: target.kind, submit: target.kind === 'slurm' ? `sbatch ${file}` : `kubectl apply -f ${file}`, changed: before !== text };
}
