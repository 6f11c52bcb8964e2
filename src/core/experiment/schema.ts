// The experiment JSON Schema (schemas/experiment.schema.json, also used by VS Code for IntelliSense)
// and its compiled ajv validator.
import Ajv, { type ValidateFunction } from 'ajv';
import schemaJson from '../../../schemas/experiment.schema.json';

/** A schema node, read loosely: the schema is data here. */
export type SchemaNode = Record<string, unknown>;

export const experimentSchema: SchemaNode = schemaJson;

/** VS Code's schema extensions used in the schema; declared so ajv's strict mode accepts them. */
const EDITOR_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'patternErrorMessage'];

let compiled: ValidateFunction | undefined;

/**
 * Compiled once, on first use. allErrors: report every problem at once; verbose: errors carry their
 * schema and data, which the messages need; discriminator: a union chosen by `kind` / `type` / `name`
 * / `grid` reports only the chosen branch's errors.
 */
export function experimentValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true, discriminator: true })
    .addVocabulary(EDITOR_KEYWORDS)
    .compile(experimentSchema);
  return compiled;
}

/** Follows a local `$ref` ("#/definitions/x"); other nodes are returned as they are. */
export function deref(node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = experimentSchema;
  for (const key of ref.slice(2).split('/')) target = (target as SchemaNode)[key];
  return target as SchemaNode;
}

/** The property schemas of an object schema (after `$ref`). */
export function propertiesOf(node: SchemaNode): Record<string, SchemaNode> {
  return (deref(node).properties ?? {}) as Record<string, SchemaNode>;
}
