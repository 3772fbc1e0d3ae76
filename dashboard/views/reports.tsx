import { formatCount, formatDateTime } from '../format.js';
import { formatAvailability, reportDays } from '../models/reports.js';
import type { ViewProps } from './overview.js';

/** `#/reports`: the SLA reports, newest first: period, fleet availability, SLAs missed, incidents. */
export function ReportsView({ models }: ViewProps) {
  const { resource } = models.reports;
  const rows = resource.data.value?.reports ?? null;
  return (
    <main class="page">
      <section class="panel" aria-labelledby="reports-title">
        <div class="panel__head">
          <h2 id="reports-title" class="panel__title">
            SLA reports
          </h2>
          {rows ? <span class="panel__note">{formatCount(rows.length)} shown · newest first</span> : null}
        </div>
        {resource.error.value ? (
          <p class="panel__error" role="alert">
            {resource.error.value}
          </p>
        ) : null}
        {rows === null ? <p class="muted">Loading…</p> : rows.length === 0 ? <p class="muted">No reports yet: add `reports:` to vigil.yaml, or POST /api/v1/reports.</p> : null}
        {rows && rows.length > 0 ? (
          <table class="table" data-testid="report-list">
            <thead>
              <tr>
                <th>Report</th>
                <th>Period</th>
                <th>Availability</th>
                <th>SLA missed</th>
                <th>Incidents</th>
                <th>Made</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-report={row.id}>
                  <td>
                    <a href={`#/reports/${row.id}`}>{row.name}</a> {row.kind === 'ad-hoc' && row.createdBy ? <span class="muted">by {row.createdBy}</span> : null}
                  </td>
                  <td>{reportDays(row.periodStart, row.periodEnd)}</td>
                  <td class="num">{formatAvailability(row.availability)}</td>
                  <td class={row.slaMissed > 0 ? 'num num--attention' : 'num'}>{row.slaMissed}</td>
                  <td class="num">{row.incidents}</td>
                  <td>{formatDateTime(row.generatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}
