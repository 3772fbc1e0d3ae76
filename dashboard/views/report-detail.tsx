import { formatSeconds, formatSpan } from '../format.js';
import { formatAvailability, reportDays } from '../models/reports.js';
import type { ViewProps } from './overview.js';

function sla(met: boolean | null) {
  return met === null ? <span class="muted">no data</span> : met ? <span class="report-met">met</span> : <span class="report-missed">missed</span>;
}

/** `#/reports/<id>`: one report: the fleet's figures, services worst first, SLO budgets, and its other formats. */
export function ReportDetailView({ models }: ViewProps) {
  const detail = models.report;
  const answer = detail.report.value;
  if (detail.error.value) {
    return (
      <main class="page">
        <p class="panel__error" role="alert">
          {detail.error.value}
        </p>
      </main>
    );
  }
  if (answer === null) return <main class="page"><p class="muted">Loading…</p></main>;
  const { report } = answer;
  const { fleet } = report;
  return (
    <main class="page">
      <section class="panel" aria-labelledby="report-title">
        <div class="panel__head">
          <h2 id="report-title" class="panel__title">
            {report.name}: {reportDays(report.from, report.to)}
          </h2>
          <span class="panel__note">
            <a href={answer.links.html}>HTML</a> · <a href={`${answer.links.json}?format=md`}>Markdown</a> · <a href={`${answer.links.json}?format=csv`}>CSV</a> · <a href={answer.links.json}>JSON</a>
          </span>
        </div>
        <dl class="report-summary" data-testid="report-summary">
          <div>
            <dt>Fleet availability</dt>
            <dd>{formatAvailability(fleet.availability)}</dd>
          </div>
          <div>
            <dt>SLA missed</dt>
            <dd>
              {fleet.servicesMissed} of {fleet.services}
            </dd>
          </div>
          <div>
            <dt>Incidents</dt>
            <dd>{fleet.incidents.opened}</dd>
          </div>
          <div>
            <dt>MTTA / MTTR</dt>
            <dd>
              {formatSpan(fleet.incidents.mttaMs === null ? null : fleet.incidents.mttaMs / 1000)} / {formatSpan(fleet.incidents.mttrMs === null ? null : fleet.incidents.mttrMs / 1000)}
            </dd>
          </div>
          <div>
            <dt>Not counted</dt>
            <dd>
              {formatSpan(fleet.noDataMs / 1000)} no data · {formatSpan(fleet.maintenanceMs / 1000)} maintenance
            </dd>
          </div>
        </dl>
        <table class="table" data-testid="report-services">
          <thead>
            <tr>
              <th>Service</th>
              <th>Availability</th>
              <th>Target</th>
              <th>SLA</th>
              <th>p95</th>
              <th>Incidents</th>
              <th>No data</th>
            </tr>
          </thead>
          <tbody>
            {report.services.map((service) => (
              <tr key={`${service.env}/${service.service}`} data-service={`${service.env}/${service.service}`}>
                <td>
                  {service.env} / {service.service}
                </td>
                <td class="num">{formatAvailability(service.availability)}</td>
                <td class="num">{formatAvailability(service.target)}</td>
                <td>{sla(service.met)}</td>
                <td class="num">{formatSeconds(service.latency.p95)}</td>
                <td class="num">{service.incidents.opened}</td>
                <td class="num">{formatSpan(service.noDataMs / 1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.slos.length > 0 ? (
          <table class="table" data-testid="report-slos">
            <thead>
              <tr>
                <th>SLO</th>
                <th>SLI this period</th>
                <th>Budget spent this period</th>
                <th>Budget left</th>
              </tr>
            </thead>
            <tbody>
              {report.slos.map((slo) => (
                <tr key={slo.id}>
                  <td>{slo.id}</td>
                  <td class="num">{formatAvailability(slo.periodSli)}</td>
                  <td class="num">{formatAvailability(slo.budgetConsumedInPeriod)}</td>
                  <td class={(slo.budgetRemaining ?? 1) < 0 ? 'num num--attention' : 'num'}>{formatAvailability(slo.budgetRemaining)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}
