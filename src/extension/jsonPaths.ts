// Positions in the text of an experiment file: a problem's dotted path ("training.batchSize",
// "model.layers[2].kernel") → the text to underline, and the α values of interpolation.alpha.
// jsonc-parser is tolerant, so positions are found even while the file is half-typed.
import { type Node, findNodeAtLocation, parseTree } from 'jsonc-parser';
import { MAX_FILE_BYTES } from '../core/experiment/json';

export type Segment = string | number;

/** A stretch of the document: offset and length in UTF-16 code units, as VS Code counts them. */
export interface Span {
  offset: number;
  length: number;
}

/** No tree (undefined) for a text over the experiment-file size limit: parsing one costs the host seconds and GBs. */
export function parseJsonTree(text: string): Node | undefined {
  if (text.length > MAX_FILE_BYTES) return undefined; // UTF-16 units ≤ UTF-8 bytes: a longer text is over the limit
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

/** "model.layers[2].kernel" → ["model", "layers", 2, "kernel"]; `["odd key"]` segments are JSON strings. */
export function parseProblemPath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) {
      try {
        out.push(JSON.parse(m[3]) as string);
      } catch {
        out.push(m[3].slice(1, -1));
      }
    }
  }
  return out;
}

/** Up to the end of the node's first line, so that a multi-line object is not underlined whole. */
function firstLine(text: string, node: Node): Span {
  const nl = text.indexOf('\n', node.offset);
  const end = nl === -1 || nl > node.offset + node.length ? node.offset + node.length : nl;
  return { offset: node.offset, length: Math.max(1, text.slice(node.offset, end).trimEnd().length) };
}

/**
 * How a node is shown: a property whose value is a scalar → `"key": value` (on one line); a property
 * whose value is an object or list → its key; anything else → its first line.
 */
function spanOfNode(text: string, node: Node): Span {
  const prop = node.parent?.type === 'property' ? node.parent : undefined;
  const key = prop?.children?.[0];
  if (prop && key) {
    const scalar = node.type !== 'object' && node.type !== 'array';
    const end = node.offset + node.length;
    if (scalar && !text.slice(key.offset, end).includes('\n')) return { offset: key.offset, length: end - key.offset };
    return { offset: key.offset, length: key.length };
  }
  return firstLine(text, node);
}

/**
 * Where a problem at `path` is shown. A field that does not exist (a missing required field) is shown
 * on the deepest part of the path that does, e.g. the key of the object that lacks it.
 */
export function spanForPath(text: string, path: string | Segment[], root: Node | undefined = parseJsonTree(text)): Span {
  if (!root) return { offset: 0, length: Math.min(1, text.length) };
  const segments = typeof path === 'string' ? parseProblemPath(path) : path;
  let node = root;
  for (const seg of segments) {
    const next = findNodeAtLocation(node, [seg]);
    if (!next) break;
    node = next;
  }
  return node === root ? { offset: root.offset, length: 1 } : spanOfNode(text, node);
}

/** 1-based line and column (as in a JSON syntax problem) → offset. */
export function offsetAt(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

export interface AlphaSpan extends Span {
  alpha: number;
}

/** Each number written in interpolation.alpha (a list or one value); a grid object has none. */
export function alphaSpans(root: Node | undefined): AlphaSpan[] {
  const node = root && findNodeAtLocation(root, ['interpolation', 'alpha']);
  if (!node) return [];
  const numbers = node.type === 'number' ? [node] : node.type === 'array' ? (node.children ?? []).filter((c) => c.type === 'number') : [];
  return numbers.map((n) => ({ alpha: n.value as number, offset: n.offset, length: n.length }));
}
