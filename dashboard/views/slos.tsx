import type { SloStatus } from '../../rules/types.js';
import { BudgetBar } from '../components/budget-bar.js';
import { formatCount } from '../format.js';
import { burnTone, formatRate, formatRatio, formatWindow } from '../models/slos.js';
import type { ViewProps } from './overview.js';

const SLI_LABELS: Readonly<Record<string, string>> = { availability: 'Availability', latency: 'Latency' };

/** `#/slos`: every SLO with its SLI, objective, error budget left and burn rates; least budget first. */
export function SlosView({ models }: ViewProps) {
  const slos = models.slos.slos.value;
  return (
    <main class="page">
      <section class="panel" aria-labelledby="slos-title">
        <div class="panel__head">
          <h2 id="slos-title" class="panel__title">
            Service level objectives
          </h2>
          {slos ? <span class="panel__note">{formatCount(slos.length)} SLOs · least budget left first</span> : null}
        </div>
        {models.slos.error.value ? (
          <p class="panel__error" role="alert">
            {models.slos.error.value}
          </p>
        ) : null}
        {slos === null ? <p class="muted">Loading…</p> : slos.length === 0 ? <p class="muted">No SLOs configured: add `slos:` to a service in vigil.yaml.</p> : null}
        {slos && slos.length > 0 ? (
          <table class="table slo-table" data-testid="slo-table">
            <thead>
              <tr>
                <th>SLO</th>
                <th>SLI</th>
                <th>Objective</th>
                <th class="slo-table__budget">Error budget</th>
                <th>Burn rate</th>
              </tr>
            </thead>
            <tbody>
              {slos.map((slo) => (
                <SloRow key={slo.id} slo={slo} />
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}

function SloRow({ slo }: { slo: SloStatus }) {
  return (
    <tr data-slo={slo.id}>
      <td>
        <strong>{slo.name}</strong>
        <span class="incident-row__meta">
          {slo.env} / {slo.service} · {SLI_LABELS[slo.sli] ?? slo.sli}
          {slo.maintenanceMs > 0 ? ' · maintenance excluded' : ''}
        </span>
      </td>
      <td class="num" title={`${formatCount(slo.events.good)} good of ${formatCount(slo.events.total)}`}>
        {formatRatio(slo.sliValue)}
      </td>
      <td class="num">{formatRatio(slo.objective)}</td>
      <td>
        <BudgetBar remaining={slo.errorBudgetRemaining} />
      </td>
      <td>
        <BurnRates slo={slo} />
      </td>
    </tr>
  );
}

/** Each window's burn rate; ≥ 6× is coloured as a page, ≥ 1× as spending faster than the window allows. */
export function BurnRates({ slo }: { readonly slo: SloStatus }) {
  return (
    <ul class="burn">
      {slo.burnRates.map((burn) => (
        <li key={burn.windowMs} class={`burn__item burn__item--${burnTone(burn.rate)}`}>
          <span class="burn__window">{formatWindow(burn.windowMs)}</span> {formatRate(burn.rate)}
        </li>
      ))}
    </ul>
  );
}
