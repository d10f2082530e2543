// Validates events against the official CDEvents v0.5.1 JSON schemas (ajv, draft 2020-12).
//
// Schema folder: $CDEVENTS_SCHEMAS, else <repo>/../shared/cdevents-spec/schemas. Every
// schemas/links/*.json and schemas/*.json is added to ajv, since the event schemas $ref the link
// schemas by $id. Standard events are validated by the schema whose context.type enum names their
// type. Custom (dev.cdeventsx.*) events use custom/schema.json when the folder has it
// (<schemas>/custom/schema.json or <schemas>/../custom/schema.json); the shared copy holds only
// schemas/, so otherwise the custom schema is rebuilt from the v0.5.1 tag's custom/schema.json:
// the standard context of an official event schema with the type pattern below, and a subject of
// { id, source?, content: object } with no other members.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** cdevents/spec v0.5.1 custom/schema.json, context.type.pattern. */
export const CUSTOM_TYPE_PATTERN =
  '^dev\\.cdeventsx\\.[a-zA-Z0-9]+-[a-zA-Z]+\\.[a-zA-Z]+\\.[0-9]\\.[0-9]\\.[0-9]$';
const CUSTOM_SCHEMA_ID = 'https://cdevents.dev/0.5.1/schema/custom';

type Json = Record<string, unknown>;

export interface ValidationResult {
  readonly valid: boolean;
  /** ajv errors as "<instancePath> <message>" lines. */
  readonly errors: readonly string[];
}

export interface CDEventsSchemas {
  readonly dir: string;
  /** Every dev.cdevents.* type the folder has a schema for. */
  readonly types: readonly string[];
  /** Validates an event by its context.type; unknown types are an error, never a pass. */
  validate(event: unknown): ValidationResult;
}

/** The schema folder, or an error that says where it looked and how to point elsewhere. */
export function cdeventsSchemaDir(): string {
  const fromEnv = process.env.CDEVENTS_SCHEMAS;
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = fromEnv ?? resolve(here, '../../../shared/cdevents-spec/schemas');
  if (!existsSync(join(dir, 'links', 'embeddedlinksarray.json'))) {
    throw new Error(
      `CDEvents v0.5.1 schemas not found in ${dir} (expected *.json and links/*.json there). ` +
        'Set CDEVENTS_SCHEMAS to the schemas/ folder of cdevents/spec at tag v0.5.1.',
    );
  }
  return dir;
}

function readJsonFiles(dir: string): Json[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json);
}

function at(schema: unknown, ...path: string[]): Json {
  let node = schema;
  for (const key of path) node = (node as Json)[key];
  if (typeof node !== 'object' || node === null) throw new Error(`schema has no ${path.join('.')}`);
  return node as Json;
}

function typeOfSchema(schema: Json): string | undefined {
  const type = at(schema, 'properties', 'context', 'properties', 'type');
  const values = type.enum;
  return Array.isArray(values) && typeof values[0] === 'string' ? values[0] : undefined;
}

function rebuiltCustomSchema(template: Json): Json {
  const schema = structuredClone(template);
  schema.$id = CUSTOM_SCHEMA_ID;
  at(schema, 'properties', 'context', 'properties').type = {
    type: 'string',
    pattern: CUSTOM_TYPE_PATTERN,
  };
  const subject = at(schema, 'properties', 'subject');
  const subjectProps = at(subject, 'properties');
  subject.properties = {
    id: subjectProps.id,
    source: subjectProps.source,
    content: { type: 'object', additionalProperties: true },
  };
  subject.required = ['id', 'content'];
  return schema;
}

function customSchema(dir: string, events: readonly Json[]): Json {
  for (const candidate of [
    join(dir, 'custom', 'schema.json'),
    join(dir, '..', 'custom', 'schema.json'),
  ]) {
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as Json;
  }
  const template = events.find((s) => typeOfSchema(s) === 'dev.cdevents.service.removed.0.3.0');
  if (template === undefined) throw new Error(`no service-removed schema in ${dir}`);
  return rebuiltCustomSchema(template);
}

function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** Loads every schema once and returns a validator keyed by event type. */
export function loadCDEventsSchemas(): CDEventsSchemas {
  const dir = cdeventsSchemaDir();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  for (const link of readJsonFiles(join(dir, 'links'))) ajv.addSchema(link);
  const events = readJsonFiles(dir);
  const byType = new Map<string, ValidateFunction>();
  for (const schema of events) {
    ajv.addSchema(schema);
    const type = typeOfSchema(schema);
    if (type !== undefined) byType.set(type, ajv.getSchema(String(schema.$id)) as ValidateFunction);
  }
  const custom = ajv.compile(customSchema(dir, events));
  return {
    dir,
    types: [...byType.keys()],
    validate(event: unknown): ValidationResult {
      const type = (event as { context?: { type?: unknown } } | null)?.context?.type;
      const validator =
        typeof type === 'string' && type.startsWith('dev.cdeventsx.')
          ? custom
          : byType.get(String(type));
      if (validator === undefined)
        return { valid: false, errors: [`no schema for type ${String(type)}`] };
      const valid = validator(event);
      return { valid, errors: formatErrors(validator.errors) };
    },
  };
}
