// Opt-in multithreaded wasm: IMLP_WASM_THREADS=n (n ≥ 2) starts tfjs-backend-wasm's threaded-SIMD build
// with an XNNPACK pool of n threads; unset, 0 or 1 keeps the single-threaded SIMD build (the default).
// tfjs switches threads off under Node (tfjs issue #3830), and its Emscripten glue, as shipped, cannot
// start Node workers: it hands them Blob URLs (ERR_WORKER_PATH). `patchForThreads` bends a few globals
// for the one instantiation of the threaded build and `restore` puts each back right after.
// Pinned to tfjs-backend-wasm 4.22.0. Notes: compute-backends.md §6; numbers: bench/README.md.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The threaded build pre-creates 8 pthread workers and caps its pool there (tfjs cc/backend.cc). */
export const MAX_WASM_THREADS = 8;

const SETTING = `IMLP_WASM_THREADS`;

/** IMLP_WASM_THREADS as a thread count: 1 when unset, empty, 0 or 1; throws on anything but 0–8. */
export function wasmThreadsSetting(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env[SETTING] ?? '').trim();
  if (raw === '' || raw === '0') return 1;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_WASM_THREADS) {
    throw new Error(
      `${SETTING} must be a whole number from 0 to ${MAX_WASM_THREADS}, not "${env[SETTING]}": unset, 0 or 1 run the ` +
        `single-threaded wasm backend (the default); 2–${MAX_WASM_THREADS} its multithreaded build with that many ` +
        `threads (tfjs caps it at ${MAX_WASM_THREADS}). Fix or unset ${SETTING}.`,
    );
  }
  return n;
}

const MT_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
const MODULE_SCRIPT = 'var WasmBackendModuleThreadedSimd';

// The pthread worker evaluates the module factory's source in its global scope (importScripts is an
// indirect eval), away from the names the factory closes over in tfjs-backend-wasm's Node bundle (esbuild
// keeps them). This prelude supplies them: four Node modules, the global object, three TS helpers.
const FREE_NAMES = ['require$$0', 'require$$1', 'require$$3', 'require$$4', 'commonjsGlobal', '__values', '__read', '__spreadArray'];
const PRELUDE = [
  `var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os');`,
  'var commonjsGlobal = globalThis;',
  'var __values = (o) => o[Symbol.iterator]();',
  'var __read = (o, n) => Array.from(o).slice(0, n);',
  'var __spreadArray = (to, from) => to.concat(Array.from(from));',
  '',
].join('\n');

/**
 * Prepares the next `tf.setBackend('wasm')` to instantiate the threaded-SIMD build with `threads`
 * threads; call `restore` as soon as it has settled (resolved or not). Globals touched, and why:
 * - tfjs flag WASM_HAS_MULTITHREAD_SUPPORT: tfjs answers false under Node; true selects the threaded build.
 * - os.cpus: tfjs's C++ caps the pool at logical cores / 2, read once while the module instantiates.
 * - globalThis.Blob: the glue wraps the pthread worker's script and the module's own source in Blobs,
 *   whose text Node gives only asynchronously; this subclass keeps the text at hand.
 * - URL.createObjectURL: Node's Worker takes file paths, not blob: URLs; a kept Blob becomes a temp file.
 * - worker_threads.Worker (copied by the glue to globalThis.Worker): a subclass that sends the module
 *   source as that file's path (the worker could not read a Blob's URL either) and never refs its thread:
 *   pthreads only work while the caller waits in a kernel, so they must not keep a finished process alive.
 */
export function patchForThreads(threads: number): () => void {
  // The module objects themselves (an ES import is a copy): tfjs and the glue read os.cpus and
  // worker_threads.Worker from them.
  const os = require('node:os') as { cpus: typeof import('node:os').cpus };
  const workerThreads = require('node:worker_threads') as { Worker: typeof import('node:worker_threads').Worker };
  const flags = tf.env().getFlags();
  const saved = {
    hadFlag: MT_FLAG in flags, flag: flags[MT_FLAG], cpus: os.cpus, Blob: globalThis.Blob,
    createObjectURL: URL.createObjectURL, Worker: workerThreads.Worker,
    globalWorker: Object.getOwnPropertyDescriptor(globalThis, 'Worker'),
  };
  let dir: string | undefined;
  const files = new Map<SourceBlob, string>();
  const fileOf = (blob: SourceBlob): string => {
    let file = files.get(blob);
    if (file === undefined) {
      if (blob.source.startsWith(MODULE_SCRIPT)) {
        const missing = FREE_NAMES.filter((name) => !blob.source.includes(name));
        if (missing.length) throw new Error(`${SETTING}: this tfjs-backend-wasm is not the 4.22.0 the threads shim knows (no ${missing.join(', ')})`);
      }
      dir ??= mkdtempSync(join(tmpdir(), 'imlp-wasm-threads-'));
      file = join(dir, `${files.size}.cjs`); // .cjs: Node's Worker loads it as CommonJS wherever it is
      writeFileSync(file, blob.source.startsWith(MODULE_SCRIPT) ? PRELUDE + blob.source : blob.source);
      files.set(blob, file);
    }
    return file;
  };

  class TextBlob extends saved.Blob {
    /** The text of a Blob made of strings (as the glue's are). */
    readonly source: string | undefined;
    constructor(parts: ConstructorParameters<typeof Blob>[0] = [], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts, options);
      this.source = parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
    }
  }
  type SourceBlob = TextBlob & { source: string };
  const isSource = (b: unknown): b is SourceBlob => b instanceof TextBlob && b.source !== undefined;
  class PthreadWorker extends saved.Worker {
    override postMessage(message: unknown, transferList?: readonly import('node:worker_threads').TransferListItem[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown };
      const msg = m?.cmd === 'load' && isSource(m.urlOrBlob) ? { ...m, urlOrBlob: fileOf(m.urlOrBlob) } : message;
      super.postMessage(msg, transferList);
    }
    override ref(): void {}
  }

  tf.env().set(MT_FLAG, true);
  setThreadsCount(threads);
  const cpus = saved.cpus();
  os.cpus = () => (cpus.length >= 2 * threads ? cpus : Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!));
  globalThis.Blob = TextBlob as typeof Blob;
  URL.createObjectURL = (blob: Blob) => (isSource(blob) ? fileOf(blob) : saved.createObjectURL(blob));
  workerThreads.Worker = PthreadWorker;

  return () => {
    if (saved.hadFlag) tf.env().set(MT_FLAG, saved.flag!);
    else delete flags[MT_FLAG];
    os.cpus = saved.cpus;
    globalThis.Blob = saved.Blob;
    URL.createObjectURL = saved.createObjectURL;
    workerThreads.Worker = saved.Worker;
    // The glue set globalThis.Worker to the subclass; it creates no workers after instantiation (its 8
    // pre-created ones cover the largest pool), so the global goes back to what it was (none in Node).
    if (saved.globalWorker) Object.defineProperty(globalThis, 'Worker', saved.globalWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
    // Every pthread worker has read its files by the time the module is ready.
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
}
