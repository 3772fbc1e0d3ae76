// A report as one self-contained HTML page (inline CSS, no script, no external resource): readable
// in a browser or saved as a file. Every text from the config or the store is escaped.
import { createHash } from 'node:crypto';
import { escapeHtml } from '../lib/html.js';
import { formatDelta, formatPercent, formatPeriod, formatSeconds, formatSpan, formatTarget } from './format.js';
import type { SlaReport } from './types.js';


const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:right}
th:nth-child(-n+3),td:nth-child(-n+3){text-align:left}.missed{color:#cf222e;font-weight:600}.met{color:#1a7f37}.nodata{color:#6e7781}
.muted{color:#6e7781}`;

/**
 * The Content-Security-Policy of a report page served by Vigil: its one inline style by hash, and
 * nothing else (no script, image, frame or form).
 */
export const REPORT_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function td(text: string, cls = ''): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
}

function th(names: readonly string[]): string {
  return `<tr>${names.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr>`;
}

/** The report as a complete HTML document. */
export function renderHtml(report: SlaReport): string {
  const { fleet } = report;
  const title = `SLA report ${report.name}: ${formatPeriod(report.from, report.to, report.timezone)}`;
  const card = (label: string, value: string, note = '') => `<div class="card">${escapeHtml(label)}<b>${escapeHtml(value)}</b><span class="muted">${escapeHtml(note)}</span></div>`;
  const services = report.services
    .map((s) => {
      const sla = s.met === null ? ['no data', 'nodata'] : s.met ? ['met', 'met'] : ['missed', 'missed'];
      return `<tr>${td(s.env)}${td(s.service)}${td(formatPercent(s.availability))}${td(formatTarget(s.target))}${td(sla[0]!, sla[1])}${td(formatDelta(s.availabilityDelta))}${td(formatSeconds(s.latency.p50))}${td(formatSeconds(s.latency.p95))}${td(formatSeconds(s.latency.p99))}${td(String(s.incidents.opened))}${td(formatSpan(s.incidents.mttaMs))}${td(formatSpan(s.incidents.mttrMs))}${td(formatSpan(s.noDataMs))}${td(formatSpan(s.maintenanceMs))}</tr>`;
    })
    .join('\n');
  const checks = report.services
    .flatMap((s) =>
      s.checks.map(
        (c) =>
          `<tr>${td(s.env)}${td(s.service)}${td(c.check)}${td(formatPercent(c.availability))}${td(String(c.probes))}${td(String(c.failedProbes))}${td(formatSeconds(c.latency.p50))}${td(formatSeconds(c.latency.p95))}${td(formatSeconds(c.latency.p99))}${td(formatSpan(c.noDataMs))}${td(formatSpan(c.maintenanceMs))}</tr>`,
      ),
    )
    .join('\n');
  const slos = report.slos
    .map((s) => `<tr>${td(s.id)}${td(formatTarget(s.objective))}${td(formatPercent(s.periodSli))}${td(formatPercent(s.budgetConsumedInPeriod))}${td(formatPercent(s.budgetRemaining), (s.budgetRemaining ?? 1) < 0 ? 'missed' : '')}</tr>`)
    .join('\n');
  const longest = fleet.incidents.longest;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Environments: ${escapeHtml(report.envs ? report.envs.join(', ') : 'all')} · generated ${escapeHtml(new Date(report.generatedAt).toISOString())} · from ${report.resolution} rollups</p>
<div class="cards">
${card('Fleet availability', formatPercent(fleet.availability), `${formatDelta(fleet.availabilityDelta)} vs before`)}
${card('SLA missed', `${fleet.servicesMissed} of ${fleet.services}`, `${fleet.servicesWithoutData} without data`)}
${card('Incidents', String(fleet.incidents.opened), `MTTA ${formatSpan(fleet.incidents.mttaMs)} · MTTR ${formatSpan(fleet.incidents.mttrMs)}`)}
${card('Longest incident', formatSpan(longest?.durationMs ?? null), longest ? `#${longest.id} ${longest.rule}${longest.resolved ? '' : ' (open)'}` : '')}
${card('Not counted', formatSpan(fleet.noDataMs), `no data · ${formatSpan(fleet.maintenanceMs)} maintenance`)}
</div>
<h2>Services (worst first)</h2>
<table>${th(['env', 'service', 'availability', 'target', 'SLA', 'Δ vs before', 'p50', 'p95', 'p99', 'incidents', 'MTTA', 'MTTR', 'no data', 'maintenance'])}
${services}</table>
${slos ? `<h2>SLO error budgets</h2>\n<table>${th(['SLO', 'objective', 'SLI this period', 'budget spent this period', 'budget left'])}\n${slos}</table>` : ''}
<h2>Checks</h2>
<table>${th(['env', 'service', 'check', 'availability', 'probes', 'failed', 'p50', 'p95', 'p99', 'no data', 'maintenance'])}
${checks}</table>
</body></html>
`;
}
