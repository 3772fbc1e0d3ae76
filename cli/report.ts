// `vigil report`: an SLA report of any period, computed from the store vigil serve writes and printed
// (Markdown by default). It only reads: nothing is stored or sent.
import { AD_HOC_REPORT_NAME, slaFraction } from '../config/reports.js';
import type { VigilConfig } from '../config/types.js';
import { BadRequestError } from '../lib/errors.js';
import { canonicalTimezone } from '../rules/calendar.js';
import { parseTime } from '../api/series-params.js';
import { periodProblems } from '../reports/period.js';
import { buildReport } from '../reports/read.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../reports/render.js';
import type { Store } from '../store/types.js';

/** The command's options as given (strings from the command line). */
export interface ReportOptions {
  readonly from?: string;
  readonly to?: string;
  readonly format?: string;
  readonly envs?: string;
  readonly sla?: string;
  readonly timezone?: string;
}

/** The report as text; a BadRequestError naming every wrong option. */
export async function reportCommandText(store: Pick<Store, 'samples' | 'incidents'>, config: VigilConfig, options: ReportOptions, at: number): Promise<string> {
  const problems: string[] = [];
  const time = (name: 'from' | 'to', fallback: string) => {
    const text = options[name] ?? fallback;
    const ms = parseTime(text, at);
    if (ms === null) problems.push(`--${name}: expected epoch milliseconds, an ISO date, "now" or "now-7d", got "${text}"`);
    return ms ?? 0;
  };
  const from = time('from', 'now-7d');
  const to = time('to', 'now');
  const format = (options.format ?? 'md') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) problems.push(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got "${options.format}"`);
  const envs = options.envs === undefined ? null : options.envs.split(',').map((env) => env.trim()).filter(Boolean);
  for (const env of envs ?? []) if (!config.environments.includes(env)) problems.push(`--envs: unknown environment "${env}"; environments are ${config.environments.join(', ')}`);
  const sla = options.sla === undefined ? null : Number(options.sla.replace(/%$/, ''));
  if (sla !== null && !(sla > 0 && sla < 100)) problems.push(`--sla: expected a target in percent above 0 and below 100, like 99.9, got "${options.sla}"`);
  const timezone = canonicalTimezone(options.timezone ?? 'UTC');
  if (timezone === null) problems.push(`--timezone: unknown timezone "${options.timezone}"; expected an IANA name like Europe/Berlin`);
  if (problems.length === 0) problems.push(...periodProblems({ from, to }, at).map((problem) => `--${problem}`));
  if (problems.length) throw new BadRequestError(problems.join('\n'));
  const sources = { store, checks: config.checks, services: config.services, alerting: config.alerting, retention: config.retention, log: (line: string) => process.stderr.write(`${line}\n`) };
  const report = await buildReport(sources, { name: AD_HOC_REPORT_NAME, from, to, timezone: timezone!, envs, target: sla === null ? null : slaFraction(sla), generatedAt: at });
  return renderReport(report, format).text;
}
