// How many runs of a sweep train at once, and with how many threads each, so that together they use the
// machine's cores without oversubscribing them: runs × threads ≤ cores. Each run trains in its own worker
// thread with its own single-threaded wasm instance, so by default a sweep takes one run per core. More
// threads per run (the opt-in multithreaded wasm build) mean fewer runs at once. The OpenBLAS
// accelerator's thread pool belongs to the process, so in worker threads it stays at one thread (a pool
// shared by several workers hung; see openblasEnv.ts).

export interface ParallelismRequest {
  /** Runs at a time: a count, or 'auto' (cores ÷ threads per run, at most the number of runs). */
  parallel?: number | 'auto';
  /** Threads per run (default 1). */
  threads?: number;
}

export interface Parallelism {
  parallel: number;
  threadsPerRun: number;
  /** runs × threads > cores: only when the user asked for it. */
  oversubscribed: boolean;
  /** One line for the log: the choice, the machine and how to change it. */
  line: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function chooseParallelism(request: ParallelismRequest, runs: number, cores: number): Parallelism {
  const work = Math.max(1, runs);
  const threadsPerRun = request.threads ?? 1;
  const auto = request.parallel === undefined || request.parallel === 'auto';
  const parallel = Math.min(work, auto ? Math.max(1, Math.floor(cores / threadsPerRun)) : (request.parallel as number));
  const oversubscribed = parallel * threadsPerRun > cores;
  const line = `${plural(parallel, 'run')} at a time × ${plural(threadsPerRun, 'thread')} each on ${plural(cores, 'core')}`
    + ` (${auto ? 'auto' : 'as asked'}; change with --parallel N and --threads N)`
    + (oversubscribed ? `: ${parallel * threadsPerRun} threads on ${cores} cores will slow each other down` : '');
  return { parallel, threadsPerRun, oversubscribed, line };
}
