/**
 * Makes an OpenAI JSON Schema (tool `parameters`, `response_format.json_schema.schema`) acceptable to Gemini's
 * JSON-Schema fields, `FunctionDeclaration.parametersJsonSchema` and `GenerationConfig.responseJsonSchema`.
 *
 * Why those fields and not the OpenAPI-subset `parameters` / `responseSchema`: the subset is a protobuf message
 * (`Schema`), so any keyword it has no field for (`additionalProperties`, `$ref`, `$defs`, `const`,
 * `exclusiveMinimum`, `uniqueItems`, ...) fails the whole request with "Invalid JSON payload received. Unknown
 * name ..." and a lossy down-conversion would have to chase every such keyword. The JSON-Schema fields are a
 * `google.protobuf.Value`: the installed SDK (node_modules/@google/genai/dist/genai.d.ts, `FunctionDeclaration.
 * parametersJsonSchema`, `GenerateContentConfig.responseJsonSchema`) sends them untouched, and the API documents
 * them as taking JSON Schema with `$id`, `$defs`, `$ref`, `$anchor`, `type`, `format`, `title`, `description`,
 * `enum`, `items`, `prefixItems`, `minItems`, `maxItems`, `minimum`, `maximum`, `anyOf`, `oneOf`, `properties`,
 * `additionalProperties`, `required` (https://ai.google.dev/api/generate-content#v1beta.GenerationConfig),
 * other keywords being ignored rather than rejected.
 *
 * What still has to change, and does here:
 * - `$schema` is dropped (metadata Gemini does not list);
 * - local `$ref`s (`#/$defs/X`, `#/definitions/X`) are inlined when they are not recursive, because Gemini
 *   rejects a `$ref` with sibling keywords ("If a schema node has $ref set, then only description and default
 *   can be set alongside it") and only knows `$defs`, not draft-07 `definitions`. A recursive `$ref` stays a
 *   `$ref` into `$defs` (Gemini unrolls cycles to a limited depth), keeping only its `description` beside it;
 * - `const` with a string or number becomes a one-value `enum` (Gemini's `enum` takes strings and numbers;
 *   `const` is not in its list and would be ignored, loosening the schema).
 *
 * The input is never mutated. Inlining is bounded: a schema whose references expand past `MAX_SCHEMA_NODES`
 * nodes (two references per definition, thirty definitions deep, is a billion nodes) or past
 * `MAX_SCHEMA_DEPTH` levels (a chain of thousands of definitions would overflow the walk's stack) is refused
 * as `unsupported_parameter` before any network call: OpenAI, which resolves references itself, can still
 * serve it.
 */
import { unsupportedParameter } from '../shared/request-refusals.ts';

export const MAX_SCHEMA_NODES = 100_000;
export const MAX_SCHEMA_DEPTH = 128;

type JsonObject = { [key: string]: unknown };

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'contentSchema',
]);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** Definitions containers; handled at the root only. */
const DEFINITIONS_KEYWORDS = new Set(['$defs', 'definitions']);

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function prepareJsonSchema(schema: JsonObject, param = 'schema'): JsonObject {
  const definitions = collectDefinitions(schema);
  const keptDefinitions = new Map<string, unknown>();
  const walker = new SchemaWalker(definitions, keptDefinitions, param);
  const out = walker.schema(schema, []);
  if (!isJsonObject(out)) return {};
  for (const keyword of DEFINITIONS_KEYWORDS) delete out[keyword];
  if (keptDefinitions.size > 0) out.$defs = Object.fromEntries(keptDefinitions);
  return out;
}

/** True when the schema describes an object without any property: a function that takes no arguments. */
export function isEmptyObjectSchema(schema: JsonObject): boolean {
  const properties = schema.properties;
  const noProperties = properties === undefined || (isJsonObject(properties) && Object.keys(properties).length === 0);
  const otherKeywords = Object.keys(schema).filter(
    (key) =>
      !['type', 'properties', 'required', 'additionalProperties', '$schema', 'description', 'title'].includes(key),
  );
  return (schema.type === undefined || schema.type === 'object') && noProperties && otherKeywords.length === 0;
}

function collectDefinitions(root: JsonObject): Map<string, unknown> {
  const definitions = new Map<string, unknown>();
  for (const keyword of DEFINITIONS_KEYWORDS) {
    const container = root[keyword];
    if (!isJsonObject(container)) continue;
    for (const [name, definition] of Object.entries(container)) definitions.set(`#/${keyword}/${name}`, definition);
  }
  return definitions;
}

class SchemaWalker {
  private readonly definitions: Map<string, unknown>;
  private readonly kept: Map<string, unknown>;
  private readonly param: string;
  private nodes = 0;
  private depth = 0;

  constructor(definitions: Map<string, unknown>, kept: Map<string, unknown>, param: string) {
    this.definitions = definitions;
    this.kept = kept;
    this.param = param;
  }

  /** `expanding` holds the refs being inlined on the current path, to detect recursion. */
  schema(node: unknown, expanding: readonly string[]): unknown {
    if (!isJsonObject(node)) return node; // `true` / `false` schemas and garbage pass through
    this.nodes += 1;
    if (this.nodes > MAX_SCHEMA_NODES || this.depth >= MAX_SCHEMA_DEPTH) {
      throw unsupportedParameter(
        'gemini',
        this.param,
        `Gemini provider: the schema expands to more than ${this.nodes > MAX_SCHEMA_NODES ? `${MAX_SCHEMA_NODES} nodes` : `${MAX_SCHEMA_DEPTH} levels`} once its $refs are inlined.`,
      );
    }
    this.depth += 1;
    try {
      return this.walk(node, expanding);
    } finally {
      this.depth -= 1;
    }
  }

  private walk(node: JsonObject, expanding: readonly string[]): unknown {
    const ref = node.$ref;
    if (typeof ref === 'string' && this.definitions.has(ref)) return this.reference(node, ref, expanding);

    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema') continue;
      if (DEFINITIONS_KEYWORDS.has(key)) continue; // re-added at the root only for recursive refs
      if (SCHEMA_KEYWORDS.has(key)) out[key] = this.schema(value, expanding);
      else if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value))
        out[key] = value.map((item) => this.schema(item, expanding));
      else if (SCHEMA_MAP_KEYWORDS.has(key) && isJsonObject(value)) out[key] = this.schemaMap(value, expanding);
      else out[key] = value;
    }
    if ('const' in out && out.enum === undefined && (typeof out.const === 'string' || typeof out.const === 'number')) {
      out.enum = [out.const];
      delete out.const;
    }
    return out;
  }

  private schemaMap(map: JsonObject, expanding: readonly string[]): JsonObject {
    const out: JsonObject = {};
    for (const [name, value] of Object.entries(map)) out[name] = this.schema(value, expanding);
    return out;
  }

  private reference(node: JsonObject, ref: string, expanding: readonly string[]): unknown {
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    if (expanding.includes(ref)) {
      // Recursive: keep it as a reference Gemini can follow, with nothing but a description beside it.
      if (!this.kept.has(name)) {
        this.kept.set(name, {}); // placeholder first, so the walk below cannot loop
        this.kept.set(name, this.schema(this.definitions.get(ref), [ref]));
      }
      const kept: JsonObject = { $ref: `#/$defs/${name}` };
      if (typeof node.description === 'string') kept.description = node.description;
      return kept;
    }
    const resolved = this.schema(this.definitions.get(ref), [...expanding, ref]);
    const siblings: JsonObject = {};
    for (const [key, value] of Object.entries(node)) if (key !== '$ref') siblings[key] = value;
    const walkedSiblings = this.schema(siblings, expanding);
    if (!isJsonObject(resolved)) return walkedSiblings;
    return isJsonObject(walkedSiblings) ? { ...resolved, ...walkedSiblings } : resolved;
  }
}
