// Generates the reference docs from their one source, so they cannot drift (test/unit/docs.test.ts
// regenerates them and fails when the committed files differ):
//   docs/experiment-file.md  from schemas/experiment.schema.json (every field, its type, default, values)
//   docs/cli.md              from the commander program of src/cli/main.ts (every command and option)
// Usage: npm run docs
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const EXPERIMENT_DOC = 'docs/experiment-file.md';
export const CLI_DOC = 'docs/cli.md';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---- the experiment file -------------------------------------------------------------------------

/** The definition name of a local $ref ("#/definitions/training" → "training"). */
const refName = (s: Schema): string | undefined => (typeof s.$ref === 'string' ? s.$ref.replace('#/definitions/', '') : undefined);
/** "text" → "text." (commander's descriptions have no final stop). */
const sentence = (text: string) => (text && !/[.!?]$/.test(text) ? `${text}.` : text);
/** A one-line cell: no newlines or pipes that would break the table. */
const cell = (text: string) => text.replace(/\n+/g, ' ').replace(/\|/g, '\\|').trim();
const code = (v: unknown) => `\`${JSON.stringify(v)}\``;
/** An anchor for a section: "def-<definition>" (stable across edits of the prose). */
export const anchor = (def: string) => `def-${def}`;

/** The schemas a value may take: $ref and oneOf resolved, one level of nesting flattened. */
function alternatives(root: Schema, s: Schema): { def?: string; schema: Schema }[] {
  const name = refName(s);
  if (name) return [{ def: name, schema: root.definitions[name] }];
  if (Array.isArray(s.oneOf)) return s.oneOf.flatMap((o: Schema) => alternatives(root, o));
  return [{ schema: s }];
}

/** "integer ≥ 1", "string: a | b", "[number]", "object (see training)"… for the type column. */
function typeOf(root: Schema, s: Schema): string {
  if (s.const !== undefined) return code(s.const);
  const parts = alternatives(root, s).map(({ def, schema }) => {
    if (schema.const !== undefined) return code(schema.const);
    if (Array.isArray(schema.enum)) return schema.enum.map(code).join(' \\| ');
    if (Array.isArray(schema.oneOf)) return typeOf(root, schema);
    if (schema.type === 'array') return `list of ${typeOf(root, schema.items ?? {})}`;
    if (schema.type === 'object' || schema.properties || schema.discriminator) return def ? `object ([${def}](#${anchor(def)}))` : 'object';
    const bounds = [
      schema.minimum !== undefined ? `≥ ${schema.minimum}` : '', schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : '',
      schema.maximum !== undefined ? `≤ ${schema.maximum}` : '', schema.exclusiveMaximum !== undefined ? `< ${schema.exclusiveMaximum}` : '',
    ].filter(Boolean).join(', ');
    return `${schema.type ?? 'any'}${bounds ? ` (${bounds})` : ''}`;
  });
  return [...new Set(parts)].join(' or ');
}

/** What a row says: the description (the markdown one when there is one), the values, an example. */
function describe(root: Schema, s: Schema): string {
  const own = s.markdownDescription ?? s.description ?? '';
  const target = alternatives(root, s);
  const fallback = target.length === 1 ? target[0]!.schema.description ?? '' : '';
  const values: string[] = [];
  for (const { schema } of target) {
    if (Array.isArray(schema.enum) && Array.isArray(schema.enumDescriptions)) {
      schema.enum.forEach((v: unknown, i: number) => values.push(`${code(v)}: ${String(schema.enumDescriptions[i]).replace(/\.$/, '')}`));
    }
  }
  const example = (s.examples ?? target[0]?.schema.examples)?.[0];
  return cell([own || fallback, values.length ? `Values: ${values.join('; ')}.` : '', example !== undefined && !values.length ? `Example: ${code(example)}.` : ''].filter(Boolean).join(' '));
}

/** The object definitions a property leads to (for sub-sections), e.g. the layer variants of a layer list. */
function objectDefs(root: Schema, s: Schema): string[] {
  const out: string[] = [];
  const visit = (x: Schema) => {
    const name = refName(x);
    const target = name ? root.definitions[name] : x;
    if (name && target.properties) out.push(name);
    if (Array.isArray(target.oneOf)) target.oneOf.forEach(visit);
    if (target.type === 'array' && target.items) visit(target.items);
  };
  visit(s);
  return out;
}

/**
 * Every object definition with properties, in reading order (depth first from the root), each once,
 * with the fields of the file where it is used ("prior.layers[]", "training", "prior.training").
 */
function sectionOrder(root: Schema): { def: string; where: string[] }[] {
  const where = new Map<string, string[]>();
  const walk = (s: Schema, path: string) => {
    for (const [name, prop] of Object.entries<Schema>(s.properties ?? {})) {
      const target = alternatives(root, prop)[0]?.schema ?? {};
      const field = `${path}${name}${target.type === 'array' ? '[]' : ''}`;
      for (const def of objectDefs(root, prop)) {
        const seen = where.has(def);
        where.set(def, [...(where.get(def) ?? []), field]);
        if (!seen) walk(root.definitions[def], `${field}.`);
      }
    }
  };
  walk(root, '');
  return [...where].map(([def, at]) => ({ def, where: [...new Set(at)] }));
}

/**
 * The rows of an object's fields; an inline object's own fields follow it as "parent.field" rows
 * (e.g. augment.crop), so every field of the schema has a row.
 */
export function fieldRows(root: Schema, s: Schema, prefix = ''): { field: string; row: string }[] {
  const required = new Set<string>(s.required ?? []);
  return Object.entries<Schema>(s.properties ?? {}).flatMap(([name, p]) => {
    const field = prefix + name;
    const dflt = p.default !== undefined ? code(p.default) : required.has(name) ? 'required' : '';
    const row = { field, row: `| \`${field}\` | ${typeOf(root, p)} | ${dflt} | ${describe(root, p)} |` };
    return p.properties && !refName(p) ? [row, ...fieldRows(root, p, `${field}.`)] : [row];
  });
}

function table(root: Schema, s: Schema): string[] {
  return ['| field | type | default | description |', '|---|---|---|---|', ...fieldRows(root, s).map((r) => r.row)];
}

export function experimentFileDoc(schema: Schema): string {
  const lines = [
    '# The experiment file (`*.imlp.json`)',
    '',
    '<!-- Generated from schemas/experiment.schema.json by `npm run docs` (scripts/gen-docs.ts); edit the schema, not this file. -->',
    '',
    cell(schema.description ?? ''),
    '',
    'Fields left out take their defaults; unknown fields are errors (with a "did you mean"). The editor completes and',
    'checks the file as you type, and `imlp validate FILE` reports every problem with its path and a fix. The method',
    'behind the fields: [method.md](method.md).',
    '',
    `Example: \`${JSON.stringify(schema.examples?.[0] ?? {})}\``,
    '',
    `<a id="${anchor('root')}"></a>`,
    '## Top level',
    '',
    ...table(schema, schema),
  ];
  const sections = sectionOrder(schema);
  const unreached = Object.keys(schema.definitions).filter((d) => schema.definitions[d].properties && !sections.some((x) => x.def === d));
  if (unreached.length) throw new Error(`definitions with fields that no field of the file leads to: ${unreached.join(', ')}`);
  for (const { def, where } of sections) {
    const d = schema.definitions[def];
    lines.push('', `<a id="${anchor(def)}"></a>`, `## ${def}`, '', `${cell(sentence(d.description ?? ''))} Used at ${where.map((w) => `\`${w}\``).join(', ')}.`, '', ...table(schema, d));
  }
  return lines.join('\n') + '\n';
}

// ---- the command line ----------------------------------------------------------------------------

// One option's help depends on the machine it is printed on ("this machine has 16 cores"); the docs
// say it in general so that they are the same wherever they are generated.
const machineFree = (text: string) => text.replace(/this machine has \d+ cores?/g, 'at most the number of cores is useful');

function optionRows(cmd: Command): string[] {
  const rows = cmd.options.filter((o) => !o.hidden).map((o) => {
    const choices = o.argChoices ? ` Values: ${o.argChoices.map((c) => `\`${c}\``).join(', ')}.` : '';
    const dflt = o.defaultValue !== undefined ? ` Default: \`${JSON.stringify(o.defaultValue)}\`.` : '';
    return `| \`${o.flags}\` | ${cell(sentence(machineFree(o.description)))}${choices}${dflt} |`;
  });
  return rows.length ? ['| option | |', '|---|---|', ...rows] : [];
}

function argumentRows(cmd: Command): string[] {
  const args = cmd.registeredArguments;
  if (args.length === 0) return [];
  return ['| argument | |', '|---|---|', ...args.map((a) => {
    const name = `${a.required ? '<' : '['}${a.name()}${a.variadic ? '...' : ''}${a.required ? '>' : ']'}`;
    const choices = a.argChoices ? ` Values: ${a.argChoices.map((c) => `\`${c}\``).join(', ')}.` : '';
    return `| \`${name}\` | ${cell(sentence(a.description || ''))}${choices} |`;
  })];
}

export function cliDoc(program: Command): string {
  const lines = [
    '# The `imlp` command line',
    '',
    '<!-- Generated from the commander program in src/cli/main.ts by `npm run docs` (scripts/gen-docs.ts); edit the program, not this file. -->',
    '',
    cell(sentence(program.description())),
    '',
    'Run it as `imlp` after `npm link`, or `npm run imlp --` from the project. Exit codes: 0 done, 1 a run failed,',
    '2 bad input (experiment file, arguments), 130 cancelled. `imlp --version` prints the version, `imlp help COMMAND`',
    'the help of one command.',
    '',
    '| command | what it does |',
    '|---|---|',
    ...program.commands.map((c) => `| [\`imlp ${c.name()}\`](#imlp-${c.name()}) | ${cell(machineFree(c.description()))} |`),
  ];
  for (const c of program.commands) {
    lines.push('', `## imlp ${c.name()}`, '', cell(sentence(machineFree(c.description()))), '', '```', `imlp ${c.name()} ${c.usage()}`, '```', '');
    const args = argumentRows(c);
    if (args.length) lines.push(...args, '');
    lines.push(...optionRows(c));
    if (lines.at(-1) === '') lines.pop();
  }
  return lines.join('\n') + '\n';
}

/** Both documents, as `npm run docs` writes them. */
export async function generate(): Promise<Record<string, string>> {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/experiment.schema.json'), 'utf8')) as Schema;
  const { program } = await import('../src/cli/main');
  return { [EXPERIMENT_DOC]: experimentFileDoc(schema), [CLI_DOC]: cliDoc(program()) };
}

if (require.main === module) {
  void generate().then((docs) => {
    for (const [file, text] of Object.entries(docs)) {
      writeFileSync(join(ROOT, file), text);
      console.log(`wrote ${file} (${text.split('\n').length} lines)`);
    }
  });
}
