// Test-only fault injection. IMLP_FAULT_KILL_AT=<point>[:<n>] makes this process SIGKILL itself the n-th
// time (default: the first) it passes the named point, so a test can kill a run at an exact moment of
// a checkpoint save; killing at random times almost never lands inside one. Unset (always, outside the
// reliability tests) a point costs one environment lookup per checkpoint save.

export type FaultPoint =
  /** tensors.bin written into checkpoint.tmp-<pid>/, manifest.json not yet. */
  | 'checkpoint-partial'
  /** checkpoint.tmp-<pid>/ complete, nothing renamed yet. */
  | 'checkpoint-written'
  /** checkpoint/ renamed to checkpoint.old/, the new one not yet moved in. */
  | 'checkpoint-aside'
  /** the new checkpoint/ in place, checkpoint.old/ not yet removed. */
  | 'checkpoint-moved';

const passes = new Map<FaultPoint, number>();

export function faultPoint(point: FaultPoint): void {
  const spec = process.env.IMLP_FAULT_KILL_AT;
  if (!spec) return;
  const [name, nth] = spec.split(':');
  if (name !== point) return;
  const n = (passes.get(point) ?? 0) + 1;
  passes.set(point, n);
  if (n === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
