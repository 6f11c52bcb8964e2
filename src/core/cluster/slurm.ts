// The sbatch job-array script of a sweep: one array task per shard, each running
// `imlp sweep FILE --shard $SLURM_ARRAY_TASK_ID/N`. Every task re-runs the same command when requeued
// or resubmitted, and the sweep skips finished runs and resumes interrupted ones from their checkpoints,
// so nothing is lost or done twice.
import { type ClusterJob, ClusterJobError, type SlurmOptions, dnsName } from './job';

/** Single-quoted for bash (a quote inside becomes '\''). Words of safe characters stay bare. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** #SBATCH values are not quoted: refuse what would break the line, naming the imlp option that set it. */
function directive(flag: string, value: string, option = `--${flag}`, given = value): string {
  if (/[\s#'"\\]/.test(value)) throw new ClusterJobError(`${option} "${given}": a Slurm #SBATCH line cannot hold spaces, quotes or #; choose ${option === '--log-dir' ? 'a log folder' : 'a value'} without them`);
  return `#SBATCH --${flag}=${value}`;
}

export function slurmScript(job: ClusterJob, opts: SlurmOptions): string {
  const n = job.shards;
  const command = [
    '"${IMLP[@]}"', 'sweep', shellQuote(job.experimentFile),
    '--shard', `"\${SLURM_ARRAY_TASK_ID}/${n}"`, '--results', shellQuote(opts.results), ...job.sweepFlags.map(shellQuote),
  ].join(' ');
  const lines = [
    '#!/bin/bash',
    `# I-MLP sweep "${job.name.replace(/[\r\n]/g, ' ')}" (sweep id ${job.sweepId}): ${job.plannedRuns} planned runs in ${n} shard${n === 1 ? '' : 's'}, one array task each.`,
    '# Written by `imlp sweep --emit slurm`. Review it, then submit it yourself:  sbatch THIS_FILE',
    '# A task runs its shard\'s runs; finished runs are skipped and interrupted ones resume from their last',
    '# checkpoint, so a requeued or resubmitted task continues where it stopped. The frozen prior is trained',
    '# once, by the first task that needs it (a lock under the results folder); the other tasks wait for it.',
    '# When the array is done:  imlp report --results RESULTS  (it lists any planned run still missing).',
    directive('job-name', `imlp-${dnsName(job.name, 40)}`),
    directive('array', `0-${n - 1}`),
    directive('cpus-per-task', String(job.cpus)),
    directive('mem', `${job.memMiB}M`),
    directive('time', opts.time),
    // %x job name, %A array job id, %a task index; the folder must exist before submission.
    directive('output', `${opts.logDir}/%x-%A_%a.out`, '--log-dir', opts.logDir),
    // A requeued task writes to the same log: keep the earlier attempt's lines above its own.
    '#SBATCH --open-mode=append',
    // Requeued after a node failure or preemption, the task resumes its runs.
    '#SBATCH --requeue',
    // Two minutes before the time limit imlp gets SIGINT: it stops at the next step and saves a checkpoint.
    '#SBATCH --signal=B:INT@120',
    ...(opts.partition ? [directive('partition', opts.partition)] : []),
    ...(opts.account ? [directive('account', opts.account)] : []),
    '',
    'set -euo pipefail',
    ': "${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array, one task per shard}"',
    '# How the compute nodes run imlp; e.g. IMLP=(imlp) after `npm link` or `npm install -g`.',
    `IMLP=(${opts.imlp.map(shellQuote).join(' ')})`,
    // Relative paths in the experiment (e.g. dataset.dataDir) mean what they meant where the job was written.
    `cd ${shellQuote(opts.workdir)}`,
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `echo "imlp shard \${SLURM_ARRAY_TASK_ID}/${n} of sweep ${job.sweepId} on $(hostname), job \${SLURM_ARRAY_JOB_ID:-?}, restart \${SLURM_RESTART_COUNT:-0}"`,
    // exec: imlp itself gets the time-limit signal and Slurm sees its exit code.
    `exec ${command}`,
    '',
  ];
  return lines.join('\n');
}
