// The Kubernetes manifest of a sweep: a ConfigMap with the experiment file and an Indexed Job whose
// completion index is the shard (completions = parallelism = shards). Each pod runs the CLI-only image
// built from the repository's Dockerfile; results and downloaded datasets live on a
// PersistentVolumeClaim, so a retried pod resumes its shard's runs where the failed one stopped.
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { type ClusterJob, type K8sOptions, dnsName } from './job';

/** Where the pod sees the volume, the results folder on it, and the experiment file. */
export const POD_PATHS = { volume: '/imlp', results: '/imlp/results', datasets: '/imlp/datasets', experiment: '/experiment' } as const;
/** The CLI inside the image (see Dockerfile). */
const CLI = ['node', '/app/dist/cli.js'];
/** Retries of one shard before the Job marks that index failed (each retry resumes the shard). */
const RETRIES_PER_SHARD = 3;

/** A Kubernetes label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'sweep';
}

// No line folding (a long command stays one line) and no anchors/aliases (plain YAML reviewers can read).
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export interface K8sManifest {
  configMap: Record<string, unknown>;
  job: Record<string, unknown>;
}

export function k8sObjects(job: ClusterJob, opts: K8sOptions): K8sManifest {
  const name = `imlp-${dnsName(job.name, 40)}`;
  // A ConfigMap key (and so the file's name in the pod) allows only letters, digits, '-', '_' and '.'.
  const fileName = basename(job.experimentFile).replace(/[^-._a-zA-Z0-9]/g, '-');
  const labels = { 'app.kubernetes.io/name': 'imlp', 'app.kubernetes.io/component': 'sweep', 'app.kubernetes.io/instance': labelValue(job.sweepId) };
  const meta = (n: string) => ({ name: n, ...(opts.namespace ? { namespace: opts.namespace } : {}), labels });
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${name}-experiment`),
    data: { [fileName]: job.experimentText },
  };
  const container = {
    name: 'imlp',
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    command: CLI,
    // $(JOB_COMPLETION_INDEX) is expanded by Kubernetes from the env below: the shard of this pod.
    args: ['sweep', `${POD_PATHS.experiment}/${fileName}`, '--shard', `$(JOB_COMPLETION_INDEX)/${job.shards}`, '--results', POD_PATHS.results, ...job.sweepFlags],
    env: [
      // Set by the Job controller too; declared here so the expansion above never depends on it.
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'IMLP_DATA_DIR', value: POD_PATHS.datasets },
    ],
    resources: {
      requests: { cpu: String(job.cpus), memory: `${job.memMiB}Mi` },
      limits: { memory: `${job.memMiB}Mi` },
    },
    volumeMounts: [
      { name: 'results', mountPath: POD_PATHS.volume },
      { name: 'experiment', mountPath: POD_PATHS.experiment, readOnly: true },
    ],
  };
  const jobObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(name),
    spec: {
      completionMode: 'Indexed',
      completions: job.shards,
      parallelism: job.shards,
      // Per index (Kubernetes ≥ 1.29): one shard failing for good does not stop the others.
      backoffLimitPerIndex: RETRIES_PER_SHARD,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // The image runs as its `node` user (uid 1000); fsGroup makes the volume writable for it.
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          containers: [container],
          volumes: [
            { name: 'results', persistentVolumeClaim: { claimName: opts.pvc } },
            { name: 'experiment', configMap: { name: configMap.metadata.name } },
          ],
        },
      },
    },
  };
  return { configMap, job: jobObject };
}

export function k8sManifest(job: ClusterJob, opts: K8sOptions): string {
  const { configMap, job: jobObject } = k8sObjects(job, opts);
  const head = [
    `# I-MLP sweep "${job.name.replace(/[\r\n]/g, ' ')}" (sweep id ${job.sweepId}): ${job.plannedRuns} planned runs in ${job.shards} shards, one indexed pod each.`,
    '# Written by `imlp sweep --emit k8s`. Review it, build and push the image (see the Dockerfile), then apply it',
    '# yourself:  kubectl apply -f THIS_FILE',
    `# Results go to ${POD_PATHS.results} on the volume claim "${opts.pvc}"; read them with imlp report --results <that folder>.`,
  ].join('\n');
  return `${head}\n${stringify(configMap, YAML_OPTIONS)}---\n${stringify(jobObject, YAML_OPTIONS)}`;
}
