// How a sweep divides the machine: runs × threads per run never exceeds the cores unless asked, the
// choice is said in one line, and what the user asks for is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseParallelism } from '../../src/core/sweep/parallelism';

test('auto: one single-threaded run per core, never more runs than there are', () => {
  assert.deepEqual(pick({}, 9, 2), [2, 1, false]);
  assert.deepEqual(pick({ parallel: 'auto' }, 9, 16), [9, 1, false]);
  assert.deepEqual(pick({}, 0, 4), [1, 1, false]);
  assert.deepEqual(pick({}, 1, 1), [1, 1, false]);
});

test('threads per run divide the cores among fewer runs', () => {
  assert.deepEqual(pick({ threads: 2 }, 9, 16), [8, 2, false]);
  assert.deepEqual(pick({ threads: 4 }, 9, 2), [1, 4, true], 'one run, even when its threads alone exceed the cores');
  assert.deepEqual(pick({ threads: 3 }, 2, 16), [2, 3, false]);
});

test('an explicit count is kept, and oversubscription is said', () => {
  assert.deepEqual(pick({ parallel: 4 }, 9, 2), [4, 1, true]);
  assert.deepEqual(pick({ parallel: 4 }, 3, 8), [3, 1, false]);
  const p = chooseParallelism({ parallel: 2, threads: 2 }, 9, 2);
  assert.equal(p.line, '2 runs at a time × 2 threads each on 2 cores (as asked; change with --parallel N and --threads N): 4 threads on 2 cores will slow each other down');
  assert.equal(chooseParallelism({}, 9, 2).line, '2 runs at a time × 1 thread each on 2 cores (auto; change with --parallel N and --threads N)');
});

function pick(request: Parameters<typeof chooseParallelism>[0], runs: number, cores: number): [number, number, boolean] {
  const p = chooseParallelism(request, runs, cores);
  return [p.parallel, p.threadsPerRun, p.oversubscribed];
}
