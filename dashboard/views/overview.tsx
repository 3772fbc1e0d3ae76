import { CheckList } from '../components/check-list.js';
import { LatencyPanel } from '../components/latency-panel.js';
import { MatrixFilterBar } from '../components/matrix-filter.js';
import { STATUS_PRESENTATION } from '../components/status-badge.js';
import { StatusMatrix } from '../components/status-matrix.js';
import { formatCount } from '../format.js';
import type { MatrixModel } from '../models/matrix-model.js';
import type { Models } from '../models/index.js';

export interface ViewProps {
  readonly models: Models;
}

/**
 * `#/`: the status matrix, what is failing, and the latency of the selected service. Each part reads
 * its own signals, so a poll re-renders the parts whose data changed and not this view.
 */
export function OverviewView({ models }: ViewProps) {
  if (!models.hasStatus.value) {
    return (
      <main class="overview overview--empty">
        <p class="loading">{models.status.error.value ? 'Waiting for the Vigil API…' : 'Loading status…'}</p>
      </main>
    );
  }
  return (
    <main class={`overview overview--${models.matrix.layout.value}`}>
      <section class="panel panel--matrix" aria-labelledby="matrix-title">
        <div class="panel__head">
          <h2 id="matrix-title" class="panel__title">
            Status
          </h2>
          <StatusCounts matrix={models.matrix} />
        </div>
        <MatrixFilterBar filter={models.filter} matrix={models.matrix} />
        <StatusMatrix matrix={models.matrix} selection={models.selection} filter={models.filter} />
      </section>
      <div class="overview__details">
        <section class="panel panel--problems" aria-labelledby="problems-title">
          <div class="panel__head">
            <h2 id="problems-title" class="panel__title">
              Failing checks
            </h2>
            <ProblemCount matrix={models.matrix} />
          </div>
          <CheckList matrix={models.matrix} filter={models.filter} />
        </section>
        <SelectedLatency models={models} />
      </div>
    </main>
  );
}

function SelectedLatency({ models }: ViewProps) {
  return <LatencyPanel service={models.selection.service.value} latency={models.latency} environments={models.environments.value} />;
}

function ProblemCount({ matrix }: { matrix: MatrixModel }) {
  const count = matrix.problems.value.length;
  if (count === 0) return null;
  return (
    <span class="panel__count" data-testid="problem-count">
      {formatCount(count)}
    </span>
  );
}

function StatusCounts({ matrix }: { matrix: MatrixModel }) {
  const counts = matrix.counts.value;
  return (
    <ul class="counts" aria-label="Cells by status">
      {(['down', 'degraded', 'up', 'unknown'] as const)
        .filter((key) => counts[key] > 0)
        .map((key) => (
          <li key={key} class={`counts__item counts__item--${key}`} data-count={key}>
            <span aria-hidden="true">{STATUS_PRESENTATION[key].icon}</span> {formatCount(counts[key])} {STATUS_PRESENTATION[key].label.toLowerCase()}
          </li>
        ))}
    </ul>
  );
}
