// run.json: read with checks that name the file and what is wrong, written through the atomic writer.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, type WriteFile } from './atomic';
import type { RunRecord, RunStatus } from './types';

export const RECORD_FILE = 'run.json';
const STATUSES: readonly RunStatus[] = ['running', 'finished', 'cancelled', 'failed'];

/**
 * Writes run.json and returns the record re-parsed from the written text, so the in-memory record
 * is exactly the file: no undefined keys, no aliasing of the caller's objects.
 */
export function writeRecord(writeFile: WriteFile, dir: string, record: RunRecord): RunRecord {
  const text = `${JSON.stringify(record, null, 2)}\n`;
  writeFile(join(dir, RECORD_FILE), text);
  return JSON.parse(text) as RunRecord;
}

/** Reads and sanity-checks run.json; the error message says which file and what is wrong. */
export function readRecord(file: string): RunRecord {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw new Error(`${file} is missing`);
    throw fileError(`Could not read ${file}`, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message})`);
  }
  const r = value as Partial<RunRecord> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error(`${file} does not hold a run record`);
  if (typeof r.schema === 'number' && r.schema > 1) {
    throw new Error(`${file} was written by a newer I-MLP Lab (record schema ${r.schema}); update the extension to read it`);
  }
  const missing = [
    r.schema !== 1 && 'schema',
    typeof r.id !== 'string' && 'id',
    typeof r.name !== 'string' && 'name',
    !STATUSES.includes(r.status as RunStatus) && 'status',
    (typeof r.config !== 'object' || r.config === null) && 'config',
    typeof r.createdAt !== 'string' && 'createdAt',
  ].filter((f): f is string => typeof f === 'string');
  if (missing.length > 0) throw new Error(`${file} has a missing or invalid ${missing.join(', ')}`);
  return r as RunRecord;
}
