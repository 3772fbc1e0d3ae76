import type { IncidentJson } from '../../api/types.js';
import { INCIDENT_STATES, SEVERITIES } from '../../store/types.js';
import { RunbookLink } from '../components/runbook-link.js';
import { RelativeTime } from '../components/relative-time.js';
import { SeverityBadge, StateBadge } from '../components/severity-badge.js';
import { formatCount, formatSpan } from '../format.js';
import { toggleIn, type IncidentListModel } from '../models/incidents.js';
import type { ViewProps } from './overview.js';

/** `#/incidents`: what is open now, then the history; filters in the hash so a link keeps them. */
export function IncidentsView({ models }: ViewProps) {
  const list = models.incidents;
  return (
    <main class="page">
      <section class="panel" aria-labelledby="incidents-title">
        <div class="panel__head">
          <h2 id="incidents-title" class="panel__title">
            Incidents
          </h2>
        </div>
        <IncidentFilterBar models={models} />
        <ListError list={list} />
        <ActiveIncidents models={models} />
        <IncidentHistory models={models} />
      </section>
    </main>
  );
}

function ListError({ list }: { list: IncidentListModel }) {
  const error = list.error.value;
  return error ? (
    <p class="panel__error" role="alert">
      {error}
    </p>
  ) : null;
}

function IncidentFilterBar({ models }: ViewProps) {
  const list = models.incidents;
  const filter = list.filter.value;
  const status = models.status.status.value;
  return (
    <div class="filter incident-filter" data-testid="incident-filter">
      <div class="filter__statuses" role="group" aria-label="State">
        {INCIDENT_STATES.map((state) => (
          <button
            key={state}
            type="button"
            class="filter__status"
            aria-pressed={filter.states.includes(state)}
            onClick={() => list.setFilter({ states: toggleIn(filter.states, state, INCIDENT_STATES) })}
          >
            {state}
          </button>
        ))}
      </div>
      <div class="filter__statuses" role="group" aria-label="Severity">
        {SEVERITIES.map((severity) => (
          <button
            key={severity}
            type="button"
            class="filter__status"
            aria-pressed={filter.severities.includes(severity)}
            onClick={() => list.setFilter({ severities: toggleIn(filter.severities, severity, SEVERITIES) })}
          >
            {severity}
          </button>
        ))}
      </div>
      <label class="field">
        <span class="field__label">Env</span>
        <select class="input" value={filter.env} onChange={(event) => list.setFilter({ env: event.currentTarget.value })}>
          <option value="">all</option>
          {(status?.environments ?? (filter.env ? [filter.env] : [])).map((env) => (
            <option key={env} value={env}>
              {env}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span class="field__label">Service</span>
        <input
          class="input"
          list="incident-services"
          value={filter.service}
          placeholder="all"
          onChange={(event) => list.setFilter({ service: event.currentTarget.value.trim() })}
        />
        <datalist id="incident-services">
          {(status?.services ?? []).slice(0, 500).map((service) => (
            <option key={service.name} value={service.name} />
          ))}
        </datalist>
      </label>
    </div>
  );
}

function ActiveIncidents({ models }: ViewProps) {
  const active = models.incidents.active.value;
  if (active === null) return null;
  if (models.incidents.filter.value.states.length > 0 && !models.incidents.filter.value.states.some((s) => s !== 'resolved')) return null;
  return (
    <section class="incident-group" aria-label="Unresolved incidents">
      <h3 class="incident-group__title">
        Unresolved <span class="incident-group__count">{formatCount(active.length)}</span>
      </h3>
      {active.length === 0 ? <p class="all-clear">✓ Nothing open.</p> : <IncidentTable incidents={active} now={models.now} testId="active-incidents" />}
    </section>
  );
}

function IncidentHistory({ models }: ViewProps) {
  const list = models.incidents;
  const history = list.history.value;
  if (history === null) return null;
  const filter = list.filter.value;
  if (filter.states.length > 0 && !filter.states.includes('resolved')) return null;
  return (
    <section class="incident-group" aria-label="Resolved incidents">
      <h3 class="incident-group__title">History</h3>
      {history.length === 0 ? <p class="muted">No resolved incidents{filter.env || filter.service || filter.severities.length ? ' match the filter' : ''}.</p> : <IncidentTable incidents={history} now={models.now} testId="incident-history" />}
      {list.hasOlder.value ? (
        <button type="button" class="button" disabled={list.loadingOlder.value} onClick={() => void list.older()} data-testid="older">
          {list.loadingOlder.value ? 'Loading…' : 'Older'}
        </button>
      ) : null}
    </section>
  );
}

function IncidentTable({ incidents, now, testId }: { incidents: readonly IncidentJson[]; now: () => number; testId: string }) {
  return (
    <table class="table incident-table" data-testid={testId}>
      <thead>
        <tr>
          <th>Severity</th>
          <th>Incident</th>
          <th>Where</th>
          <th>Opened</th>
          <th title="Time to acknowledge">MTTA</th>
          <th title="Time to resolve">MTTR</th>
          <th>Runbook</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((incident) => (
          <IncidentRow key={incident.id} incident={incident} now={now} />
        ))}
      </tbody>
    </table>
  );
}

function IncidentRow({ incident, now }: { incident: IncidentJson; now: () => number }) {
  return (
    <tr class={`incident-row incident-row--${incident.state}`} data-incident={incident.id} data-state={incident.state}>
      <td>
        <SeverityBadge severity={incident.severity} />
      </td>
      <td class="incident-row__summary">
        <a href={`#/incidents/${incident.id}`}>{incident.summary}</a>
        <span class="incident-row__meta">
          #{incident.id} · {incident.rule} · <StateBadge state={incident.state} />
        </span>
      </td>
      <td class="incident-row__where">{[incident.env, incident.service, incident.check].filter((part) => part !== null).join(' / ') || '–'}</td>
      <td>
        <RelativeTime at={incident.openedAt} now={now} showAge={incident.state !== 'resolved'} />
      </td>
      <td class="num">{formatSpan(incident.mttaSeconds)}</td>
      <td class="num">{formatSpan(incident.mttrSeconds)}</td>
      <td>
        <RunbookLink url={incident.runbook} />
      </td>
    </tr>
  );
}
