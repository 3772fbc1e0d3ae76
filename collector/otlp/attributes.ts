// OTLP attributes → Vigil labels, and the resource → (env, service) identity of a source.
import type { AnyValue, KeyValue } from './schema.js';
import { labelName } from './names.js';
import { withoutNul } from '../../lib/nul.js';
import { frozenLabels } from '../../store/labels.js';

/** Where an OTLP resource's series go when its attributes do not say (config `otlp.default_*`). */
export interface IdentityDefaults {
  readonly service: string;
  readonly env: string;
}

/** The env and service of one OTLP resource. */
export interface SourceIdentity {
  readonly env: string;
  readonly service: string;
}

/** An attribute value as a label value: strings as is, numbers and booleans as text, arrays and maps as JSON. */
export function valueText(value: AnyValue | undefined): string {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return JSON.stringify((value.arrayValue.values ?? []).map(valueText));
  if (value.kvlistValue !== undefined) {
    return JSON.stringify(Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, valueText(kv.value)])));
  }
  return '';
}

/** The string value of attribute `key`, or undefined when absent or empty. */
export function attribute(attributes: readonly KeyValue[] | undefined, key: string): string | undefined {
  if (!attributes) return undefined;
  for (const kv of attributes) if (kv.key === key) return valueText(kv.value) || undefined;
  return undefined;
}

/**
 * `service.name` → service; `deployment.environment.name` (semantic conventions ≥ 1.27), else the older
 * `deployment.environment` → env; the defaults otherwise. The SDKs' `unknown_service[:process]` counts as absent.
 */
export function sourceIdentity(resourceAttributes: readonly KeyValue[] | undefined, defaults: IdentityDefaults): SourceIdentity {
  const name = attribute(resourceAttributes, 'service.name');
  const service = name === undefined || name.startsWith('unknown_service') ? defaults.service : name;
  const env = attribute(resourceAttributes, 'deployment.environment.name') ?? attribute(resourceAttributes, 'deployment.environment') ?? defaults.env;
  // The source's status entry keeps both as text: no NUL (lib/nul.ts).
  return { env: withoutNul(env), service: withoutNul(service) };
}

/** Bounds of a LabelSets cache. */
export interface LabelSetLimits {
  readonly maxEntries: number;
  /** Estimated bytes of the entries held (their key texts, label strings and map entries). */
  readonly maxBytes: number;
}

// ~1,000 bytes a set estimated for a point with a few attributes: 100,000 sets stay under ~32 MiB, and
// a source needs more only past the per-metric series limit's scale, where a miss costs ~1 µs a point.
export const DEFAULT_LABEL_SET_LIMITS: LabelSetLimits = { maxEntries: 100_000, maxBytes: 32 * 1024 * 1024 };

/** Map entry, frozen object and its property slots, per label set: a rough figure, on the high side. */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * Label sets seen recently, by their text: a series' points share one frozen object from export to
 * export, so the live view, the collector's state and the store's series-id cache key it once (a
 * measured third of ingest time). One per collector, bounded by count and by estimated bytes: past
 * either, the oldest sets go (a set still in use is built again on its next point).
 */
export class LabelSets {
  readonly #byText = new Map<string, { labels: Readonly<Record<string, string>>; bytes: number }>();
  readonly #limits: LabelSetLimits;
  #bytes = 0;

  constructor(limits: LabelSetLimits = DEFAULT_LABEL_SET_LIMITS) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#byText.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Labels of one data point: `env` and `service` (they win: an attribute by the same name becomes
   * `exported_env`, as Prometheus does), and the point's attributes with Prometheus label names.
   * Frozen, and the same object for the same point labels while the set is cached.
   */
  labels(identity: SourceIdentity, attributes: readonly KeyValue[] | undefined, extra?: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    let text = `${identity.env}\u0000${identity.service}`;
    if (attributes) for (const kv of attributes) text += `\u0000${kv.key}\u0000${valueText(kv.value)}`;
    if (extra) for (const key in extra) text += `\u0001${key}\u0000${extra[key]}`;
    const known = this.#byText.get(text);
    if (known) return known.labels;
    const labels = buildLabels(identity, attributes, extra);
    // The key text, and label strings about as long again, at up to 2 bytes a character.
    const bytes = ENTRY_OVERHEAD_BYTES + 4 * text.length;
    this.#byText.set(text, { labels, bytes });
    this.#bytes += bytes;
    if (this.#byText.size > this.#limits.maxEntries || this.#bytes > this.#limits.maxBytes) this.#evict();
    return labels;
  }

  #evict(): void {
    for (const [text, entry] of this.#byText) {
      if (this.#byText.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxBytes) return;
      this.#byText.delete(text);
      this.#bytes -= entry.bytes;
    }
  }
}

function buildLabels(identity: SourceIdentity, attributes: readonly KeyValue[] | undefined, extra?: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const labels: Record<string, string> = {};
  if (attributes) {
    for (const kv of attributes) {
      let name = labelName(kv.key);
      if (name === 'env' || name === 'service' || name === 'le' || name === 'quantile') name = `exported_${name}`;
      labels[name] = valueText(kv.value);
    }
  }
  if (extra) Object.assign(labels, extra);
  labels.env = identity.env;
  labels.service = identity.service;
  return frozenLabels(labels);
}
