import type { StatusResponse } from '../../api/types.js';
import { formatClock, formatSeconds } from '../format.js';
import { StatusBadge } from './status-badge.js';
import { failingChecks } from './status-matrix.js';

export interface CheckListProps {
  readonly status: StatusResponse;
}

/** Every failing or degraded check, services then environments in config order, with its error and runbook. */
export function CheckList({ status }: CheckListProps) {
  const envRank = new Map(status.environments.map((env, index) => [env, index]));
  const serviceRank = new Map(status.services.map((service, index) => [service.name, index]));
  const problems = status.cells
    .filter((cell) => cell.status === 'down' || cell.status === 'degraded')
    .sort((a, b) => (serviceRank.get(a.service) ?? 0) - (serviceRank.get(b.service) ?? 0) || (envRank.get(a.env) ?? 0) - (envRank.get(b.env) ?? 0))
    .flatMap((cell) => failingChecks(cell).map((check) => ({ cell, check })));

  if (problems.length === 0) {
    return (
      <p class="checks checks--clear" data-testid="check-list">
        <span aria-hidden="true">✓</span> Every check is passing.
      </p>
    );
  }
  return (
    <ul class="checks" data-testid="check-list">
      {problems.map(({ cell, check }) => (
        <li key={check.id} class={`check check--${check.status}`} data-check={check.id}>
          <StatusBadge status={check.status} size="small" />
          <div class="check__body">
            <div class="check__where">
              <strong>{cell.service}</strong>
              <span class="check__sep">/</span>
              <span class="check__env">{cell.env}</span>
              <span class="check__sep">/</span>
              <span>{check.name}</span>
              <span class="check__kind">{check.kind}</span>
            </div>
            <div class="check__error">{check.error ?? check.detail ?? `reported ${check.status}`}</div>
            {check.error && check.detail && <div class="check__detail">{check.detail}</div>}
            <div class="check__meta">
              {check.lastRunAt !== null && <span>last run {formatClock(check.lastRunAt)}</span>}
              {check.durationSeconds !== null && <span>took {formatSeconds(check.durationSeconds)}</span>}
            </div>
          </div>
          {check.runbook && (
            <a class="check__runbook" href={check.runbook} target="_blank" rel="noreferrer">
              Runbook ↗
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
