import { formatCount } from '../format.js';
import type { FilterModel } from '../models/filter.js';
import { isFiltering, STATUS_FILTERS, type StatusFilter } from '../models/matrix.js';
import type { MatrixModel } from '../models/matrix-model.js';

const STATUS_FILTER_LABELS: Readonly<Record<StatusFilter, string>> = {
  all: 'All',
  failing: 'Failing',
  down: 'Down',
  degraded: 'Degraded',
  unknown: 'Unknown',
  up: 'Healthy',
};

export interface MatrixFilterBarProps {
  readonly filter: FilterModel;
  readonly matrix: MatrixModel;
}

/**
 * A search box (service name or owner) and a status choice, both kept in the URL hash. Shown once the
 * matrix folds, or whenever a link carries a filter; a handful of services needs none.
 */
export function MatrixFilterBar({ filter, matrix }: MatrixFilterBarProps) {
  const current = filter.filter.value;
  const filtering = isFiltering(current);
  if (matrix.layout.value === 'full' && !filtering) return null;
  return (
    <div class="filter" role="search">
      <input
        type="search"
        class="filter__search"
        data-testid="matrix-filter"
        aria-label="Filter services by name or owner"
        placeholder="Filter services or owners…"
        autocomplete="off"
        spellcheck={false}
        value={current.text}
        onInput={(event) => filter.setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') filter.setText('');
        }}
      />
      <div class="filter__statuses" role="group" aria-label="Services to show">
        {STATUS_FILTERS.map((status) => (
          <button
            key={status}
            type="button"
            class="filter__status"
            data-status-filter={status}
            aria-pressed={current.status === status}
            onClick={() => filter.setStatus(status)}
          >
            {STATUS_FILTER_LABELS[status]}
          </button>
        ))}
      </div>
      {filtering && (
        <p class="filter__summary" data-testid="filter-summary">
          <strong>{formatCount(matrix.ordered.value.length)}</strong> of {formatCount(matrix.services.value.length)} services
          <button type="button" class="filter__clear" onClick={filter.clear}>
            Clear
          </button>
        </p>
      )}
    </div>
  );
}
