// Reading the JSON text of an experiment file: size limit, BOM, and syntax errors with line and column.
// V8's JSON.parse messages do not always carry a position ("Unexpected token '}', ... is not valid
// JSON"), so a failed parse is re-scanned by a small checker that finds the first error itself.
import type { Problem } from './errors';

export const MAX_FILE_BYTES = 1024 * 1024;

/** The problem with a file of `bytes` bytes, if it is too large to be an experiment file. */
export function sizeProblem(bytes: number): Problem | undefined {
  if (bytes <= MAX_FILE_BYTES) return undefined;
  return {
    path: '',
    message: `the file is ${(bytes / MAX_FILE_BYTES).toFixed(1)} MB; experiment files are limited to 1 MB`,
    fix: 'check that this is the right file (experiment files are a few kB of JSON)',
  };
}

export function parseJson(text: string): { value: unknown } | { problem: Problem } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { value: JSON.parse(body) };
  } catch {
    const found = findSyntaxError(body) ?? { offset: body.length, message: 'the file is not valid JSON', fix: 'check it with a JSON validator' };
    const { line, column } = lineColumn(body, found.offset);
    return { problem: { path: '', message: `invalid JSON at line ${line}, column ${column}: ${found.message}`, fix: found.fix, line, column } };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

interface SyntaxProblem {
  offset: number;
  message: string;
  fix: string;
}

class Found {
  constructor(readonly problem: SyntaxProblem) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

/** The first syntax error in `text` (RFC 8259), or undefined if it is valid JSON. */
function findSyntaxError(text: string): SyntaxProblem | undefined {
  let i = 0;
  const fail = (message: string, fix: string, at = i): never => {
    throw new Found({ offset: at, message, fix });
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const unexpected = (expected: string): never => {
    const c = text[i];
    if (c === undefined) return fail(`the file ends early: expected ${expected}`, 'close every open string, [ and {');
    if (c === '/') return fail('comments are not allowed in JSON', 'remove the comment (notes can go in "description")');
    if (c === "'") return fail('strings must be in double quotes', "replace ' with \"");
    return fail(`unexpected ${JSON.stringify(c)}: expected ${expected}`, `write ${expected} here`);
  };

  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('the JSON is nested too deeply', 'flatten the structure');
    skipSpace();
    const c = text[i];
    if (c === '{') return container('}', depth);
    if (c === '[') return container(']', depth);
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    unexpected('a value');
  };

  // Objects and arrays: entries separated by commas; no trailing comma.
  const container = (close: '}' | ']', depth: number) => {
    const isObject = close === '}';
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (isObject) {
        if (text[i] !== '"') {
          if (/[A-Za-z_$]/.test(text[i] ?? '')) fail('property names must be in double quotes', 'put the name in double quotes');
          unexpected('a property name in double quotes');
        }
        string();
        skipSpace();
        if (text[i] !== ':') unexpected('":"');
        i++;
      }
      value(depth + 1);
      skipSpace();
      const c = text[i];
      if (c === close) {
        i++;
        return;
      }
      if (c !== ',') {
        if (c === '"' || c === '{' || c === '[' || (c !== undefined && /[-\dtfn]/.test(c))) fail('missing comma', 'add "," before this entry');
        unexpected(`"," or "${close}"`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === close) fail(`comma before "${close}"`, 'remove the last comma', comma);
    }
  };

  const string = () => {
    const start = i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n' || c === '\r') return fail('the string is not closed on its line', 'add the closing " (write a line break as \\n)', start);
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail('control character in a string', 'write a tab as \\t');
      if (c === '\\') {
        const e = text[i + 1] ?? '';
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else fail(`invalid escape "\\${e}"`, 'write a backslash as \\\\ (Windows paths: C:\\\\data or C:/data)');
        continue;
      }
      i++;
    }
  };

  const number = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    const end = m ? i + m[0].length : i;
    if (!m || /[\d.eE]/.test(text[end] ?? '')) fail('invalid number', 'write numbers like 3, 0.001 or 1e-3 (no leading zeros)');
    i = end;
  };

  try {
    if (text.trim() === '') fail('the file is empty', 'write an experiment, e.g. {"name": "quick"}');
    value(0);
    skipSpace();
    if (i < text.length) fail('unexpected text after the end of the JSON', 'remove it, or wrap everything in one {…}');
    return undefined;
  } catch (e) {
    if (e instanceof Found) return e.problem;
    throw e;
  }
}
