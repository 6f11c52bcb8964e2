// loadDataset: find (or download) a dataset, read it, verify it, and shape it as the experiment asks.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DatasetConfig, DatasetName } from '../experiment/types';
import { extractFolder } from './archive';
import { md5File, md5Hex } from './checksum';
import { allocCifar, checkCifar, checkCifarSize, cifarRecordBytes, decodeCifarInto } from './cifar';
import { downloadFile, type FetchPolicy } from './download';
import { DatasetError } from './errors';
import { checkIdxFileSize, idxHeader, readIdx } from './idx';
import { cacheFolder, cacheRoot, locate, type Located, type Origin } from './locate';
import { withLock } from './lock';
import { resolveAugment } from './pipeline';
import { IDX_ROLES, REGISTRY, allowedHosts, type CifarDatasetSpec, type DatasetSpec, type IdxDatasetSpec, type IdxRole } from './registry';
import { channelStats, resize32, resize32Stats, testSubset } from './sets';
import type { ImageSet, LoadedDataset } from './types';

export interface DataOptions {
  /** Download/extraction folder; default $IMLP_DATA_DIR or ~/.cache/imlp/datasets. */
  cacheDir?: string;
  onProgress?: (p: { file: string; received: number; total: number }) => void;
  /** Cancels a download (the partial file is kept for the next attempt). */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  /** false: fail with instructions instead of downloading missing files (default true). */
  download?: boolean;
  /** Tests only: replace registry entries (URLs, checksums) and allow http to a local server. */
  testing?: { registry?: Partial<Record<DatasetName, DatasetSpec>>; allowHttp?: boolean; attempts?: number; retryDelayMs?: number };
}

export interface DatasetStatus {
  name: DatasetName;
  present: boolean;
  /** Folder the files are read from, when present. */
  source?: string;
  origin?: Origin;
  /** Whether a missing dataset can be downloaded automatically. */
  downloadable: boolean;
  downloadBytes?: number;
  /** One line for the editor's diagnostics and the CLI. */
  message: string;
}

/** Written beside CIFAR files extracted from a verified archive, so later loads can verify them too. */
const SOURCE_RECORD = '.imlp-source.json';
interface SourceRecord {
  archive: string;
  md5: string;
  files: Record<string, string>;
}

/**
 * Loads the training and test sets. Applies `resize32` and `testSubset`; `trainSubset` depends on
 * the run's seed, so the trainer applies it: `trainSubset(loaded.train, cfg.trainSubset, seed)`.
 * mean/std describe the full training set as loaded (after resize32).
 * Cost: every load checks the MD5 of the uncompressed files (~0.1 s for MNIST's 55 MB).
 */
export async function loadDataset(cfg: DatasetConfig, opts: DataOptions = {}): Promise<LoadedDataset> {
  const spec = specOf(cfg.name, opts);
  const cacheDir = cacheRoot(opts.cacheDir);
  const log = opts.log ?? (() => undefined);
  let found = await locate(spec, cfg.dataDir, cacheDir);
  if (!found) {
    if (opts.download === false || !isDownloadable(spec)) throw missingError(spec, cacheDir);
    log(`${spec.title} is not on this machine; downloading it into ${cacheDir}`);
    await downloadDataset(cfg.name, opts);
    found = await locate(spec, undefined, cacheDir);
    if (!found) throw missingError(spec, cacheDir);
  }
  const read = await readFiles(spec, found, log);
  let { train, test } = read;
  // MNIST-like: statistics of the full training set itself (MNIST 0.1307/0.3081, Fashion 0.2860/0.3530
  // at 28×28); CIFAR: the constants scaling_mlps uses, so results stay comparable with it.
  let { mean, std } = spec.kind === 'cifar' ? { mean: [...spec.mean], std: [...spec.std] } : channelStats(train);
  if (cfg.resize32) {
    if (train.height === 32 && train.width === 32 && train.channels === 3) log(`dataset.resize32 has no effect on ${spec.title}: its images are already 32×32×3`);
    else {
      train = resize32(train);
      test = resize32(test);
      ({ mean, std } = resize32Stats({ mean, std }));
    }
  }
  if (cfg.testSubset !== undefined) test = testSubset(test, cfg.testSubset);
  log(
    `${spec.title}: ${train.n} train / ${test.n} test images of ${train.height}×${train.width}×${train.channels} from ${found.dir} ` +
      `(${read.verified ? 'MD5 verified' : 'MD5s recorded; no published values to verify them against'})`,
  );
  const augment = resolveAugment(cfg.augment, spec.flipSafe, cfg.name, log);
  return { name: cfg.name, train, test, source: found.dir, checksums: read.checksums, verified: read.verified, mean, std, flipSafe: spec.flipSafe, augment };
}

/** Whether the dataset is on this machine, without downloading or reading it (cheap: stat calls only). */
export async function datasetStatus(name: DatasetName, opts: DataOptions & { dataDir?: string } = {}): Promise<DatasetStatus> {
  const spec = specOf(name, opts);
  const cacheDir = cacheRoot(opts.cacheDir);
  const downloadable = isDownloadable(spec);
  let found: Located | null;
  try {
    found = await locate(spec, opts.dataDir, cacheDir);
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    return { name, present: false, downloadable: false, message: e.message };
  }
  if (found) return { name, present: true, source: found.dir, origin: found.origin, downloadable, message: `${spec.title} is available in ${found.dir}` };
  if (!downloadable) return { name, present: false, downloadable, message: missingError(spec, cacheDir).message };
  const bytes = spec.kind === 'idx' ? spec.downloadBytes : spec.archive.bytes;
  return {
    name,
    present: false,
    downloadable,
    downloadBytes: bytes,
    message: `${spec.title} is not downloaded yet: the first run fetches ${(bytes / 1e6).toFixed(0)} MB from ${allowedHosts(spec)[0]} into ${cacheDir}`,
  };
}

/** Downloads (and for CIFAR extracts) the dataset into the cache unless it is already on this machine. */
export async function downloadDataset(name: DatasetName, opts: DataOptions = {}): Promise<DatasetStatus> {
  const spec = specOf(name, opts);
  const cacheDir = cacheRoot(opts.cacheDir);
  await mkdir(cacheDir, { recursive: true });
  try {
    await withLock(
      join(cacheDir, `.${spec.name}.lock`),
      async () => {
        if (await locate(spec, undefined, cacheDir)) return;
        if (!isDownloadable(spec)) throw missingError(spec, cacheDir);
        if (spec.kind === 'idx') await fetchIdx(spec, cacheDir, opts);
        else await fetchCifar(spec, cacheDir, opts);
      },
      { ...(opts.signal && { signal: opts.signal }), ...(opts.log && { log: opts.log }) },
    );
  } catch (e) {
    if (opts.signal?.aborted && !(e instanceof DatasetError)) {
      throw new DatasetError('aborted', cacheDir, `download of ${spec.title} cancelled while waiting for another run`, 'Run again to continue');
    }
    throw e;
  }
  return datasetStatus(name, opts);
}

function specOf(name: DatasetName, opts: DataOptions): DatasetSpec {
  const spec = opts.testing?.registry?.[name] ?? REGISTRY[name];
  if (!spec) throw new DatasetError('config', 'dataset.name', `unknown dataset "${name}"`, `Use one of ${Object.keys(REGISTRY).join(', ')}`);
  return spec;
}

function isDownloadable(spec: DatasetSpec): boolean {
  return spec.kind === 'cifar' || spec.baseUrls.length > 0;
}

function missingError(spec: DatasetSpec, cacheDir: string): DatasetError {
  const fix =
    spec.kind === 'idx'
      ? spec.obtain
      : `Allow the download from ${allowedHosts(spec)[0]}, or download ${spec.archive.url}, extract it, and set dataset.dataDir to the folder holding ${spec.folder}/`;
  return new DatasetError('missing', cacheFolder(spec, cacheDir), `${spec.title} is not on this machine`, fix);
}

function policyOf(spec: DatasetSpec, opts: DataOptions): FetchPolicy {
  return { allowedHosts: allowedHosts(spec), ...(opts.testing?.allowHttp && { allowHttp: true }) };
}

function downloadOptions(spec: DatasetSpec, file: string, md5: readonly string[], opts: DataOptions) {
  return {
    md5,
    policy: policyOf(spec, opts),
    onProgress: (received: number, total: number) => opts.onProgress?.({ file, received, total }),
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.log && { log: opts.log }),
    ...(opts.testing?.attempts !== undefined && { attempts: opts.testing.attempts }),
    ...(opts.testing?.retryDelayMs !== undefined && { retryDelayMs: opts.testing.retryDelayMs }),
  };
}

async function fetchIdx(spec: IdxDatasetSpec, cacheDir: string, opts: DataOptions): Promise<void> {
  const dir = cacheFolder(spec, cacheDir);
  for (const role of IDX_ROLES) {
    const file = `${spec.files[role].name}.gz`;
    const dest = join(dir, file);
    if (await exists(dest)) continue; // renamed into place only after its MD5 matched
    await downloadFile(
      spec.baseUrls.map((base) => base + file),
      dest,
      downloadOptions(spec, file, spec.files[role].gzMd5, opts),
    );
  }
}

async function fetchCifar(spec: CifarDatasetSpec, cacheDir: string, opts: DataOptions): Promise<void> {
  const archive = join(cacheDir, spec.archive.name);
  if (!(await exists(archive))) {
    await downloadFile([spec.archive.url], archive, downloadOptions(spec, spec.archive.name, [spec.archive.md5], opts));
  }
  opts.log?.(`extracting ${spec.archive.name}`);
  await extractFolder(archive, cacheDir, spec.folder, async (dir) => {
    const files: Record<string, string> = {};
    for (const f of [...spec.trainFiles, spec.testFile]) {
      if (!(await exists(join(dir, f)))) throw new DatasetError('format', archive, `the archive has no ${spec.folder}/${f}`, `Delete ${archive} so it is downloaded again`);
      files[f] = await md5File(join(dir, f));
    }
    const record: SourceRecord = { archive: spec.archive.name, md5: spec.archive.md5, files };
    await writeFile(join(dir, SOURCE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  });
  // The extracted files carry the archive's verification (SOURCE_RECORD); the 170 MB archive is not needed.
  await rm(archive, { force: true });
}

type ReadResult = { train: ImageSet; test: ImageSet; checksums: Record<string, string>; verified: boolean };

async function readFiles(spec: DatasetSpec, found: Located, log: (msg: string) => void): Promise<ReadResult> {
  if (spec.kind === 'idx' && found.kind === 'idx') return readIdxFiles(spec, found);
  if (spec.kind === 'cifar' && found.kind === 'cifar') return readCifarFiles(spec, found, log);
  throw new Error(`located ${found.kind} files for the ${spec.kind} dataset ${spec.name}`);
}

async function readIdxFiles(spec: IdxDatasetSpec, found: Extract<Located, { kind: 'idx' }>): Promise<ReadResult> {
  const checksums: Record<string, string> = {};
  const arrays = {} as Record<IdxRole, { dims: number[]; data: Uint8Array }>;
  for (const role of IDX_ROLES) {
    const path = found.paths[role];
    const { name, md5: expected } = spec.files[role];
    checkIdxFileSize((await stat(path)).size, path);
    const idx = readIdx(await readFile(path), path);
    const md5 = md5Hex(idxHeader(idx.dims), idx.data);
    if (md5 !== expected) {
      const fix =
        found.origin === 'dataDir'
          ? 'Replace it with the original file, or remove dataset.dataDir'
          : found.origin === 'cache'
            ? 'Delete it; the next run downloads it again'
            : `The installed copy is damaged: reinstall it. ${spec.obtain}`;
      throw new DatasetError('checksum', path, `contents differ from the published ${spec.title} file ${name} (MD5 of the uncompressed file: expected ${expected}, got ${md5})`, fix);
    }
    checksums[name] = md5;
    arrays[role] = idx;
  }
  // The MD5s pin the exact files, so their dims are [N, 28, 28] and [N] with labels 0..9.
  const set = (images: { dims: number[]; data: Uint8Array }, labels: Uint8Array): ImageSet => ({
    n: images.dims[0]!,
    height: images.dims[1]!,
    width: images.dims[2]!,
    channels: 1,
    images: images.data,
    labels,
    numClasses: spec.classNames.length,
    classNames: [...spec.classNames],
  });
  return {
    train: set(arrays.trainImages, arrays.trainLabels.data),
    test: set(arrays.testImages, arrays.testLabels.data),
    checksums,
    verified: true,
  };
}

async function readCifarFiles(
  spec: CifarDatasetSpec,
  found: Extract<Located, { kind: 'cifar' }>,
  log: (msg: string) => void,
): Promise<ReadResult> {
  const record = await readSourceRecord(found.dir);
  const checksums: Record<string, string> = record ? { [record.archive]: record.md5 } : {};
  if (!record) log(`${spec.title}: the binary batches have no published per-file MD5s; their MD5s are recorded with the run but not verified`);
  const recordBytes = cifarRecordBytes(spec.variant);

  const readSplit = async (paths: string[]): Promise<ImageSet> => {
    // Sizes first, so the split is allocated once and each file is decoded straight into it.
    const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
    sizes.forEach((size, i) => checkCifarSize(size, spec.variant, paths[i]!));
    const out = allocCifar(sizes.reduce((a, s) => a + Math.floor(s / recordBytes), 0), spec.variant);
    let at = 0;
    for (const path of paths) {
      const bytes = await readFile(path);
      const n = checkCifar(bytes, spec.variant, path);
      if (at + n > out.n) throw new DatasetError('format', path, 'the file changed while it was being read', 'Run again');
      const name = basename(path);
      const md5 = md5Hex(bytes);
      if (record && record.files[name] !== md5) {
        throw new DatasetError('checksum', path, `the file changed since it was extracted from the verified ${record.archive} (MD5 expected ${record.files[name]}, got ${md5})`, `Delete ${found.dir}; the next run downloads it again`);
      }
      checksums[name] = md5;
      decodeCifarInto(bytes, spec.variant, out, at);
      at += n;
    }
    return {
      n: out.n,
      height: 32,
      width: 32,
      channels: 3,
      images: out.images,
      labels: out.labels,
      numClasses: spec.variant,
      classNames: [...spec.classNames],
      ...(out.coarseLabels && spec.coarseClassNames && { coarseLabels: out.coarseLabels, coarseClassNames: [...spec.coarseClassNames] }),
    };
  };
  const train = await readSplit(found.train);
  const test = await readSplit([found.test]);
  return { train, test, checksums, verified: record !== undefined };
}

async function readSourceRecord(dir: string): Promise<SourceRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, SOURCE_RECORD), 'utf8')) as SourceRecord;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
