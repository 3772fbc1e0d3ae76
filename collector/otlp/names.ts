// OTLP metric and attribute names → Prometheus names, the way Prometheus translates them
// (prometheus/otlptranslator, "UnderscoreEscapingWithSuffixes", the default of its OTLP receiver):
//   - characters outside [a-zA-Z0-9_:] become `_`, runs of `_` collapse, a leading digit gets a `_`;
//   - the unit becomes a suffix in words (`s` → `seconds`, `By` → `bytes`, `By/s` → `bytes_per_second`;
//     `{requests}` annotations are dropped), unless the name already ends with it;
//   - a monotonic sum gets `_total`; a gauge with unit `1` gets `_ratio`.
// Values are not converted: a histogram in `ms` stays in milliseconds, named `…_milliseconds`.

const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** What kind of series a metric becomes; it decides the suffixes. */
export type NameKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A label name Prometheus accepts: invalid characters → `_`, a leading digit → `_` prefix. */
export function labelName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  return name === '' ? '_' : name;
}

function unitWords(unit: string): string {
  // Annotations in braces say what is counted ({requests}); they carry no unit.
  const plain = unit.replace(/\{[^}]*\}/g, '').trim();
  if (plain === '' || plain === '1') return '';
  const [main = '', per] = plain.split('/', 2);
  const mainWord = UNIT_WORDS[main] ?? main;
  if (per === undefined || per === '') return sanitize(mainWord);
  const perWord = PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per;
  return sanitize(mainWord === '' ? `per_${perWord}` : `${mainWord}_per_${perWord}`);
}

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/__+/g, '_').replace(/^_+|_+$/g, '');
}

/** The Prometheus name of an OTLP metric of this kind and unit. */
export function metricName(otlpName: string, unit: string | undefined, kind: NameKind): string {
  let name = sanitize(otlpName.replace(/[^a-zA-Z0-9_:]/g, '_'));
  if (name === '') name = 'unnamed';
  const words = unitWords(unit ?? '');
  const isCounter = kind === 'counter';
  // `_total` goes last: strip it first so the unit lands before it (`requests_total` in `s` → `requests_seconds_total`).
  if (isCounter && name.endsWith('_total')) name = name.slice(0, -'_total'.length);
  if (words !== '' && !name.endsWith(`_${words}`) && name !== words) name = `${name}_${words}`;
  if (kind === 'gauge' && (unit ?? '').trim() === '1' && !name.endsWith('_ratio')) name = `${name}_ratio`;
  if (isCounter) name = `${name}_total`;
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name;
}
