// How a run's events reach the terminal: a live bar with ETA on a TTY, plain lines otherwise
// (logs, CI), or one JSON object per line with --json.
import { SingleBar } from 'cli-progress';
import type { TrainEvent } from '../core/train/events';

export interface Reporter {
  event(e: TrainEvent, runId: string): void;
  stop(): void;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function jsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  return {
    event: (e, runId) => out.write(JSON.stringify({ run: runId, ...e }) + '\n'),
    stop: () => undefined,
  };
}

export function plainReporter(log: (line: string) => void, everySeconds = 10): Reporter {
  let last = 0;
  return {
    event(e, runId) {
      if (e.type === 'step') {
        const now = Date.now();
        if (now - last < everySeconds * 1000) return;
        last = now;
        log(`${runId} epoch ${e.epoch + 1} step ${e.step + 1}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)}`);
      } else if (e.type === 'eval') log(`${runId} epoch ${e.epoch + 1} test accuracy ${pct(e.testAccuracy)} loss ${e.testLoss.toFixed(4)}`);
      else if (e.type === 'epoch') log(`${runId} epoch ${e.epoch + 1} done in ${e.seconds.toFixed(1)} s, train loss ${e.trainLoss.toFixed(4)}`);
      else if (e.type === 'log') log(`${runId} ${e.level}: ${e.message}`);
      else if (e.type === 'error') log(`${runId} error: ${e.message}`);
      else if (e.type === 'done') log(`${runId} ${e.status} in ${e.seconds.toFixed(1)} s${e.testAccuracy === null ? '' : `, test accuracy ${pct(e.testAccuracy)}`}`);
    },
    stop: () => undefined,
  };
}

export function ttyReporter(log: (line: string) => void, epochs: number): Reporter {
  const bar = new SingleBar({
    format: ' {bar} {percentage}% | epoch {epoch}/{epochs} | step {value}/{total} | loss {loss} | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  // Clear the bar's line before printing; the bar redraws itself on the next step.
  const plain = plainReporter((line) => log(active ? `\r\x1b[K${line}` : line), Infinity);
  let active = false;
  return {
    event(e, runId) {
      if (e.type === 'step') {
        const total = e.stepsPerEpoch * epochs;
        if (!active) {
          bar.start(total, e.globalStep - 1, { epoch: e.epoch + 1, epochs, loss: '-' });
          active = true;
        }
        bar.update(e.globalStep, { epoch: e.epoch + 1, loss: e.loss.toFixed(4) });
        return;
      }
      if (e.type === 'done' && active) {
        bar.stop();
        active = false;
      }
      plain.event(e, runId);
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}

/** Download progress: a bar on a TTY, otherwise a line every 10%. */
export function downloadProgress(log: (line: string) => void): { onProgress: (p: { file: string; received: number; total: number }) => void; stop(): void } {
  const tty = process.stderr.isTTY;
  const bar = new SingleBar({ format: ' {file} {bar} {percentage}% | {received}/{size} MB | ETA {eta_formatted}', hideCursor: true });
  let current = '';
  let lastDecile = -1;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    onProgress({ file, received, total }) {
      if (file !== current) {
        if (tty && current) bar.stop();
        current = file;
        lastDecile = -1;
        if (tty) bar.start(total || 1, 0, { file, received: mb(0), size: mb(total) });
      }
      if (tty) bar.update(received, { file, received: mb(received), size: mb(total) });
      else if (total > 0 && Math.floor((10 * received) / total) > lastDecile) {
        lastDecile = Math.floor((10 * received) / total);
        log(`downloading ${file}: ${mb(received)} of ${mb(total)} MB`);
      }
    },
    stop: () => { if (tty && current) bar.stop(); },
  };
}
