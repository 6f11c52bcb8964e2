// Run ids are folder names: readable (experiment, seed, α), sortable by creation time (UTC stamp
// first) and safe on every file system (only [A-Za-z0-9._-]).
// Example: 20261201-043300-quick-s0-a0.1-3f9c

import { randomBytes } from 'node:crypto';
import type { RunRole } from './types';

const VALID_ID = /^[A-Za-z0-9._-]+$/;

export interface RunIdParts { name: string; seed: number; alpha?: number; role?: RunRole }

/** The random suffix makes ids unique in practice; the store still creates the folder exclusively and retries on a clash. */
export function makeRunId(parts: RunIdParts, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15); // YYYYMMDD-HHMMSS
  const name = parts.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 40) || 'run';
  const tags = [`s${parts.seed}`];
  if (parts.alpha !== undefined) tags.push(`a${parts.alpha}`);
  if (parts.role === 'prior') tags.push('prior');
  if (parts.role === 'plain-mlp') tags.push('mlp');
  return [stamp, name, ...tags, randomBytes(2).toString('hex')].join('-').replace(/[^A-Za-z0-9._-]/g, '-');
}

/** Rejects anything that could escape the runs folder ("..", separators) before it reaches a path. */
export function isValidRunId(id: string): boolean {
  return VALID_ID.test(id) && id !== '.' && id !== '..';
}
