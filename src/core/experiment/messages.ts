// ajv's raw errors → problems a person can act on: the field's dotted path, what is wrong, the fix.
//
// Unions written as `oneOf` (a name or an object, a number or a list …) have branches of different
// JSON types, so the branch meant is the one whose type fits the value; errors of the other branches
// are noise and are dropped. Unions of objects use ajv's `discriminator` and report one branch anyway.
import type { ErrorObject } from 'ajv';
import type { Problem } from './errors';
import { deref, propertiesOf, type SchemaNode } from './schema';
import { closest } from './suggest';

export function schemaProblems(errors: readonly ErrorObject[], data: unknown): Problem[] {
  // instancePath → branches of a union there whose type does not fit the value, and the union itself.
  const rejected = new Map<string, Set<unknown>>();
  const unions = new Map<string, SchemaNode>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf') continue;
    const misfits = rejected.get(e.instancePath) ?? new Set();
    for (const branch of (e.schema as SchemaNode[]).map(deref)) if (!fitsType(branch, e.data)) misfits.add(branch);
    rejected.set(e.instancePath, misfits);
    unions.set(e.instancePath, e.parentSchema as SchemaNode);
  }
  const kept = errors.filter((e) => e.keyword !== 'oneOf' && !rejected.get(e.instancePath)?.has(e.parentSchema));
  const problems: Problem[] = [];
  for (const e of errors) {
    const path = pathOf(e.instancePath, data);
    if (e.keyword !== 'oneOf') {
      if (kept.includes(e)) problems.push(describe(e, path, unions.get(e.instancePath)));
    } else if (!kept.some((k) => within(k.instancePath, e.instancePath))) {
      problems.push(noFittingForm(e, path));
    }
  }
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.path + p.message) && seen.add(p.path + p.message));
}

/** Is `pointer` the same as `base` or below it? */
export function within(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(base + '/');
}

function describe(e: ErrorObject, path: string, union: SchemaNode | undefined): Problem {
  const schema = e.parentSchema as SchemaNode;
  const p = e.params as Record<string, unknown>;
  const value = e.data;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const allowed = Object.keys(propertiesOf(schema)).filter((k) => k !== '$schema');
      const guess = closest(field, allowed);
      return {
        path: child(path, field),
        message: `unknown field ${json(field)}${inside(path, schema, value)}`,
        fix: guess ? `did you mean ${json(guess)}?` : `remove it; the fields allowed here are ${list(allowed)}`,
      };
    }
    case 'required': {
      const field = String(p.missingProperty);
      const example = exampleOf(propertiesOf(schema)[field]);
      return {
        path: child(path, field),
        message: `missing required field ${json(field)}${inside(path, schema, value)}`,
        fix: example === undefined ? `add ${json(field)}` : `add it, e.g. ${json(field)}: ${json(example)}`,
      };
    }
    case 'discriminator': {
      const tag = String(p.tag);
      const allowed = tagValues(schema, tag);
      const got = (value as Record<string, unknown>)[tag];
      const guess = typeof got === 'string' ? closest(got, allowed) : undefined;
      return {
        path: child(path, tag),
        message: got === undefined ? `missing required field ${json(tag)}` : typeof got === 'string' ? `unknown ${tag} ${json(got)}` : `${json(tag)} must be a string, not ${describeValue(got)}`,
        fix: `${guess ? `did you mean ${json(guess)}? ` : ''}${got === undefined ? 'add it: ' : ''}${json(tag)} is one of ${list(allowed)}`,
      };
    }
    case 'type':
      return { path, message: `must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}, not ${describeValue(value)}`, fix: typeFix(String(p.type), value, union ?? schema) };
    case 'enum':
    case 'const': {
      const allowed = (e.keyword === 'enum' ? p.allowedValues : [p.allowedValue]) as unknown[];
      const guess = typeof value === 'string' ? closest(value, allowed.filter((a): a is string => typeof a === 'string')) : undefined;
      const otherForms = ((union?.examples ?? []) as unknown[]).filter((x) => typeof x !== typeof value);
      return {
        path,
        message: allowed.length === 1 ? `must be ${json(allowed[0])}, not ${json(value)}` : `${json(value)} is not one of the allowed values`,
        fix: `${guess ? `did you mean ${json(guess)}? ` : ''}${allowed.length === 1 ? 'write' : 'use one of'} ${list(allowed)}${otherForms.length ? `, or the form ${json(otherForms[0])}` : ''}`,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${SYMBOLS[String(p.comparison)] ?? String(p.comparison)} ${String(p.limit)}, not ${json(value)}`, fix: `use ${range(schema)}${defaultHint(schema)}` };
    case 'minItems':
    case 'maxItems': {
      const limit = Number(p.limit);
      const more = e.keyword === 'minItems';
      return {
        path,
        message: `${more ? 'needs at least' : 'may have at most'} ${limit} item${limit === 1 ? '' : 's'} (it has ${(value as unknown[]).length})`,
        fix: more ? `add ${limit === 1 ? 'an item' : 'items'}${exampleHint(schema)}` : 'remove items, or split the experiment into several files',
      };
    }
    case 'uniqueItems': {
      const items = value as unknown[];
      const [first, second] = [Number(p.j), Number(p.i)].sort((a, b) => a - b);
      return { path, message: `${json(items[Number(p.i)])} appears twice (items ${first} and ${second})`, fix: 'remove the duplicate' };
    }
    case 'pattern':
      return { path, message: `${json(value)} ${typeof schema.patternErrorMessage === 'string' ? schema.patternErrorMessage : `does not match ${String(p.pattern)}`}`, fix: `change it${exampleHint(schema)}` };
    case 'minLength':
    case 'maxLength':
      return { path, message: `must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${String(p.limit)} characters long`, fix: e.keyword === 'minLength' ? 'write a non-empty value, or remove the field' : 'shorten it' };
    default:
      return { path, message: e.message ?? 'is invalid', fix: 'see the field\'s description in schemas/experiment.schema.json' };
  }
}

/** A union value whose type fits none of its forms, e.g. a number where a name or an object goes. */
function noFittingForm(e: ErrorObject, path: string): Problem {
  const forms = (e.schema as SchemaNode[]).map(deref).map(formName);
  return { path, message: `must be ${forms.slice(0, -1).join(', ')} or ${forms.at(-1)}, not ${describeValue(e.data)}`, fix: `write it in one of these forms${exampleHint(e.parentSchema as SchemaNode)}` };
}

function fitsType(node: SchemaNode, value: unknown): boolean {
  const t = node.type;
  return typeof t !== 'string' || t === jsonType(value) || (t === 'integer' && typeof value === 'number');
}

function typeFix(expected: string, value: unknown, schema: SchemaNode): string {
  if (typeof value === 'string' && value.trim() !== '') {
    if ((expected === 'number' || expected === 'integer') && !Number.isNaN(Number(value))) return `remove the quotes: ${value.trim()}`;
    if (expected === 'boolean' && (value === 'true' || value === 'false')) return `remove the quotes: ${value}`;
  }
  if (expected === 'integer' && typeof value === 'number') return `use a whole number, e.g. ${Math.round(value)}`;
  if (expected === 'array' && value !== null && typeof value !== 'object') return `put it in a list: [${json(value)}]`;
  return `write ${TYPE_NAMES[expected] ?? expected}${exampleHint(schema)}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list [...]',
  object: 'an object {...}',
  null: 'null',
};
const SYMBOLS: Record<string, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };

function formName(node: SchemaNode): string {
  if (Array.isArray(node.enum)) return `one of ${list(node.enum)}`;
  if ('const' in node) return json(node.const);
  return TYPE_NAMES[String(node.type)] ?? 'a valid value';
}

function range(node: SchemaNode): string {
  const kind = node.type === 'integer' ? 'a whole number' : 'a number';
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = node;
  if (typeof min === 'number' && typeof max === 'number') return `${kind} from ${min} to ${max}`;
  const bounds = [
    typeof min === 'number' ? `≥ ${min}` : '',
    typeof xmin === 'number' ? `> ${xmin}` : '',
    typeof max === 'number' ? `≤ ${max}` : '',
    typeof xmax === 'number' ? `< ${xmax}` : '',
  ].filter(Boolean);
  return `${kind} ${bounds.join(' and ')}`;
}

function defaultHint(node: SchemaNode): string {
  return node.default === undefined ? '' : ` (default ${json(node.default)})`;
}

function exampleOf(node: SchemaNode | undefined): unknown {
  if (!node) return undefined;
  const examples = (node.examples ?? deref(node).examples) as unknown[] | undefined;
  return examples?.[0] ?? node.default;
}

function exampleHint(node: SchemaNode): string {
  const example = exampleOf(node);
  return example === undefined ? '' : `, e.g. ${json(example)}`;
}

/** The tag values of a discriminated union (`"kind": "mlp" | "cnn" | …`). */
function tagValues(union: SchemaNode, tag: string): string[] {
  return ((union.oneOf ?? []) as SchemaNode[]).flatMap((branch) => {
    const t = propertiesOf(branch)[tag] ?? {};
    return (Array.isArray(t.enum) ? t.enum : [t.const]).filter((v): v is string => typeof v === 'string');
  });
}

/** " in training", or " in model.layers[0] (type "conv")" when the object is one branch of a union. */
function inside(path: string, schema: SchemaNode, value: unknown): string {
  const tag = Object.entries(propertiesOf(schema)).find(([, s]) => typeof s.const === 'string');
  const tagText = tag && (value as Record<string, unknown>)?.[tag[0]] === tag[1].const ? ` (${tag[0]} ${json(tag[1].const)})` : '';
  return path ? ` in ${path}${tagText}` : tagText;
}

/** JSON pointer "/model/layers/0/kernel" → "model.layers[0].kernel" (array indexes told apart by the data). */
function pathOf(pointer: string, data: unknown): string {
  let path = '';
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = Array.isArray(node) ? `${path}[${key}]` : child(path, key);
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return path;
}

function child(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${json(key)}]`;
  return path ? `${path}.${key}` : key;
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function describeValue(value: unknown): string {
  const t = jsonType(value);
  if (t === 'array') return 'a list';
  if (t === 'object') return 'an object';
  return `${t === 'string' ? 'the string ' : ''}${json(value)}`;
}

function list(values: readonly unknown[]): string {
  return values.map(json).join(', ');
}

function json(value: unknown): string {
  return JSON.stringify(value);
}
