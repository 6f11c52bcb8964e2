// A lock file so that parallel runs of a sweep (worker threads or processes) do not download or
// extract the same dataset twice into the same cache. The holder refreshes the file's mtime; a lock
// not refreshed for `staleMs`, or held by a process that no longer exists, is taken over.

import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';

export interface LockOptions {
  signal?: AbortSignal;
  log?: (msg: string) => void;
  staleMs?: number;
  pollMs?: number;
}

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 60_000;
  let told = false;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}/${threadId}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > staleMs || (await holderDied(lockPath))) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!told) opts.log?.(`waiting for another run that is preparing the same dataset (lock ${lockPath})`);
    told = true;
    await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal });
  }
  const beat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, staleMs / 4);
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    await rm(lockPath, { force: true });
  }
}

/** True when the lock names another process that has exited (threads of this process are never presumed dead). */
async function holderDied(lockPath: string): Promise<boolean> {
  const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).split('/')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
