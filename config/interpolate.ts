// The two kinds of substitution in a config string: `{{var}}` templates (environment, service, check,
// caller vars), then `${VAR}` secrets from the environment map the caller passes in.

/** The template variables of one check in one environment. */
export function templateVars(
  env: string,
  service: string,
  extra: Readonly<Record<string, string>> = {},
  check?: string,
): Record<string, string> {
  const vars: Record<string, string> = { ...extra, env, ENV: env.toUpperCase().replaceAll('-', '_'), service };
  if (check !== undefined) vars.check = check;
  return vars;
}

export interface TemplateResult {
  readonly text: string;
  /** Names used as `{{name}}` that are not in the vars. */
  readonly unknown: readonly string[];
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Replaces `{{name}}` with `vars[name]`; unknown names are reported and left as written. */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): TemplateResult {
  const unknown: string[] = [];
  const rendered = text.replace(TEMPLATE, (whole, name: string) => {
    if (Object.hasOwn(vars, name)) return vars[name];
    unknown.push(name);
    return whole;
  });
  return { text: rendered, unknown };
}

/** `unknown template variable {{x}} (known: {{env}}, {{ENV}}, …)`. */
export function unknownTemplateMessage(name: string, vars: Readonly<Record<string, string>>): string {
  const known = Object.keys(vars).map((k) => `{{${k}}}`);
  const hint = name === 'check' ? '; {{check}} is only known in a runbook' : '';
  return `unknown template variable {{${name}}} (known: ${known.join(', ')}${hint})`;
}

export interface SecretsResult {
  /** The text with every `${VAR}` replaced by its value. */
  readonly value: string;
  /** The same text with every interpolated value shown as `***`. */
  readonly redacted: string;
  /** Variables referenced but not set (and without a default). */
  readonly missing: readonly string[];
  /** Malformed references, as written (`${}`, `${1X}`, an unterminated `${`). */
  readonly invalid: readonly string[];
  /** The non-empty values interpolated, so messages can scrub them. */
  readonly secrets: readonly string[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` from `env` (the default applies when VAR is unset or empty,
 * as in a shell); `$${` is a literal `${`. Never reads process.env: the caller passes the map.
 */
export function interpolateSecrets(text: string, env: Readonly<Record<string, string | undefined>>): SecretsResult {
  let value = '';
  let redacted = '';
  const missing: string[] = [];
  const invalid: string[] = [];
  const secrets: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      redacted += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      redacted += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end === -1) {
      invalid.push(text.slice(i));
      break;
    }
    const inner = text.slice(i + 2, end);
    const match = REFERENCE.exec(inner);
    i = end + 1;
    if (!match) {
      invalid.push(`\${${inner}}`);
      continue;
    }
    const [, name, fallback] = match;
    const set = env[name];
    let resolved: string;
    if (fallback !== undefined) resolved = set === undefined || set === '' ? fallback : set;
    else if (set !== undefined) resolved = set;
    else {
      missing.push(name);
      continue;
    }
    value += resolved;
    redacted += '***';
    if (resolved) secrets.push(resolved);
  }
  return { value, redacted, missing, invalid, secrets };
}

/** Replaces every occurrence of each secret in `text` with `***`, longest first. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const sorted = [...new Set(secrets)].filter(Boolean).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of sorted) out = out.replaceAll(secret, '***');
  return out;
}
