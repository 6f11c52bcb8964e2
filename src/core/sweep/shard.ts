// A shard is one of N disjoint shares of a sweep's planned runs, so that N machines (a Slurm job
// array, a Kubernetes Indexed Job) can run one sweep between them. The share depends only on the plan,
// which depends only on the experiment's content: every machine computes the same split on its own.
// Shards are numbered from 0, like SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX.

export interface Shard {
  /** 0 ≤ index < count. */
  index: number;
  count: number;
}

/** A bad shard spec; the message says what a good one looks like. */
export class ShardError extends Error {}

/** Parses "I/N" (e.g. "0/4"). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`"${text}" is not a shard: write I/N, shard I of N counted from 0, e.g. 0/4 … 3/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new ShardError(`"${text}": the shard count must be at least 1`);
  if (!Number.isSafeInteger(index) || index >= count) {
    throw new ShardError(`"${text}": shards are counted from 0, so the index must be below the count: ${count === 1 ? '0/1' : `0/${count} … ${count - 1}/${count}`}`);
  }
  return { index, count };
}

export const formatShard = (s: Shard): string => `${s.index}/${s.count}`;

/**
 * Whether the run at `position` in the plan belongs to the shard. Round robin, so shards differ by at
 * most one run and each gets a spread of α values rather than one end of the grid.
 */
export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index;
}

/** The shard a planned run falls to, for saying which array task to submit again. */
export function shardOf(position: number, count: number): number {
  return position % count;
}

/** The runs of one shard, in plan order. */
export function shardRuns<T>(runs: readonly T[], shard: Shard): T[] {
  return runs.filter((_, i) => inShard(i, shard));
}
