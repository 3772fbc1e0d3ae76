// `npm run schema`: regenerates config/vigil.schema.json from the zod schema and the built-in probes.
import { writeFileSync } from 'node:fs';
import { builtinProbes } from '../probes/index.js';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './json-schema.js';

writeFileSync(JSON_SCHEMA_FILE, renderJsonSchema(builtinProbes()));
console.log(`wrote ${JSON_SCHEMA_FILE}`);
