import type { CellStatus } from '../../api/types.js';

/** How each status reads without colour: its own glyph and word, so colour-blind readers lose nothing. */
export const STATUS_PRESENTATION: Readonly<Record<CellStatus, { readonly icon: string; readonly label: string }>> = {
  up: { icon: '✓', label: 'Up' },
  degraded: { icon: '!', label: 'Degraded' },
  down: { icon: '✕', label: 'Down' },
  unknown: { icon: '?', label: 'Unknown' },
};

export interface StatusBadgeProps {
  readonly status: CellStatus;
  readonly size?: 'large' | 'small';
}

/** A status as glyph + word on its colour: ✓ Up, ! Degraded, ✕ Down, ? Unknown. */
export function StatusBadge({ status, size = 'large' }: StatusBadgeProps) {
  const { icon, label } = STATUS_PRESENTATION[status];
  return (
    <span class={`badge badge--${status} badge--${size}`} data-status={status}>
      <span class="badge__icon" aria-hidden="true">
        {icon}
      </span>
      <span class="badge__label">{label}</span>
    </span>
  );
}
