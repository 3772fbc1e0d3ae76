// The text `vigil check` prints: per environment, each service and its expanded checks. Everything it
// prints comes from `publicConfig`, so no secret value can reach it.
import type { VigilConfig } from './types.js';
import { publicConfig, type PublicCheck } from './public.js';
import { formatDuration } from '../lib/duration.js';

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', cyan: '\x1b[36m', reset: '\x1b[0m' } as const;

/** Describes a loaded config for a person; colour codes only when `opts.color`. */
export function describeConfig(config: VigilConfig, opts: { color: boolean }): string {
  const paint = (style: keyof typeof ANSI, text: string) => (opts.color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const shown = publicConfig(config);
  const idWidth = shown.checks.reduce((width, c) => Math.max(width, c.id.length), 0);
  const kindWidth = shown.checks.reduce((width, c) => Math.max(width, c.kind.length), 0);
  // Grouped once: filtering every check per environment and service was cubic for a large config.
  const checksOf = new Map<string, PublicCheck[]>();
  for (const check of shown.checks) {
    const key = groupKey(check.env, check.service);
    const group = checksOf.get(key);
    if (group) group.push(check);
    else checksOf.set(key, [check]);
  }
  const servicesIn = new Map(shown.services.map((s) => [s, new Set(s.environments)]));
  const { retention } = shown;
  const lines: string[] = [
    `${shown.source}: ${count(shown.environments.length, 'environment')}, ${count(shown.services.length, 'service')}, ` +
      `${count(shown.checks.length, 'check')}; scheduler concurrency ${shown.scheduler.concurrency}; retention raw ` +
      `${formatDuration(retention.rawMs)}, 1m ${formatDuration(retention.oneMinuteMs)}, 1h ${formatDuration(retention.oneHourMs)}`,
  ];
  for (const env of shown.environments) {
    lines.push('', paint('bold', env));
    const services = shown.services.filter((s) => servicesIn.get(s)?.has(env));
    if (services.length === 0) lines.push('  (no services)');
    for (const service of services) {
      const about = [service.description, service.owner && `owner ${service.owner}`].filter(Boolean).join(' · ');
      lines.push(`  ${paint('cyan', service.name)}${about ? `  ${about}` : ''}`);
      const checks = checksOf.get(groupKey(env, service.name)) ?? [];
      if (checks.length === 0) lines.push('    (no checks)');
      for (const check of checks) {
        const timing = `every ${formatDuration(check.everyMs).padEnd(5)} timeout ${formatDuration(check.timeoutMs).padEnd(5)}`;
        lines.push(`    ${check.id.padEnd(idWidth)}  ${check.kind.padEnd(kindWidth)}  ${paint('dim', timing)}  ${describeTarget(check)}`);
        if (check.runbook) lines.push(`    ${' '.repeat(idWidth)}  ${paint('dim', `runbook ${check.runbook}`)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function groupKey(env: string, service: string): string {
  return `${env}\u0000${service}`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Where a check points, from its scrubbed fields: `GET https://…`, `host:port`, or the first text field. */
function describeTarget(check: PublicCheck): string {
  const t = check.target;
  if (typeof t.url === 'string') return typeof t.method === 'string' && t.method !== 'GET' ? `${t.method} ${t.url}` : t.url;
  if (typeof t.host === 'string') return t.port === undefined ? t.host : `${t.host}:${String(t.port)}`;
  const first = Object.values(t).find((v) => typeof v === 'string');
  return typeof first === 'string' ? first : '';
}
