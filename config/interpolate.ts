// The two kinds of substitution in a config string: `{{var}}` templates (environment, service, check,
// caller vars), then `${VAR}` secrets from the environment map the caller passes in. Both scan the text
// once and join slices: a config string may be megabytes long, and building it a character at a time
// (or a backtracking regex) made that quadratic.

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
  /** Set when the text would grow past `maxLength`; `text` is then incomplete. */
  readonly tooLong?: true;
}

/**
 * Replaces `{{name}}` with `vars[name]`; unknown names are reported and left as written. The name is the
 * text between `{{` and the next `}}` with no brace in between, trimmed (`{{ env }}` is `{{env}}`).
 */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, maxLength = Infinity): TemplateResult {
  const unknown: string[] = [];
  const parts: string[] = [];
  let length = 0;
  let copied = 0;
  let open = text.indexOf('{{');
  while (open !== -1) {
    const close = nextBrace(text, open + 2);
    if (close !== -1 && text.startsWith('}}', close)) {
      const name = text.slice(open + 2, close).trim();
      if (Object.hasOwn(vars, name)) {
        parts.push(text.slice(copied, open), vars[name]);
        length += open - copied + vars[name].length;
        if (length > maxLength) return { text: parts.join(''), unknown, tooLong: true };
        copied = close + 2;
      } else {
        unknown.push(name);
      }
      open = text.indexOf('{{', close + 2);
    } else {
      // No `}}` closes this `{{` before another brace: the next chance is at a later `{{` (`{{{env}}`).
      open = text.indexOf('{{', open + 1);
    }
  }
  if (length + text.length - copied > maxLength) return { text: parts.join(''), unknown, tooLong: true };
  if (copied === 0) return { text, unknown };
  parts.push(text.slice(copied));
  return { text: parts.join(''), unknown };
}

/** The index of the first `{` or `}` at or after `from`, or -1. */
function nextBrace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x7d) return i;
  }
  return -1;
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
  /** The same text with every reference shown as `***`, whether its value came from the environment or a default. */
  readonly redacted: string;
  /** Variables referenced but not set (and without a default). */
  readonly missing: readonly string[];
  /** Malformed references, as written (`${}`, `${1X}`, an unterminated `${`). */
  readonly invalid: readonly string[];
  /**
   * The non-empty values taken from the environment, so messages and displays can scrub them. A default
   * (`${VAR:-default}`) is not among them: it is written in the file, and scrubbing it everywhere would
   * hide ordinary text (`${BASE:-https://{{env}}.example.com}` would hide every URL of that host).
   */
  readonly secrets: readonly string[];
  /** Set when the value would grow past `maxLength`; `value` is then incomplete. */
  readonly tooLong?: true;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` from `env` (the default applies when VAR is unset or empty,
 * as in a shell); `$${` is a literal `${`. Never reads process.env: the caller passes the map.
 */
export function interpolateSecrets(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  maxLength = Infinity,
): SecretsResult {
  if (!text.includes('$')) {
    return text.length > maxLength
      ? { value: '', redacted: '', missing: [], invalid: [], secrets: [], tooLong: true }
      : { value: text, redacted: text, missing: [], invalid: [], secrets: [] };
  }
  const value: string[] = [];
  const redacted: string[] = [];
  const missing: string[] = [];
  const invalid: string[] = [];
  const secrets: string[] = [];
  let length = 0;
  // An environment value is not bounded by the file: a 10 MB variable used 100,000 times would be 1 TB.
  const add = (shown: string, written: string = shown): boolean => {
    length += shown.length;
    if (length > maxLength) return false;
    value.push(shown);
    redacted.push(written);
    return true;
  };
  const tooLong = (): SecretsResult => ({ value: value.join(''), redacted: redacted.join(''), missing, invalid, secrets, tooLong: true });
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      if (!add(text.slice(i))) return tooLong();
      break;
    }
    if (dollar > i && !add(text.slice(i, dollar))) return tooLong();
    i = dollar;
    if (text.startsWith('$${', i)) {
      if (!add('${')) return tooLong();
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      if (!add('$')) return tooLong();
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
    const useSet = set !== undefined && (fallback === undefined || set !== '');
    if (!useSet && fallback === undefined) {
      missing.push(name);
      continue;
    }
    const resolved = useSet ? set : (fallback as string);
    if (!add(resolved, '***')) return tooLong();
    if (useSet && resolved) secrets.push(resolved);
  }
  return { value: value.join(''), redacted: redacted.join(''), missing, invalid, secrets };
}

/** Replaces every occurrence of each secret in `text` with `***`, longest first. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const sorted = [...new Set(secrets)].filter(Boolean).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of sorted) out = out.replaceAll(secret, '***');
  return out;
}
