// metrics.jsonl: one TrainEvent per line, append-only. Appends are never rewritten, so a killed
// writer can at worst leave its last line cut off; the reader drops that line and says so.

import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync } from 'node:fs';
import type { TrainEvent } from '../train/events';
import { fileError, writeAll } from './atomic';
import type { MetricsRead } from './types';

/**
 * Buffers step events (hundreds per second on small models) and writes them in one append:
 * - when 200 lines are buffered, or the oldest buffered line is 0.5 s old (checked on each append,
 *   and by an unref'd timer for when the writer goes quiet, e.g. during a long eval);
 * - at once, together with everything buffered, for any other event (epoch, eval, checkpoint, done,
 *   error, log) — these are rare and are what a user looks for after a crash;
 * - on flush() and close().
 * A killed process therefore loses at most the buffered step lines. fsync (power-loss safety) is
 * only paid on checkpoint, done, error and close.
 */
export class MetricsWriter {
  private fd: number | undefined;
  private lines: string[] = [];
  private firstBufferedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** A failure of a timer-driven flush, rethrown by the next call so it is never lost. */
  private failure: unknown;

  constructor(readonly path: string, private readonly maxLines = 200, private readonly maxDelayMs = 500) {}

  append(event: TrainEvent): void {
    this.throwPendingFailure();
    this.lines.push(`${JSON.stringify(event)}\n`);
    if (event.type !== 'step') {
      this.write(event.type === 'checkpoint' || event.type === 'done' || event.type === 'error');
      return;
    }
    if (this.lines.length === 1) {
      this.firstBufferedAt = Date.now();
      this.timer = setTimeout(() => {
        try { this.write(false); } catch (err) { this.failure = err; }
      }, this.maxDelayMs).unref();
    }
    if (this.lines.length >= this.maxLines || Date.now() - this.firstBufferedAt >= this.maxDelayMs) this.write(false);
  }

  flush(): void {
    this.throwPendingFailure();
    this.write(false);
  }

  /** Flushes, fsyncs and closes the file; a later append reopens it. */
  close(): void {
    this.throwPendingFailure();
    try {
      this.write(true);
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private write(durable: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0 && (!durable || this.fd === undefined)) return;
    const data = Buffer.from(this.lines.join(''), 'utf8');
    this.lines = [];
    try {
      this.fd ??= this.open();
      writeAll(this.fd, data);
      if (durable) fsyncSync(this.fd);
    } catch (err) {
      throw fileError(`Could not append to ${this.path}`, err);
    }
  }

  /**
   * 'a+' = append (every write lands at the end) plus read, to look at the last byte: when a killed
   * writer left a cut-off line, start on a fresh line so the next event does not fuse with it.
   */
  private open(): number {
    const fd = openSync(this.path, 'a+');
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeAll(fd, Buffer.from('\n'));
    }
    return fd;
  }

  private throwPendingFailure(): void {
    if (this.failure === undefined) return;
    const err = this.failure;
    this.failure = undefined;
    throw err;
  }
}

export function readMetricsFile(path: string): MetricsRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // A run that has not logged anything yet has no metrics file.
    if ((err as { code?: unknown }).code === 'ENOENT') return { events: [], truncatedLastLine: false, badLines: 0 };
    throw fileError(`Could not read ${path}`, err);
  }
  const lines = text.split('\n');
  const last = lines.pop() ?? ''; // '' when the file ends with a newline, as a healthy one does
  const events: TrainEvent[] = [];
  let badLines = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const event = parseEvent(line);
    if (event) events.push(event);
    else badLines++;
  }
  let truncatedLastLine = false;
  if (last.trim() !== '') {
    // A last line without its newline that still parses is complete (the cut fell just before '\n');
    // keep it, as a reader after a resumed append would.
    const event = parseEvent(last);
    if (event) events.push(event);
    else truncatedLastLine = true;
  }
  return { events, truncatedLastLine, badLines };
}

function parseEvent(line: string): TrainEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const isEvent = typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
    return isEvent ? (value as TrainEvent) : undefined;
  } catch {
    return undefined;
  }
}
