// The one way this module writes a file: temp file in the same folder, fsync, rename. A reader (or a
// process killed mid-write) sees either the old file or the new one, never a half-written one.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type FileData = string | Uint8Array | readonly Uint8Array[];
/** Signature of writeFileAtomic; the store accepts another one so tests can inject write failures. */
export type WriteFile = (path: string, data: FileData) => void;

export function writeFileAtomic(path: string, data: FileData): void {
  // Same folder, so rename never crosses a file system; random suffix, so two writers never share a temp file.
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) writeAll(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    rmSync(tmp, { force: true });
    throw fileError(`Could not write ${path}`, err);
  }
  fsyncDir(dirname(path));
}

export function writeAll(fd: number, chunk: Uint8Array): void {
  for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off, chunk.byteLength - off);
}

/**
 * Makes a rename durable across power loss. Best effort: some platforms (Windows) cannot open a
 * folder, and a missing fsync here never breaks atomicity, only durability after a power cut.
 */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* see above */ }
}

/** An Error whose message says what failed and why, keeping the fs error code (ENOSPC, EACCES…). */
export function fileError(what: string, cause: unknown): Error & { code?: string } {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const err: Error & { code?: string } = new Error(`${what}: ${reason}`, { cause });
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') err.code = code;
  return err;
}

function closeQuietly(fd: number): void {
  try { closeSync(fd); } catch { /* already failing; the first error is the one to report */ }
}
