import type { CheckStatus, ServiceStatus, StatusResponse } from '../../api/types.js';
import { formatClock, formatSeconds } from '../format.js';
import { StatusBadge } from './status-badge.js';

/** Checks that are failing or degraded in a cell, the ones a person must read about. */
export function failingChecks(cell: ServiceStatus): readonly CheckStatus[] {
  return cell.checks.filter((check) => check.status === 'down' || check.status === 'degraded');
}

export interface StatusMatrixProps {
  readonly status: StatusResponse;
  readonly selectedService: string | null;
  onSelectService(service: string): void;
}

/** Services × environments (config order); a row click selects the service for the chart. */
export function StatusMatrix({ status, selectedService, onSelectService }: StatusMatrixProps) {
  const cellByKey = new Map(status.cells.map((cell) => [`${cell.service}\u0000${cell.env}`, cell]));
  return (
    <table class="matrix" data-testid="status-matrix">
      <thead>
        <tr>
          <th scope="col" class="matrix__corner">
            Service
          </th>
          {status.environments.map((env) => (
            <th scope="col" class="matrix__env" key={env} data-env={env}>
              {env}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {status.services.map((service) => {
          const selected = service.name === selectedService;
          return (
            <tr
              key={service.name}
              class={selected ? 'matrix__row matrix__row--selected' : 'matrix__row'}
              aria-selected={selected}
              data-service={service.name}
              onClick={() => onSelectService(service.name)}
            >
              <th scope="row" class="matrix__service">
                <button type="button" class="matrix__service-button" title={service.description ?? undefined}>
                  <span class="matrix__service-name">{service.name}</span>
                  {service.owner && <span class="matrix__owner">{service.owner}</span>}
                </button>
              </th>
              {status.environments.map((env) => (
                <MatrixCell key={env} env={env} cell={cellByKey.get(`${service.name}\u0000${env}`)} />
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function MatrixCell({ env, cell }: { env: string; cell: ServiceStatus | undefined }) {
  if (cell === undefined) {
    return (
      <td class="matrix__cell matrix__cell--absent" data-env={env} data-status="absent" title={`Not deployed in ${env}`}>
        <span class="matrix__absent">—</span>
      </td>
    );
  }
  const failing = failingChecks(cell);
  return (
    <td class={`matrix__cell matrix__cell--${cell.status}`} data-env={env} data-status={cell.status} title={cellTitle(cell)}>
      <StatusBadge status={cell.status} />
      <span class={failing.length > 0 ? 'matrix__summary matrix__summary--error' : 'matrix__summary'}>{cellSummary(cell)}</span>
    </td>
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
