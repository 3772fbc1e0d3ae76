// Secrets from `${VAR}`s: a value that never prints, and the set of every secret value a config
// interpolated, so that any text crossing a boundary (an error, a log line, an API answer) can be
// scrubbed of them.
import { inspect } from 'node:util';

const SHOWN = '***';

/**
 * A secret value (a webhook URL, a routing key, a password). It prints as `***` in template strings,
 * `JSON.stringify`, `console.log` and `util.inspect`; `reveal()` is the one way to the value, used only
 * where it is sent to its destination.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return SHOWN;
  }

  toJSON(): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return SHOWN;
  }
}

/** Secrets shorter than this are not scrubbed from text: `${PORT}` = "5" must not turn every 5 into ***. */
export const MIN_SCRUBBED_LENGTH = 4;

/**
 * Every secret value a config interpolated. `scrub` replaces each occurrence (also URL-encoded, as a
 * secret in a URL appears in an error quoting that URL) with `***`, longest first.
 */
export class SecretValues {
  static readonly none = new SecretValues([]);
  readonly #values: readonly string[];
  readonly #steps: readonly ScrubStep[];

  /** `derive` false: `values` are already the forms (see fromForms). */
  constructor(values: Iterable<string>, derive = true) {
    const forms = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_SCRUBBED_LENGTH) continue;
      forms.add(value);
      const encoded = encodeURIComponent(value);
      if (derive && encoded !== value) forms.add(encoded);
    }
    this.#values = [...forms].sort((a, b) => b.length - a.length);
    this.#steps = scrubSteps(this.#values);
  }

  get size(): number {
    return this.#values.length;
  }

  /** The scrubbed forms (values and their URL-encodings), for handing the set to a worker thread. */
  forms(): readonly string[] {
    return this.#values;
  }

  /** The set `forms()` came from, rebuilt on the other side of a thread boundary without deriving forms again. */
  static fromForms(forms: readonly string[]): SecretValues {
    return new SecretValues(forms, false);
  }

  /** The text with every known secret value shown as `***`. */
  scrub(text: string): string {
    let out = text;
    for (const step of this.#steps) out = typeof step === 'string' ? out.replaceAll(step, SHOWN) : out.replace(step, SHOWN);
    return out;
  }

  /** True when the text contains a known secret value. */
  contains(text: string): boolean {
    return this.#steps.some((step) => {
      if (typeof step === 'string') return text.includes(step);
      step.lastIndex = 0;
      return step.test(text);
    });
  }

  /** A deep copy of plain data (objects, arrays, strings) with every string scrubbed; `Secret`s stay `***`. */
  redact(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value instanceof Secret) return SHOWN;
    if (Array.isArray(value)) return value.map((item) => this.redact(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redact(item)]));
    }
    return value;
  }

  /** Both sets in one. */
  with(other: SecretValues): SecretValues {
    return new SecretValues([...this.#values, ...other.#values]);
  }
}

/** A value replaced as plain text, or an alternation of values replaced in one pass. */
type ScrubStep = string | RegExp;

/**
 * V8 refuses to compile a regular expression of about a megabyte ("Regular expression too large", at
 * first use), so a long value is replaced as plain text, and the rest in alternations of bounded size.
 */
const MAX_PATTERN_VALUE = 4096;
const MAX_PATTERN_SOURCE = 65_536;

/** The steps of `scrub` for values sorted longest first; each alternation is longest first too. */
function scrubSteps(values: readonly string[]): ScrubStep[] {
  const steps: ScrubStep[] = [];
  let group: string[] = [];
  let groupSource = 0;
  const flush = () => {
    // One alternation, longest first, so a secret that contains another is replaced whole.
    if (group.length) steps.push(new RegExp(group.join('|'), 'g'));
    group = [];
    groupSource = 0;
  };
  for (const value of values) {
    if (value.length > MAX_PATTERN_VALUE) {
      steps.push(value);
      continue;
    }
    const source = escapeRegExp(value);
    if (groupSource + source.length > MAX_PATTERN_SOURCE) flush();
    group.push(source);
    groupSource += source.length + 1;
  }
  flush();
  return steps;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
