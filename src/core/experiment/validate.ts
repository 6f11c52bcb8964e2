// Reading an experiment file: JSON → schema check + cross-field rules (all problems at once) →
// defaults filled in. The entry points for the CLI, the worker and the extension.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExperimentError, type Problem } from './errors';
import type { ExperimentFile } from './file';
import { parseJson, sizeProblem } from './json';
import { schemaProblems, within } from './messages';
import { resolveExperiment } from './resolve';
import { crossFieldProblems } from './rules';
import { experimentValidator } from './schema';
import type { ExperimentConfig } from './types';

export { ExperimentError, formatProblems, type Problem } from './errors';

/** Parses and validates the text of an experiment file; `file` names it in errors and anchors a relative dataDir. */
export function parseExperiment(text: string, file: string): ExperimentConfig {
  const tooLarge = sizeProblem(Buffer.byteLength(text, 'utf8'));
  if (tooLarge) throw new ExperimentError(file, [tooLarge]);
  const parsed = parseJson(text);
  if ('problem' in parsed) throw new ExperimentError(file, [parsed.problem]);
  const data = parsed.value;

  const validate = experimentValidator();
  const errors = validate(data) ? [] : [...(validate.errors ?? [])];
  const clean = (pointer: string) => !errors.some((e) => within(e.instancePath, pointer));
  const problems = [...schemaProblems(errors, data), ...crossFieldProblems(data, clean)];
  if (problems.length > 0) throw new ExperimentError(file, problems);
  return resolveExperiment(data as ExperimentFile, file);
}

/** Reads and validates an experiment file; every failure a user can cause is an ExperimentError. */
export async function loadExperiment(path: string): Promise<ExperimentConfig> {
  const problem = await fileProblem(path);
  if (problem) throw new ExperimentError(path, [problem]);
  return parseExperiment(await readFile(path, 'utf8'), path);
}

/** Missing, a folder, unreadable or too large: checked before reading, so a huge file is never loaded. */
async function fileProblem(path: string): Promise<Problem | undefined> {
  const absolute = resolve(path);
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { path: '', message: `${absolute} is a folder, not an experiment file`, fix: 'give the path of the *.imlp.json file' };
    return sizeProblem(info.size);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: '', message: `file not found: ${absolute}`, fix: 'check the path (experiment files are named *.imlp.json)' };
    if (code === 'EACCES' || code === 'EPERM') return { path: '', message: `cannot read ${absolute}: permission denied`, fix: 'check the file permissions' };
    throw err;
  }
}
