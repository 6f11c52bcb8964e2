// Downloads against a local http server on 127.0.0.1 (no network here): resume after a dropped
// connection, checksum mismatch, cancel and resume, the host/protocol policy, and whole-dataset
// downloads (CIFAR archive → verify → extract → load; Fashion-MNIST .gz files) through `testing`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { c as tarCreate } from 'tar';
import { withLock } from '../../src/core/data/lock';
import { DatasetError, REGISTRY, downloadDataset, downloadFile, loadDataset, type DatasetSpec, type DownloadOptions } from '../../src/core/data';
import { scratch } from './helpers';

const { fresh: freshDir } = scratch('imlp-download-');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const payload = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 2654435761) >>> 24));
const PAYLOAD_MD5 = md5(payload);

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** A server on 127.0.0.1; records each request's path and Range header. */
async function serve(handler: Handler): Promise<{ base: string; requests: { url: string; range: string | undefined }[]; close: () => Promise<void> }> {
  const requests: { url: string; range: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Serves `body` honouring "Range: bytes=N-"; `cutAfter` drops the connection after that many bytes of this response. */
function sendRange(req: IncomingMessage, res: ServerResponse, body: Buffer, opts: { cutAfter?: number; ignoreRange?: boolean; chunkDelayMs?: number } = {}): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m && !opts.ignoreRange ? Number(m[1]) : 0;
  if (start >= body.length) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const headers = { 'content-length': String(body.length - start), 'accept-ranges': 'bytes' };
  if (start > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  else res.writeHead(200, headers);
  const rest = body.subarray(start);
  if (opts.cutAfter !== undefined) {
    res.write(rest.subarray(0, opts.cutAfter), () => res.socket?.destroy());
  } else if (opts.chunkDelayMs !== undefined) {
    let at = 0;
    const tick = () => {
      if (res.destroyed) return;
      res.write(rest.subarray(at, at + 65536));
      at += 65536;
      if (at < rest.length) setTimeout(tick, opts.chunkDelayMs);
      else res.end();
    };
    tick();
  } else {
    res.end(rest);
  }
}

const local = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
  md5: [PAYLOAD_MD5],
  policy: { allowedHosts: ['127.0.0.1'], allowHttp: true },
  retryDelayMs: 0,
  ...extra,
});

test('downloads, verifies, renames into place; reports progress up to the total', async () => {
  const s = await serve((req, res) => sendRange(req, res, payload));
  try {
    const dest = join(freshDir(), 'file.bin');
    const progress: [number, number][] = [];
    const r = await downloadFile([`${s.base}/file.bin`], dest, local({ onProgress: (a, b) => progress.push([a, b]) }));
    assert.equal(r.md5, PAYLOAD_MD5);
    assert.equal(r.bytes, payload.length);
    assert.ok(readFileSync(dest).equals(payload));
    assert.equal(existsSync(`${dest}.part`), false);
    assert.deepEqual(progress.at(-1), [payload.length, payload.length]);
  } finally {
    await s.close();
  }
});

test('resume: the server drops the connection mid-way; the retry asks for the rest with Range', async () => {
  const s = await serve((req, res, hit) => sendRange(req, res, payload, hit === 1 ? { cutAfter: 1_000_000 } : {}));
  try {
    const dest = join(freshDir(), 'file.bin');
    const logs: string[] = [];
    const r = await downloadFile([`${s.base}/file.bin`], dest, local({ log: (m) => logs.push(m) }));
    assert.equal(r.md5, PAYLOAD_MD5);
    assert.ok(readFileSync(dest).equals(payload));
    assert.equal(s.requests.length, 2);
    assert.equal(s.requests[0]!.range, undefined);
    assert.match(s.requests[1]!.range ?? '', /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(s.requests[1]!.range!)![0]) > 0, 'resumed, not restarted');
    assert.match(logs[0]!, /download failed .*retrying, resuming from the partial file/);
  } finally {
    await s.close();
  }
});

test('resume across calls: a failed call keeps the .part file, the next call continues it', async () => {
  let cut = true;
  const s = await serve((req, res) => sendRange(req, res, payload, cut ? { cutAfter: 1_200_000 } : {}));
  try {
    const dest = join(freshDir(), 'file.bin');
    await assert.rejects(downloadFile([`${s.base}/file.bin`], dest, local({ attempts: 1 })), (e: unknown) => {
      assert.ok(e instanceof DatasetError && e.code === 'network');
      assert.match(e.message, /file\.bin: download failed after 1 attempt .*\(the partial file .*file\.bin\.part is kept and the download resumes from it\)/);
      return true;
    });
    const kept = statSync(`${dest}.part`).size;
    assert.ok(kept > 0 && kept < payload.length, `kept ${kept}`);
    cut = false;
    const progress: number[] = [];
    await downloadFile([`${s.base}/file.bin`], dest, local({ onProgress: (a) => progress.push(a) }));
    assert.equal(s.requests.at(-1)!.range, `bytes=${kept}-`);
    assert.ok(progress[0]! > kept, 'progress counts the resumed bytes');
    assert.ok(readFileSync(dest).equals(payload));
  } finally {
    await s.close();
  }
});

test('a server that ignores Range: starts over and still ends with the right file', async () => {
  const s = await serve((req, res, hit) => sendRange(req, res, payload, hit === 1 ? { cutAfter: 500_000 } : { ignoreRange: true }));
  try {
    const dest = join(freshDir(), 'file.bin');
    await downloadFile([`${s.base}/file.bin`], dest, local());
    assert.ok(readFileSync(dest).equals(payload));
  } finally {
    await s.close();
  }
});

test('checksum mismatch: deletes the part file, names file, expected and actual MD5', async () => {
  const s = await serve((req, res) => sendRange(req, res, payload));
  try {
    const dest = join(freshDir(), 'file.bin');
    const wrong = '0123456789abcdef0123456789abcdef';
    await assert.rejects(downloadFile([`${s.base}/file.bin`], dest, local({ md5: [wrong] })), (e: unknown) => {
      assert.ok(e instanceof DatasetError && e.code === 'checksum');
      assert.ok(e.message.startsWith(`${dest}: downloaded file has MD5 ${PAYLOAD_MD5}, expected ${wrong}.`), e.message);
      assert.match(e.fix, /Run again/);
      return true;
    });
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.part`), false);
    assert.equal(s.requests.length, 1, 'a mismatch is not retried');
  } finally {
    await s.close();
  }
});

test('abort: cancels mid-transfer, keeps the part for a later resume', async () => {
  const s = await serve((req, res) => sendRange(req, res, payload, { chunkDelayMs: 20 }));
  try {
    const dest = join(freshDir(), 'file.bin');
    const ac = new AbortController();
    const t0 = Date.now();
    await assert.rejects(
      downloadFile([`${s.base}/file.bin`], dest, local({ signal: ac.signal, onProgress: (got) => got > 200_000 && ac.abort() })),
      (e: unknown) => {
        assert.ok(e instanceof DatasetError && e.code === 'aborted', String(e));
        assert.match(e.message, /download cancelled\. [\d,]+ bytes are kept in .*file\.bin\.part; the next download resumes from there/);
        return true;
      },
    );
    assert.ok(Date.now() - t0 < 2000, 'stopped promptly');
    const kept = statSync(`${dest}.part`).size;
    assert.ok(kept > 0 && kept < payload.length);
    assert.equal(existsSync(dest), false);
    await downloadFile([`${s.base}/file.bin`], dest, local());
    assert.equal(s.requests.at(-1)!.range, `bytes=${kept}-`);
    assert.ok(readFileSync(dest).equals(payload));
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(downloadFile([`${s.base}/file.bin`], join(freshDir(), 'x'), local({ signal: pre.signal })), (e: unknown) => e instanceof DatasetError && e.code === 'aborted');
  } finally {
    await s.close();
  }
});

test('policy: https only, registry hosts only, redirects checked too', async () => {
  const s = await serve((req, res) => {
    const port = new URL(`http://${req.headers.host}`).port;
    if (req.url === '/away') res.writeHead(302, { location: `http://localhost:${port}/file.bin` }).end();
    else if (req.url === '/moved') res.writeHead(301, { location: '/file.bin' }).end();
    else sendRange(req, res, payload);
  });
  try {
    const dest = join(freshDir(), 'file.bin');
    const refused = (e: unknown) => e instanceof DatasetError && e.code === 'network' && /refusing to download from .*only https from 127\.0\.0\.1 is allowed/.test(e.message);
    await assert.rejects(downloadFile([`${s.base}/file.bin`], dest, local({ policy: { allowedHosts: ['127.0.0.1'] } })), refused);
    await assert.rejects(downloadFile(['https://example.com/file.bin'], dest, local()), refused);
    await assert.rejects(downloadFile([`${s.base}/away`], dest, local()), refused);
    assert.equal(s.requests.length, 1, 'refused at once, not retried; the redirect target was never contacted');
    const ok = join(freshDir(), 'file.bin');
    await downloadFile([`${s.base}/moved`], ok, local());
    assert.ok(readFileSync(ok).equals(payload), 'a redirect within the allowed hosts is followed');
    assert.deepEqual(
      Object.values(REGISTRY).flatMap((spec) => (spec.kind === 'idx' ? spec.baseUrls : [spec.archive.url])).filter((u) => !u.startsWith('https://')),
      [],
      'every registry URL is https',
    );
  } finally {
    await s.close();
  }
});

test('HTTP errors are retried, then reported with the status and what to do', async () => {
  const s = await serve((_req, res) => res.writeHead(404).end());
  try {
    const dest = join(freshDir(), 'file.bin');
    await assert.rejects(downloadFile([`${s.base}/a`, `${s.base}/b`], dest, local({ attempts: 2 })), (e: unknown) => {
      assert.ok(e instanceof DatasetError && e.code === 'network');
      assert.match(e.message, /download failed after 2 attempts \(last error: .*\/b: HTTP 404 Not Found\)/);
      assert.match(e.fix, /Check the network connection/);
      return true;
    });
    assert.deepEqual(s.requests.map((r) => r.url), ['/a', '/b', '/a', '/b'], 'mirrors in order, each round');
  } finally {
    await s.close();
  }
});

/** A small CIFAR-10 archive: the fixture's 100 records split over the five train batches, and as the test batch. */
async function cifarArchive(dir: string): Promise<{ file: string; md5: string }> {
  const records = readFileSync(resolve('test/fixtures/fashion-mnist-in-cifar10-layout/test_batch.bin'));
  const folder = join(dir, 'src', 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(folder, `data_batch_${b}.bin`), records.subarray((b - 1) * 20 * 3073, b * 20 * 3073));
  writeFileSync(join(folder, 'test_batch.bin'), records);
  writeFileSync(join(folder, 'batches.meta.txt'), 'airplane\n');
  const file = join(dir, 'cifar-10-binary.tar.gz');
  await tarCreate({ gzip: true, file, cwd: join(dir, 'src'), portable: true }, ['cifar-10-batches-bin']);
  return { file, md5: md5(readFileSync(file)) };
}

test('downloadDataset cifar10: archive → MD5 → extract → load, verified on later loads; parallel calls download once', async () => {
  const work = freshDir();
  const archive = await cifarArchive(work);
  const body = readFileSync(archive.file);
  const s = await serve((req, res) => sendRange(req, res, body));
  try {
    const cacheDir = join(work, 'cache');
    const spec: DatasetSpec = { ...(REGISTRY.cifar10 as Extract<DatasetSpec, { kind: 'cifar' }>), archive: { name: 'cifar-10-binary.tar.gz', url: `${s.base}/cifar-10-binary.tar.gz`, md5: archive.md5, bytes: body.length } };
    const progress: string[] = [];
    const opts = { cacheDir, testing: { registry: { cifar10: spec }, allowHttp: true }, onProgress: (p: { file: string }) => progress.push(p.file) };
    const [a, b] = await Promise.all([downloadDataset('cifar10', opts), downloadDataset('cifar10', opts)]);
    assert.equal(s.requests.length, 1, 'the lock lets one call download, the other waits and reuses it');
    assert.ok(a.present && b.present);
    assert.equal(a.source, join(cacheDir, 'cifar-10-batches-bin'));
    assert.ok(progress.includes('cifar-10-binary.tar.gz'));
    assert.equal(existsSync(join(cacheDir, 'cifar-10-binary.tar.gz')), false, 'archive removed after extraction');
    assert.deepEqual(readdirSync(cacheDir).sort(), ['cifar-10-batches-bin'], 'no lock, part or temporary folder left');

    const logs: string[] = [];
    const d = await loadDataset({ name: 'cifar10', augment: { crop: 4, flip: true } }, { ...opts, download: false, log: (m) => logs.push(m) });
    assert.equal(d.train.n, 100);
    assert.equal(d.test.n, 100);
    assert.equal(d.verified, true);
    assert.equal(d.checksums['cifar-10-binary.tar.gz'], archive.md5);
    assert.equal(Object.keys(d.checksums).length, 7);
    assert.match(logs.at(-1)!, /CIFAR-10: 100 train \/ 100 test images of 32×32×3 .*\(MD5 verified\)/);

    const batch = join(cacheDir, 'cifar-10-batches-bin', 'data_batch_2.bin');
    const bytes = readFileSync(batch);
    bytes[5] = bytes[5]! ^ 1;
    writeFileSync(batch, bytes);
    await assert.rejects(loadDataset({ name: 'cifar10', augment: { crop: 0, flip: false } }, { ...opts, download: false }), (e: unknown) => {
      assert.ok(e instanceof DatasetError && e.code === 'checksum');
      assert.match(e.message, /data_batch_2\.bin: the file changed since it was extracted from the verified cifar-10-binary\.tar\.gz .*Delete .*cifar-10-batches-bin; the next run downloads it again/);
      return true;
    });
  } finally {
    await s.close();
  }
});

test('downloadDataset fashion-mnist: four .gz files, each verified, then loaded from the cache', async () => {
  const fx = resolve('test/fixtures/fashion-mnist-in-cifar10-layout');
  const gz = { images: readFileSync(join(fx, 'images-idx3-ubyte.gz')), labels: readFileSync(join(fx, 'labels-idx1-ubyte.gz')) };
  const rawMd5 = { images: '', labels: '' };
  for (const k of ['images', 'labels'] as const) rawMd5[k] = md5(gunzipSync(gz[k]));
  const s = await serve((req, res) => sendRange(req, res, /images/.test(req.url ?? '') ? gz.images : gz.labels));
  try {
    const base = REGISTRY['fashion-mnist'] as Extract<DatasetSpec, { kind: 'idx' }>;
    const file = (name: string, k: 'images' | 'labels') => ({ name, md5: rawMd5[k], gzMd5: [md5(gz[k])] });
    const spec: DatasetSpec = {
      ...base,
      baseUrls: [`${s.base}/`],
      systemDir: () => undefined,
      files: {
        trainImages: file('train-images-idx3-ubyte', 'images'),
        trainLabels: file('train-labels-idx1-ubyte', 'labels'),
        testImages: file('t10k-images-idx3-ubyte', 'images'),
        testLabels: file('t10k-labels-idx1-ubyte', 'labels'),
      },
    };
    const cacheDir = join(freshDir(), 'cache');
    const d = await loadDataset({ name: 'fashion-mnist', augment: { crop: 0, flip: false } }, { cacheDir, testing: { registry: { 'fashion-mnist': spec }, allowHttp: true } });
    assert.deepEqual(s.requests.map((r) => r.url).sort(), ['/t10k-images-idx3-ubyte.gz', '/t10k-labels-idx1-ubyte.gz', '/train-images-idx3-ubyte.gz', '/train-labels-idx1-ubyte.gz']);
    assert.equal(d.source, join(cacheDir, 'fashion-mnist'));
    assert.equal(d.train.n, 100);
    assert.equal(d.verified, true);
    assert.deepEqual(Array.from(d.train.labels.subarray(0, 5)), [9, 2, 1, 1, 6]);
  } finally {
    await s.close();
  }
});

test('lock: serialises holders; a lock left by an exited process or not refreshed is taken over', async () => {
  const dir = freshDir();
  const lock = join(dir, '.x.lock');
  const events: string[] = [];
  const hold = (name: string) =>
    withLock(lock, async () => {
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`${name} out`);
    }, { pollMs: 10 });
  await Promise.all([hold('a'), hold('b')]);
  assert.deepEqual(events, ['a in', 'a out', 'b in', 'b out']);
  assert.equal(existsSync(lock), false);

  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(lock, `${dead}/0\n`);
  const t0 = Date.now();
  await withLock(lock, async () => undefined, { pollMs: 10 });
  assert.ok(Date.now() - t0 < 1000, 'a dead holder is not waited for');

  writeFileSync(lock, `${process.pid}/99\n`); // another thread of this process that stopped refreshing it
  const logs: string[] = [];
  await withLock(lock, async () => undefined, { pollMs: 10, staleMs: 200, log: (m) => logs.push(m) });
  assert.match(logs[0]!, /waiting for another run that is preparing the same dataset/);
});
