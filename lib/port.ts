import { z } from 'zod';

/**
 * A TCP port in a check: a number, or a string of digits, which is what a port taken from the
 * environment (`port: "${PG_PORT}"`) or a template variable (`port: "{{demo_tls_port}}"`) expands to.
 * Anything else fails as a number would ("expected a number, got …").
 */
export const port = () =>
  z
    .preprocess((value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value), z.number().int().min(1).max(65535))
    // For editors the file is unexpanded: a string is any template, checked once expanded.
    .meta({ type: ['integer', 'string'], description: 'A port: 5432, or a template such as "${PG_PORT}"' });
