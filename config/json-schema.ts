// The JSON Schema of vigil.yaml, generated from the zod schema so editors (yaml-language-server)
// autocomplete and check the file: `# yaml-language-server: $schema=./config/vigil.schema.json`.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ProbeRegistry } from '../probes/probe.js';
import { EXTENSION_PREFIX, configSchema } from './schema.js';

/** Where `npm run schema` writes the schema; committed, and checked up to date by a test. */
export const JSON_SCHEMA_FILE = fileURLToPath(new URL('./vigil.schema.json', import.meta.url));

/** The JSON Schema (draft-07, the input side: durations as strings) of a config for these probe kinds. */
export function vigilJsonSchema(registry: ProbeRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema(registry), {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // Strings of a check are templates ("https://{{env}}.example.com"), valid only once expanded.
      delete ctx.jsonSchema.format;
    },
  }) as Record<string, unknown>;
  // The loader ignores top-level `x-…` keys (anchors for shared settings); editors should too.
  return { ...schema, patternProperties: { [`^${EXTENSION_PREFIX}`]: {} } };
}

/** The schema file's text, as `npm run schema` writes it. */
export function renderJsonSchema(registry: ProbeRegistry): string {
  return `${JSON.stringify(vigilJsonSchema(registry), null, 2)}\n`;
}
