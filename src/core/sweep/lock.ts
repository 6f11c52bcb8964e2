// A step that several processes need done once, e.g. the frozen prior that every shard of a sweep
// interpolates toward. The first process to create the lock folder (mkdir is atomic, also on NFS) does
// the step while the others wait for its result. The holder rewrites a heartbeat file; a lock whose
// heartbeat stops changing (the holder was killed, preempted or its node died) is taken over. Staleness
// is judged on the waiter's own clock from when it last saw the heartbeat change, so clock skew between
// nodes sharing the file system does not matter.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

export interface OnceOptions {
  /** How often the holder rewrites its heartbeat (default 15 s). */
  heartbeatMs?: number;
  /** A lock whose heartbeat has not changed for this long is taken over (default 3 min). */
  staleMs?: number;
  /** How often a waiter looks again (default 3 s). */
  pollMs?: number;
  signal?: AbortSignal;
  log?: (msg: string) => void;
}

export interface OnceStep<T> {
  /** The step's result if it is already done (checked before taking the lock, and while waiting). */
  done(): T | undefined;
  /** Does the step; called with the lock held. */
  run(): Promise<T>;
  /** What the step is, for the waiting message ("the frozen prior"). */
  what: string;
}

const OWNER = 'owner.json';

function readOwner(lock: string): string | undefined {
  try {
    return readFileSync(join(lock, OWNER), 'utf8');
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Returns the step's result: found done, done here under the lock, or done by another process while
 * this one waited. Returns undefined only when `signal` aborts the wait.
 */
export async function once<T>(lock: string, step: OnceStep<T>, opts: OnceOptions = {}): Promise<T | undefined> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const staleMs = opts.staleMs ?? 180_000;
  const pollMs = opts.pollMs ?? 3_000;
  const log = opts.log ?? (() => undefined);
  mkdirSync(dirname(lock), { recursive: true });
  let seen: string | undefined;
  let seenAt = Date.now();
  let told = false;
  for (;;) {
    const found = step.done();
    if (found !== undefined) return found;
    if (opts.signal?.aborted) return undefined;
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(lock);
      if (owner !== seen) {
        seen = owner;
        seenAt = Date.now();
      } else if (Date.now() - seenAt > staleMs) {
        // Rename first: of several waiters breaking the same stale lock, exactly one rename succeeds.
        const broken = `${lock}.stale-${process.pid}-${Date.now()}`;
        try {
          renameSync(lock, broken);
          rmSync(broken, { recursive: true, force: true });
          log(`the lock ${lock} had no heartbeat for ${Math.round(staleMs / 1000)} s (its holder ${describeOwner(owner)} is gone); taking over ${step.what}`);
        } catch {
          // Another waiter broke it first.
        }
        seen = undefined;
        seenAt = Date.now();
        continue;
      }
      if (!told) {
        log(`waiting for ${step.what}, which ${describeOwner(owner)} is working on (lock ${lock})`);
        told = true;
      }
      await sleep(pollMs, opts.signal);
      continue;
    }
    // Held: beat, check once more (it may have been finished between our look and the mkdir), work, release.
    let beat = 0;
    const write = () => writeFileSync(join(lock, OWNER), JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString(), beat: beat++ }));
    write();
    const timer = setInterval(() => {
      try {
        write();
      } catch {
        // The file system hiccuped; the next beat tries again (a waiter tolerates staleMs of silence).
      }
    }, heartbeatMs);
    timer.unref();
    try {
      return step.done() ?? (await step.run());
    } finally {
      clearInterval(timer);
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function describeOwner(owner: string | undefined): string {
  try {
    const o = JSON.parse(owner ?? '') as { host?: string; pid?: number };
    return `process ${o.pid} on ${o.host}`;
  } catch {
    return 'another process';
  }
}
