// Fixtures for notification tests: incidents, messages, and the shared assertion that no receiver
// kind leaks a secret (STYLE.md: "a shared helper asserts no notifier leaks a secret").
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { Secret } from '../../lib/secret.js';
import type { AnyReceiverKind, OutgoingRequest } from '../../notify/receiver.js';
import type { ChangeKind, MessageAlert, NotificationMessage } from '../../notify/types.js';
import type { Incident } from '../../store/types.js';

export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

/** An incident of `ReplicaLagHigh` in prod/api, open since T0; fields overridable. */
export function incident(overrides: Partial<Incident> = {}): Incident {
  const id = overrides.id ?? 1;
  return {
    id,
    fingerprint: `fp${String(id).padStart(6, '0')}`,
    rule: 'ReplicaLagHigh',
    severity: 'page',
    labels: { alertname: 'ReplicaLagHigh', severity: overrides.severity ?? 'page', env: 'prod', service: 'api', check: 'pg' },
    env: 'prod',
    service: 'api',
    check: 'pg',
    summary: 'replica lag is 42s on prod/api',
    runbook: 'https://runbooks.example.com/api/pg',
    state: 'open',
    openedAt: T0,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    lastValue: 42.123456,
    reopenCount: 0,
    updatedAt: T0,
    ...overrides,
  };
}

/** The incident as it is after `change`. */
export function incidentAfter(change: ChangeKind, overrides: Partial<Incident> = {}, at = T0 + 60_000): Incident {
  if (change === 'acknowledged') return incident({ state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: 'alice', updatedAt: at, ...overrides });
  if (change === 'resolved') return incident({ state: 'resolved', resolvedAt: at, updatedAt: at, ...overrides });
  return incident(overrides);
}

export function alertMessage(alerts: readonly MessageAlert[], overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return { kind: 'alert', groupKey: '{env="prod"}', groupLabels: { env: 'prod' }, alerts, folded: 0, escalation: null, ...overrides };
}

/** A message about one incident after one change. */
export function changeMessage(change: ChangeKind, overrides: Partial<Incident> = {}): NotificationMessage {
  return alertMessage([{ change, at: T0 + 60_000, incident: incidentAfter(change, overrides) }]);
}

/** A group of `count` incidents with long summaries: what stresses a service's size limits. */
export function stormMessage(count: number, summaryLength = 5000): NotificationMessage {
  return alertMessage(
    Array.from({ length: count }, (_, i) => ({
      change: 'opened' as const,
      at: T0,
      incident: incident({ id: i + 1, summary: `${'lag <&> '.repeat(summaryLength / 8)} #${i}`, labels: { alertname: 'ReplicaLagHigh', env: 'prod', service: `svc-${i}`, region: 'eu' } }),
    })),
  );
}

/** Every string a request shows outside its intended transport of the secret. */
function shownText(request: OutgoingRequest): string {
  return [String(request.url), JSON.stringify(request), inspect(request, { depth: 10 })].join('\n');
}

/**
 * Asserts a receiver kind leaks none of `secrets`: its parsed config prints without them (JSON, inspect,
 * template strings), its schema's problems for bad input quote none of them, a URL that is a secret stays
 * a Secret in the request, and the only places a secret value may travel are the ones in `allowedIn`.
 */
export function assertNoSecretLeak(
  kind: AnyReceiverKind,
  rawConfig: Record<string, unknown>,
  secrets: readonly string[],
  request: OutgoingRequest,
  allowedIn: { readonly body?: boolean; readonly headers?: boolean } = {},
): void {
  const config = kind.schema.parse(rawConfig) as Record<string, unknown>;
  const printed = [JSON.stringify(config), inspect(config, { depth: 10 }), `${Object.values(config).join(' ')}`].join('\n');
  for (const secret of secrets) expect(printed, `${kind.kind}: the parsed config prints a secret`).not.toContain(secret);

  // A malformed value of every secret field: its problem must not quote the value.
  for (const [field, value] of Object.entries(config)) {
    if (!(value instanceof Secret)) continue;
    const bad = { ...rawConfig, [field]: `not a url ${value.reveal()} \u0000`, unknown_field: value.reveal() };
    const result = kind.schema.safeParse(bad);
    if (!result.success) {
      const text = JSON.stringify(result.error.issues.map((i) => i.message));
      for (const secret of secrets) expect(text, `${kind.kind}.${field}: a problem quotes the secret`).not.toContain(secret);
    }
  }

  const shown = shownText({ ...request, body: allowedIn.body ? '' : request.body, headers: allowedIn.headers ? {} : request.headers });
  for (const secret of secrets) expect(shown, `${kind.kind}: the request shows a secret`).not.toContain(secret);
}
