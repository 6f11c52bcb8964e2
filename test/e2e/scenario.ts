// What the UI scenarios share: a scenario's shape and polling for a condition.
import type { CodeServer } from './launch';
import { sleep } from './launch';
import type { Workbench } from './workbench';

export interface Scenario {
  name: string;
  untrusted?: boolean;
  /** The workspace folder copied for the scenario (default test/e2e/workspace). */
  fixture?: string;
  body(wb: Workbench, cs: CodeServer, step: (name: string, fn: () => Promise<void>) => Promise<void>): Promise<void>;
}

export async function poll<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
