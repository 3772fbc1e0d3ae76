import { budgetBar } from '../models/slos.js';

/** Error budget left as a bar with its percentage written beside it. */
export function BudgetBar({ remaining, size = 'normal' }: { readonly remaining: number | null; readonly size?: 'normal' | 'wall' }) {
  const bar = budgetBar(remaining);
  return (
    <div class={`budget budget--${bar.tone} budget--${size}`} data-tone={bar.tone}>
      <div class="budget__track" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(bar.percent)} aria-label="Error budget left">
        <div class="budget__fill" style={{ width: `${bar.percent}%` }} />
      </div>
      <span class="budget__label">{bar.label}</span>
    </div>
  );
}
