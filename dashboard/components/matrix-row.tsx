import type { ReadonlySignal } from '@preact/signals';
import type { CellIncidents, ServiceStatus } from '../../api/types.js';
import { formatClock, formatCount, formatSeconds } from '../format.js';
import { failingChecks, type MatrixRow } from '../models/matrix.js';
import { pure } from './pure.js';
import { StatusBadge } from './status-badge.js';

export interface MatrixRowViewProps {
  /** The row's own signal: the row re-renders when one of its cells changes, and for nothing else. */
  readonly row: ReadonlySignal<MatrixRow | undefined>;
  /** A cell's open incidents (the badge re-renders alone when they change). */
  readonly incidents: (env: string, service: string) => ReadonlySignal<CellIncidents | undefined>;
  readonly environments: readonly string[];
  readonly selected: boolean;
  onSelect(service: string): void;
}

/**
 * A service and its cell per environment; a click selects the service for the latency chart. It reads
 * its row signal, so @preact/signals skips it when its parent re-renders with the same props.
 */
export function MatrixRowView({ row, incidents, environments, selected, onSelect }: MatrixRowViewProps) {
  const current = row.value;
  if (current === undefined) return null;
  const { service } = current;
  return (
    <tr
      class={selected ? 'matrix__row matrix__row--selected' : 'matrix__row'}
      aria-selected={selected}
      data-service={service.name}
      data-worst={current.worst}
      onClick={() => onSelect(service.name)}
    >
      <th scope="row" class="matrix__service">
        <button type="button" class="matrix__service-button" title={service.description ?? undefined}>
          <span class="matrix__service-name">{service.name}</span>
          {service.owner && <span class="matrix__owner">{service.owner}</span>}
        </button>
      </th>
      {environments.map((env, index) => (
        <MatrixCell key={env} env={env} cell={current.cells[index]} incidents={incidents(env, service.name)} />
      ))}
    </tr>
  );
}

/** One cell; reconciled cells keep their identity, so an unchanged cell is not rendered again. */
const MatrixCell = pure(function MatrixCell({ env, cell, incidents }: { env: string; cell: ServiceStatus | undefined; incidents: ReadonlySignal<CellIncidents | undefined> }) {
  if (cell === undefined) {
    return (
      <td class="matrix__cell matrix__cell--absent" data-env={env} data-status="absent" title={`Not deployed in ${env}`}>
        <span class="matrix__absent">—</span>
      </td>
    );
  }
  const failing = failingChecks(cell).length > 0;
  return (
    <td class={`matrix__cell matrix__cell--${cell.status}`} data-env={env} data-status={cell.status} title={cellTitle(cell)}>
      <StatusBadge status={cell.status} />
      <span class={failing ? 'matrix__summary matrix__summary--error' : 'matrix__summary'}>{cellSummary(cell)}</span>
      <IncidentBadge env={env} service={cell.service} incidents={incidents} />
    </td>
  );
});

/** "2 open" in the severity's colour, linking to the cell's incidents; nothing when none is open. */
function IncidentBadge({ env, service, incidents }: { env: string; service: string; incidents: ReadonlySignal<CellIncidents | undefined> }) {
  const open = incidents.value;
  if (open === undefined) return null;
  const query = new URLSearchParams({ env, service, state: 'open,acknowledged' });
  return (
    <a
      class={`matrix__incidents matrix__incidents--${open.severity}`}
      href={`#/incidents?${query.toString()}`}
      title={`${open.open} open incident${open.open === 1 ? '' : 's'} (${open.severity})`}
      data-testid="cell-incidents"
      onClick={(event) => event.stopPropagation()}
    >
      {open.open} open
    </a>
  );
}

export interface FoldLineProps {
  readonly count: number;
  readonly expanded: boolean;
  readonly columns: number;
  onToggle(expanded: boolean): void;
}

/** The line standing for the healthy services: "✓ 1,987 healthy services", expandable. */
export function FoldLine({ count, expanded, columns, onToggle }: FoldLineProps) {
  return (
    <tr class="matrix__fold" data-testid="matrix-fold">
      <td colSpan={columns}>
        <button type="button" class="matrix__fold-button" aria-expanded={expanded} onClick={() => onToggle(!expanded)}>
          <span class="matrix__fold-icon" aria-hidden="true">
            ✓
          </span>
          <span class="matrix__fold-count">
            {formatCount(count)} healthy {count === 1 ? 'service' : 'services'}
          </span>
          <span class="matrix__fold-note">every check up</span>
          <span class="matrix__fold-action">{expanded ? 'Hide ▴' : 'Show ▾'}</span>
        </button>
      </td>
    </tr>
  );
}

function cellSummary(cell: ServiceStatus): string {
  const failing = failingChecks(cell);
  if (failing.length > 0) {
    const first = failing[0]!;
    const more = failing.length > 1 ? ` (+${failing.length - 1})` : '';
    return `${first.name}: ${first.error ?? first.detail ?? first.status}${more}`;
  }
  if (cell.status === 'unknown') return 'waiting for first check';
  // A cell is narrow on a wall screen: the slowest latency is what a healthy cell has to say.
  if (!cell.checks.some((check) => check.durationSeconds !== null)) return cell.checks.length === 1 ? '1 check' : `${cell.checks.length} checks`;
  const slowest = Math.max(...cell.checks.map((check) => check.durationSeconds ?? 0));
  return cell.checks.length === 1 ? formatSeconds(slowest) : `max ${formatSeconds(slowest)}`;
}

function cellTitle(cell: ServiceStatus): string {
  const lines = cell.checks.map((check) => {
    const ran = check.lastRunAt === null ? 'not run yet' : `last run ${formatClock(check.lastRunAt)}`;
    const outcome = check.error ?? check.detail ?? formatSeconds(check.durationSeconds);
    return `${check.name} (${check.kind}): ${check.status} — ${outcome} — ${ran}`;
  });
  return [`${cell.service} in ${cell.env}: ${cell.status}`, ...lines].join('\n');
}
