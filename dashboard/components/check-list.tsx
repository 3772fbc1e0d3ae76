import { formatClock, formatCount, formatSeconds } from '../format.js';
import type { FilterModel } from '../models/filter.js';
import { isFiltering } from '../models/matrix.js';
import type { MatrixModel } from '../models/matrix-model.js';
import { StatusBadge } from './status-badge.js';

/** Past this many, the list says how many more there are: a wall screen is read, not scrolled. */
export const MAX_LISTED_CHECKS = 25;

export interface CheckListProps {
  readonly matrix: MatrixModel;
  readonly filter: FilterModel;
}

/** Every failing or degraded check of the services the matrix shows, in its order, with its error and runbook. */
export function CheckList({ matrix, filter }: CheckListProps) {
  const problems = matrix.problems.value;
  if (problems.length === 0) {
    return (
      <p class="checks checks--clear" data-testid="check-list">
        <span aria-hidden="true">✓</span> {isFiltering(filter.filter.value) ? 'No failing checks among the services shown.' : 'Every check is passing.'}
      </p>
    );
  }
  const hidden = problems.length - MAX_LISTED_CHECKS;
  return (
    <ul class="checks" data-testid="check-list" data-count={problems.length}>
      {problems.slice(0, MAX_LISTED_CHECKS).map(({ cell, check }) => (
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
      {hidden > 0 && (
        <li class="checks__more" data-testid="check-list-more">
          and {formatCount(hidden)} more failing {hidden === 1 ? 'check' : 'checks'}: filter the matrix to see them
        </li>
      )}
    </ul>
  );
}
