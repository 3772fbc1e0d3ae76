// SLO error budgets for a report: the SLO accounting of the rules engine (rules/slo-accounting.ts),
// backfilled from the store as of the period's end, so a report and /api/v1/slos count events alike.
import { SloAccounting } from '../rules/slo-accounting.js';
import { errorBudget } from '../rules/slo.js';
import type { MaintenanceSpec, SloSpec } from '../rules/types.js';
import type { SampleStore } from '../store/types.js';
import type { SloReport } from './types.js';

/** Each SLO's budget in its own window ending at `to`, and what the period [from, to) spent of it. */
export async function sloBudgets(
  slos: readonly SloSpec[],
  maintenance: readonly MaintenanceSpec[],
  samples: Pick<SampleStore, 'query'>,
  period: { readonly from: number; readonly to: number },
  rawRetentionMs: number,
  log: (line: string) => void,
): Promise<SloReport[]> {
  if (slos.length === 0) return [];
  const accounting = new SloAccounting(slos, maintenance);
  // The status at `to − 1`: the window of events before the period's end, the sample at `to` excluded.
  const at = period.to - 1;
  await accounting.backfill(samples, at, rawRetentionMs, log);
  return accounting.statuses(at).map((status) => {
    const inPeriod = accounting.eventsBetween(status.id, period.from, period.to) ?? { good: 0, total: 0 };
    const allowedBad = (1 - status.objective) * status.events.total;
    return {
      id: status.id,
      env: status.env,
      service: status.service,
      sli: status.sli,
      objective: status.objective,
      windowStart: status.windowStart,
      windowEnd: status.windowEnd,
      periodSli: errorBudget({ ...inPeriod, objective: status.objective }).sli,
      budgetConsumedInPeriod: allowedBad > 0 ? (inPeriod.total - inPeriod.good) / allowedBad : null,
      budgetRemaining: status.errorBudgetRemaining,
    };
  });
}
