// The text `vigil check` prints: per environment, each service and its expanded checks, secrets redacted.
import type { CheckSpec, VigilConfig } from './types.js';
import { formatDuration } from '../lib/duration.js';

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', cyan: '\x1b[36m', reset: '\x1b[0m' } as const;

/** Describes a loaded config for a person; colour codes only when `opts.color`. */
export function describeConfig(config: VigilConfig, opts: { color: boolean }): string {
  const paint = (style: keyof typeof ANSI, text: string) => (opts.color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const shown = redactedChecksById(config);
  const idWidth = Math.max(0, ...config.checks.map((c) => c.id.length));
  const kindWidth = Math.max(0, ...config.checks.map((c) => c.kind.length));
  const lines: string[] = [
    `${config.source}: ${count(config.environments.length, 'environment')}, ${count(config.services.length, 'service')}, ` +
      `${count(config.checks.length, 'check')}; scheduler concurrency ${config.scheduler.concurrency}; retention raw ` +
      `${formatDuration(config.retention.rawMs)}, 1m ${formatDuration(config.retention.oneMinuteMs)}, 1h ${formatDuration(config.retention.oneHourMs)}`,
  ];
  for (const env of config.environments) {
    lines.push('', paint('bold', env));
    const services = config.services.filter((s) => s.environments.includes(env));
    if (services.length === 0) lines.push('  (no services)');
    for (const service of services) {
      const about = [service.description, service.owner && `owner ${service.owner}`].filter(Boolean).join(' · ');
      lines.push(`  ${paint('cyan', service.name)}${about ? `  ${about}` : ''}`);
      const checks = config.checks.filter((c) => c.env === env && c.service === service.name);
      if (checks.length === 0) lines.push('    (no checks)');
      for (const check of checks) {
        const timing = `every ${formatDuration(check.everyMs).padEnd(5)} timeout ${formatDuration(check.timeoutMs).padEnd(5)}`;
        const target = describeTarget(shown.get(check.id));
        lines.push(`    ${check.id.padEnd(idWidth)}  ${check.kind.padEnd(kindWidth)}  ${paint('dim', timing)}  ${target}`);
        const runbook = shown.get(check.id)?.runbook;
        if (runbook) lines.push(`    ${' '.repeat(idWidth)}  ${paint('dim', `runbook ${runbook}`)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The checks of `config.redacted`, by id: the only place a target is read from for display. */
function redactedChecksById(config: VigilConfig): Map<string, CheckSpec> {
  const checks = (config.redacted as { checks?: unknown } | null)?.checks;
  return new Map(Array.isArray(checks) ? (checks as CheckSpec[]).map((c) => [c.id, c]) : []);
}

/** Where a check points, from its (redacted) fields: `GET https://…`, `host:port`, or the first text field. */
function describeTarget(check: CheckSpec | undefined): string {
  if (!check) return '(target hidden)';
  const t = check.target;
  if (typeof t.url === 'string') return typeof t.method === 'string' && t.method !== 'GET' ? `${t.method} ${t.url}` : t.url;
  if (typeof t.host === 'string') return t.port === undefined ? t.host : `${t.host}:${String(t.port)}`;
  const first = Object.values(t).find((v) => typeof v === 'string');
  return typeof first === 'string' ? first : '';
}
