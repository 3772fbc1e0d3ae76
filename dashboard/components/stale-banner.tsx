import type { StatusModel } from '../models/status.js';
import { formatAge } from '../format.js';
import { useNow } from './use-now.js';

export interface StaleBannerProps {
  readonly status: StatusModel;
  readonly now: () => number;
}

/** Says the screen shows old data, and how old, when the API stops answering; nothing while all is well. */
export function StaleBanner({ status, now }: StaleBannerProps) {
  if (!status.stale.value) return null;
  return <StaleMessage status={status} now={now} />;
}

function StaleMessage({ status, now }: StaleBannerProps) {
  const current = useNow(now);
  const receivedAt = status.receivedAt.value;
  return (
    <div class="stale" role="alert" data-testid="stale-banner">
      <span class="stale__icon" aria-hidden="true">
        ⚠
      </span>
      <strong>Stale</strong>
      {receivedAt === null ? (
        <span>Cannot reach the Vigil API yet.</span>
      ) : (
        <span>
          The API is not answering; showing data from <strong>{formatAge(current - receivedAt)} ago</strong>.
        </span>
      )}
      <span class="stale__reason">{status.error.value}</span>
    </div>
  );
}
