// Problems in an experiment file, reported all at once: each names the field, what is wrong and the fix.

export interface Problem {
  /** Dotted path of the field, e.g. "training.batchSize" or "model.layers[2].kernel"; "" for the whole file. */
  path: string;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** 1-based position in the file, when known (JSON syntax errors; also in the message). */
  line?: number;
  column?: number;
}

export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';

  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(formatLines(file, problems));
  }
}

/** One line per problem, for terminals: `file: path: message — fix`. */
export function formatProblems(err: ExperimentError): string {
  return formatLines(err.file, err.problems);
}

function formatLines(file: string, problems: Problem[]): string {
  return problems.map((p) => `${file}: ${p.path ? `${p.path}: ` : ''}${p.message} — ${p.fix}`).join('\n');
}
