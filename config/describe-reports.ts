// `vigil check`'s lines about `reports:`: each report's schedule, scope, target, receivers, and its
// next run with the days that run covers, so a wrong cron or timezone shows before Monday does.
import { formatPeriod } from '../reports/format.js';
import { periodOfRun } from '../reports/period.js';
import { nextCron } from '../rules/cron.js';
import type { VigilConfig } from './types.js';

/** The lines, or '' without reports. */
export function describeReports(config: Pick<VigilConfig, 'reports'>, now: number): string {
  if (config.reports.length === 0) return '';
  const lines = ['', `reports: ${config.reports.length}`];
  for (const report of config.reports) {
    const next = nextCron(report.schedule, now, report.timezone);
    const scope = report.envs ? report.envs.join(', ') : 'every environment';
    const to = report.receivers.length ? `posted to ${report.receivers.join(', ')}` : 'stored, posted to no one';
    lines.push(`  ${report.name}  "${report.schedule}" in ${report.timezone}: ${report.periodDays}d of ${scope}, target ${report.target === null ? 'each service\'s (default 99.9%)' : `${Number((report.target * 100).toFixed(4))}%`}, ${to}`);
    if (next !== null) {
      const period = periodOfRun(next, report.periodDays, report.timezone);
      lines.push(`    next ${new Date(next).toISOString()}, covering ${formatPeriod(period.from, period.to, report.timezone)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
