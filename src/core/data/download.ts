// Downloads one file over https into `<dest>.part`, resumable with HTTP Range, verified by MD5
// before it is renamed to `dest`. Only https URLs on the allowed hosts are fetched (redirects
// included); tests may allow http to reach a local server.

import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { md5File } from './checksum';
import { DatasetError } from './errors';

export interface FetchPolicy {
  allowedHosts: readonly string[];
  /** Tests only: accept plain http too (a local server). Production downloads are https only. */
  allowHttp?: boolean;
}

export interface DownloadOptions {
  /** Accepted MD5s of the complete file. */
  md5: readonly string[];
  policy: FetchPolicy;
  /** Bytes received so far (including a resumed part) and the total (0 when the server does not say). */
  onProgress?: (received: number, total: number) => void;
  /** Cancels the download; the .part file is kept so the next call resumes. */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  /** Rounds over all URLs before giving up (default 3); each round resumes from the .part file. */
  attempts?: number;
  /** Pause before round r+1 is r × this (default 2000 ms). */
  retryDelayMs?: number;
  /** A connection silent for this long is dropped and retried (default 60 s). */
  idleTimeoutMs?: number;
}

export interface Downloaded {
  md5: string;
  bytes: number;
  url: string;
}

const MAX_REDIRECTS = 5;
const PROGRESS_EVERY_MS = 100;

/** Tries `urls` in order, resuming `<dest>.part`; returns once `dest` holds a verified copy. */
export async function downloadFile(urls: readonly string[], dest: string, opts: DownloadOptions): Promise<Downloaded> {
  for (const url of urls) checkUrl(url, opts.policy, dest);
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const attempts = opts.attempts ?? 3;
  let lastError = '';
  for (let round = 1; round <= attempts; round++) {
    for (const url of urls) {
      try {
        const bytes = await fetchToPart(url, part, dest, opts);
        return { ...(await verifyAndRename(part, dest, opts.md5)), bytes, url };
      } catch (e) {
        if (opts.signal?.aborted) throw await aborted(dest, part);
        if (e instanceof DatasetError) throw e; // checksum, policy: retrying cannot help
        lastError = `${url}: ${(e as Error).message}`;
        opts.log?.(`download failed (${lastError}); ${round < attempts || url !== urls.at(-1) ? 'retrying, resuming from the partial file' : 'giving up'}`);
      }
    }
    if (round < attempts) {
      await sleep(round * (opts.retryDelayMs ?? 2000), undefined, { signal: opts.signal }).catch(() => undefined);
      if (opts.signal?.aborted) throw await aborted(dest, part);
    }
  }
  const kept = await sizeOf(part);
  throw new DatasetError(
    'network',
    dest,
    `download failed after ${attempts} attempt${attempts > 1 ? 's' : ''} (last error: ${lastError})`,
    `Check the network connection and run again${kept > 0 ? ` (the partial file ${part} is kept and the download resumes from it)` : ''}. Or fetch ${urls[0]} by hand and save it as ${dest}`,
  );
}

function checkUrl(url: string, policy: FetchPolicy, dest: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DatasetError('network', dest, `invalid download URL ${url}`, 'Report this as a bug');
  }
  const protocolOk = u.protocol === 'https:' || (policy.allowHttp === true && u.protocol === 'http:');
  if (!protocolOk || !policy.allowedHosts.includes(u.hostname)) {
    throw new DatasetError(
      'network',
      dest,
      `refusing to download from ${url}: only https from ${policy.allowedHosts.join(', ')} is allowed`,
      'If the dataset moved, download it by hand and point dataset.dataDir at the folder',
    );
  }
}

/** One transfer into the part file (following redirects); returns its final size. Throws on any failure. */
async function fetchToPart(firstUrl: string, part: string, dest: string, opts: DownloadOptions): Promise<number> {
  let url = firstUrl;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const have = await sizeOf(part);
    const res = await get(url, have > 0 ? { range: `bytes=${have}-` } : {}, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, url).toString();
      checkUrl(url, opts.policy, dest);
      continue;
    }
    let start = 0;
    let total = Number(res.headers['content-length'] ?? 0);
    if (status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
      if (!range || Number(range[1]) !== have) {
        res.resume();
        await rm(part, { force: true });
        throw new Error(`server answered the resume request with range "${res.headers['content-range']}"; starting over`);
      }
      start = have;
      total = range[2] === '*' ? 0 : Number(range[2]);
    } else if (status === 416) {
      // The part already holds the whole file (or more: then it is not this file).
      res.resume();
      const m = /\/(\d+)$/.exec(res.headers['content-range'] ?? '');
      if (m && Number(m[1]) === have) return have;
      await rm(part, { force: true });
      throw new Error('server refused to resume from the partial file; starting over');
    } else if (status !== 200) {
      res.resume();
      throw new Error(`HTTP ${status} ${res.statusMessage ?? ''}`.trim());
    } else if (have > 0) {
      opts.log?.(`${url} does not support resuming; downloading from the start`);
    }
    await writeBody(res, part, start, total, opts);
    const size = await sizeOf(part);
    if (total > 0 && size !== total) throw new Error(`connection closed after ${size} of ${total} bytes`);
    return size;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects`);
}

function get(url: string, headers: Record<string, string>, opts: DownloadOptions): Promise<IncomingMessage> {
  const client = url.startsWith('https:') ? https : http;
  const idle = opts.idleTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: { 'user-agent': 'imlp-lab', ...headers }, ...(opts.signal && { signal: opts.signal }) }, resolve);
    req.on('error', reject);
    req.setTimeout(idle, () => req.destroy(new Error(`no data for ${idle / 1000} s`)));
  });
}

async function writeBody(res: IncomingMessage, part: string, start: number, total: number, opts: DownloadOptions): Promise<void> {
  let received = start;
  let lastReport = 0;
  const report = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      const now = Date.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = now;
        opts.onProgress?.(received, total);
      }
      done(null, chunk);
    },
  });
  await pipeline(res, report, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }), ...(opts.signal ? [{ signal: opts.signal }] : []));
  opts.onProgress?.(received, total);
}

async function verifyAndRename(part: string, dest: string, accepted: readonly string[]): Promise<{ md5: string }> {
  const md5 = await md5File(part);
  if (!accepted.includes(md5)) {
    await rm(part, { force: true });
    throw new DatasetError(
      'checksum',
      dest,
      `downloaded file has MD5 ${md5}, expected ${accepted.join(' or ')}`,
      'The download was deleted. Run again to fetch it afresh; if this repeats, the server copy differs from the published one: get the file elsewhere and point dataset.dataDir at it',
    );
  }
  await rename(part, dest);
  return { md5 };
}

async function aborted(dest: string, part: string): Promise<DatasetError> {
  const kept = await sizeOf(part);
  return new DatasetError('aborted', dest, 'download cancelled', `${kept.toLocaleString('en-US')} bytes are kept in ${part}; the next download resumes from there`);
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}
