// A training worker: runs exactly one job (src/shared/protocol.ts) and reports its events. The host
// never does tensor work; a crash here fails one run, not the host.
import { parentPort } from 'node:worker_threads';
import { localContext } from '../core/executor';
import { executeJob } from '../core/run';
import { type FromWorker, isToWorker } from '../shared/protocol';

const port = parentPort;
if (!port) throw new Error('trainWorker must run in a worker thread');
const post = (m: FromWorker) => port.postMessage(m);
const controller = new AbortController();
let started = false;

port.on('message', (m: unknown) => {
  if (!isToWorker(m)) {
    post({ type: 'error', message: `dropped a malformed message: ${JSON.stringify(m)?.slice(0, 200)}` });
    return;
  }
  if (m.type === 'cancel') return controller.abort();
  if (started) return;
  started = true;
  const ctx = localContext();
  void (async () => {
    try {
      await ctx.ensureBackend(m.job.config.backend);
      const record = await executeJob(m.job, ctx, controller.signal,
        (event, runId) => post({ type: 'event', runId, event }),
        (runId) => post({ type: 'started', runId }));
      post({ type: 'done', record });
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      port.close();
    }
  })();
});
