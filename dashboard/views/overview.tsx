import type { StatusResponse } from '../../api/types.js';
import { CheckList } from '../components/check-list.js';
import { LatencyPanel } from '../components/latency-panel.js';
import { STATUS_PRESENTATION } from '../components/status-badge.js';
import { StatusMatrix } from '../components/status-matrix.js';
import type { Models } from '../models/index.js';

export interface ViewProps {
  readonly models: Models;
}

/** `#/`: the status matrix, what is failing, and the latency of the selected service. */
export function OverviewView({ models }: ViewProps) {
  const status = models.status.status.value;
  if (status === null) {
    return (
      <main class="overview overview--empty">
        <p class="loading">{models.status.error.value ? 'Waiting for the Vigil API…' : 'Loading status…'}</p>
      </main>
    );
  }
  const selectedService = models.selection.service.value;
  return (
    <main class="overview">
      <section class="panel panel--matrix" aria-labelledby="matrix-title">
        <div class="panel__head">
          <h2 id="matrix-title" class="panel__title">
            Status
          </h2>
          <StatusCounts status={status} />
        </div>
        <StatusMatrix status={status} selectedService={selectedService} onSelectService={models.selection.select} />
      </section>
      <div class="overview__details">
        <section class="panel panel--problems" aria-labelledby="problems-title">
          <div class="panel__head">
            <h2 id="problems-title" class="panel__title">
              Failing checks
            </h2>
          </div>
          <CheckList status={status} />
        </section>
        <LatencyPanel service={selectedService} latency={models.latency} environments={models.environments.value} />
      </div>
    </main>
  );
}

function StatusCounts({ status }: { status: StatusResponse }) {
  const counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
  for (const cell of status.cells) counts[cell.status] += 1;
  return (
    <ul class="counts" aria-label="Cells by status">
      {(['down', 'degraded', 'up', 'unknown'] as const)
        .filter((key) => counts[key] > 0)
        .map((key) => (
          <li key={key} class={`counts__item counts__item--${key}`}>
            <span aria-hidden="true">{STATUS_PRESENTATION[key].icon}</span> {counts[key]} {STATUS_PRESENTATION[key].label.toLowerCase()}
          </li>
        ))}
    </ul>
  );
}
