import { signal } from '@preact/signals';
import { describe, expect, it, vi } from 'vitest';
import type { IncidentJson, StatusResponse } from '../../api/types.js';
import { incidentSearchParams } from '../../dashboard/api-client.js';
import { activateByRoute } from '../../dashboard/models/activation.js';
import { availableActions, describeEvent } from '../../dashboard/models/incident-detail.js';
import { incidentRequests, joinPages, orderActive, parseIncidentFilter, toggleIn, writeIncidentFilter } from '../../dashboard/models/incidents.js';
import { cleanActionItems, editActionItems, sameDraft } from '../../dashboard/models/postmortems.js';
import { pathId, routeKey } from '../../dashboard/models/route.js';
import { parseMatchers, silenceFormProblems, silenceState } from '../../dashboard/models/silences.js';
import { budgetBar, burnTone, formatRate, formatRatio, formatWindow, orderSlos } from '../../dashboard/models/slos.js';
import { cleanName, createUserModel } from '../../dashboard/models/user.js';
import { severityCounts, wallTiles, WALL_PROBLEM_MAX } from '../../dashboard/models/wall.js';
import type { SloStatus } from '../../rules/types.js';
import { INCIDENT_STATES, SEVERITIES } from '../../store/types.js';

const AT = Date.UTC(2026, 11, 1, 12, 0, 0);

function incident(id: number, change: Partial<IncidentJson> = {}): IncidentJson {
  return {
    id,
    fingerprint: `f${id}`,
    rule: 'CheckDown',
    severity: 'page',
    labels: {},
    env: 'prod',
    service: 'api',
    check: 'http',
    summary: `incident ${id}`,
    runbook: null,
    state: 'open',
    openedAt: AT - id * 60_000,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    lastValue: null,
    reopenCount: 0,
    updatedAt: AT,
    mttaSeconds: null,
    mttrSeconds: null,
    ...change,
  };
}

describe('the incident list filter', () => {
  it('reads states, severities, env and service from the hash and drops what it does not know', () => {
    expect(parseIncidentFilter(new URLSearchParams('state=acknowledged,open,bogus&severity=page&env=prod&service=%20api%20'))).toEqual({
      states: ['open', 'acknowledged'],
      severities: ['page'],
      env: 'prod',
      service: 'api',
    });
    expect(parseIncidentFilter(new URLSearchParams(''))).toEqual({ states: [], severities: [], env: '', service: '' });
  });

  it('writes a short link that reads back as the same filter', () => {
    const filter = { states: ['resolved' as const], severities: ['ticket' as const, 'info' as const], env: 'staging', service: '' };
    expect(writeIncidentFilter(filter).toString()).toBe('state=resolved&severity=ticket%2Cinfo&env=staging');
    expect(parseIncidentFilter(writeIncidentFilter(filter))).toEqual(filter);
  });

  it('toggles a value in a list, kept in the canonical order', () => {
    expect(toggleIn(['resolved'], 'open', INCIDENT_STATES)).toEqual(['open', 'resolved']);
    expect(toggleIn(['page', 'info'], 'page', SEVERITIES)).toEqual(['info']);
  });

  it.each([
    ['no state: every unresolved incident, then the resolved history', [], ['open', 'acknowledged'], ['resolved']],
    ['open only: no history', ['open'], ['open'], null],
    ['resolved only: no unresolved list', ['resolved'], null, ['resolved']],
    ['acknowledged and resolved', ['acknowledged', 'resolved'], ['acknowledged'], ['resolved']],
  ] as const)('asks for %s', (_, states, active, history) => {
    const requests = incidentRequests({ states, severities: ['page'], env: 'prod', service: '' });
    expect(requests.active?.states ?? null).toEqual(active);
    expect(requests.history?.states ?? null).toEqual(history);
    if (requests.active) expect(requests.active).toMatchObject({ env: 'prod', severities: ['page'], limit: 500 });
    if (requests.history) expect(requests.history).toMatchObject({ env: 'prod', severities: ['page'], limit: 50 });
  });

  it('sends lists comma-separated and leaves out what is not filtered', () => {
    expect(incidentSearchParams({ states: ['open', 'acknowledged'], env: 'prod', cursor: 40, limit: 50 }).toString()).toBe('env=prod&state=open%2Cacknowledged&cursor=40&limit=50');
    expect(incidentSearchParams({}).toString()).toBe('');
  });
});

describe('the incident list', () => {
  it('puts open incidents before acknowledged ones, pages before tickets, newest first', () => {
    const ordered = orderActive([
      incident(1, { state: 'acknowledged' }),
      incident(2, { severity: 'ticket' }),
      incident(3),
      incident(4),
    ]);
    expect(ordered.map((i) => i.id)).toEqual([3, 4, 2, 1]);
  });

  it('joins pages in order, each incident once, with the last page cursor', () => {
    const joined = joinPages([
      { incidents: [incident(9), incident(8)], nextCursor: 8 },
      { incidents: [incident(8), incident(7)], nextCursor: null },
    ]);
    expect(joined.incidents.map((i) => i.id)).toEqual([9, 8, 7]);
    expect(joined.nextCursor).toBeNull();
  });

  it('offers acknowledge only while open and resolve until resolved', () => {
    expect(availableActions({ state: 'open' })).toEqual({ acknowledge: true, resolve: true, note: true });
    expect(availableActions({ state: 'acknowledged' })).toEqual({ acknowledge: false, resolve: true, note: true });
    expect(availableActions({ state: 'resolved' })).toEqual({ acknowledge: false, resolve: false, note: true });
  });

  it('describes timeline events with who did them; Vigil when nobody did', () => {
    expect(describeEvent({ id: 1, incidentId: 1, at: AT, kind: 'opened', actor: null, text: null, value: 3 })).toEqual({ label: 'Opened', by: 'Vigil', detail: 'value 3' });
    expect(describeEvent({ id: 2, incidentId: 1, at: AT, kind: 'note', actor: 'ana', text: 'restarting', value: null })).toEqual({ label: 'Note', by: 'ana', detail: 'restarting' });
  });
});

describe('routes', () => {
  it('keys numeric segments as :id and reads the id', () => {
    expect(routeKey('/incidents/42')).toBe('/incidents/:id');
    expect(routeKey('/incidents')).toBe('/incidents');
    expect(pathId('/postmortems/7')).toBe(7);
    expect(pathId('/postmortems')).toBeNull();
  });

  it('runs each activity only while its view is shown', () => {
    const path = signal('/');
    const wall = { start: vi.fn(), stop: vi.fn() };
    const detail = { start: vi.fn(), stop: vi.fn() };
    const stop = activateByRoute(path, [
      [['/slos', '/wall'], wall],
      [['/incidents/:id'], detail],
    ]);
    expect(wall.start).not.toHaveBeenCalled();
    path.value = '/wall';
    path.value = '/slos';
    expect(wall.start).toHaveBeenCalledTimes(1);
    path.value = '/incidents/3';
    path.value = '/incidents/4';
    expect(wall.stop).toHaveBeenCalledTimes(1);
    expect(detail.start).toHaveBeenCalledTimes(1);
    stop();
    expect(detail.stop).toHaveBeenCalledTimes(1);
  });
});

describe('the user name', () => {
  it('is remembered once typed, one line of at most 100 characters', () => {
    const stored: string[] = [];
    const user = createUserModel({ read: () => null, write: (name) => stored.push(name) });
    expect(user.known.value).toBe(false);
    user.setName('  ana\nlyst ');
    expect(user.name.value).toBe('ana lyst');
    expect(user.known.value).toBe(true);
    expect(stored).toEqual(['ana lyst']);
    expect(cleanName('x'.repeat(150))).toHaveLength(100);
    expect(createUserModel({ read: () => 'bob', write: () => {} }).name.value).toBe('bob');
  });
});

describe('postmortem editing', () => {
  it('adds, changes and removes action items without touching the given list', () => {
    const items = [{ title: 'Fix alert', owner: null, status: 'open' as const }];
    const added = editActionItems(items, { kind: 'add' });
    expect(added).toEqual([...items, { title: '', owner: null, status: 'open' }]);
    const changed = editActionItems(added, { kind: 'change', index: 1, change: { title: 'Add a runbook', owner: 'ana' } });
    expect(changed[1]).toEqual({ title: 'Add a runbook', owner: 'ana', status: 'open' });
    expect(editActionItems(changed, { kind: 'remove', index: 0 }).map((i) => i.title)).toEqual(['Add a runbook']);
    expect(items).toHaveLength(1);
  });

  it('sends only titled items, with blank owners as none, and sees an untitled new item as no change', () => {
    const items = [
      { title: ' Rotate keys ', owner: '  ', status: 'done' as const },
      { title: '', owner: 'ana', status: 'open' as const },
    ];
    expect(cleanActionItems(items)).toEqual([{ title: 'Rotate keys', owner: null, status: 'done' }]);
    const saved = { title: 't', markdown: 'm', actionItems: [{ title: 'Rotate keys', owner: null, status: 'done' as const }] };
    expect(sameDraft(saved, { ...saved, actionItems: [...saved.actionItems, { title: '', owner: null, status: 'open' }] })).toBe(true);
    expect(sameDraft(saved, { ...saved, markdown: 'm2' })).toBe(false);
  });
});

describe('SLOs', () => {
  it.each([
    [1, { percent: 100, tone: 'ok', label: '100% left' }],
    [0.734, { tone: 'ok', label: '73.4% left' }],
    [0.3, { tone: 'low' }],
    [0.05, { percent: 5, tone: 'critical', label: '5% left' }],
    [0, { percent: 0, tone: 'spent', label: 'spent' }],
    [-0.25, { percent: 0, tone: 'spent', label: 'overspent 25%' }],
    [null, { percent: 0, tone: 'none', label: 'no data' }],
  ] as const)('shows %s of the budget left as a bar', (remaining, expected) => {
    expect(budgetBar(remaining)).toMatchObject(expected);
  });

  it('formats objectives, windows and burn rates', () => {
    expect(formatRatio(0.999)).toBe('99.9%');
    expect(formatRatio(0.99987)).toBe('99.987%');
    expect(formatRatio(null)).toBe('–');
    expect([300_000, 3_600_000, 21_600_000, 86_400_000, 259_200_000].map(formatWindow)).toEqual(['5m', '1h', '6h', '1d', '3d']);
    expect([0.42, 1, 14.4, 120, null].map(formatRate)).toEqual(['0.42×', '1.0×', '14.4×', '120×', '–']);
    expect([0.5, 1, 6, 14.4, null].map(burnTone)).toEqual(['ok', 'warn', 'page', 'page', 'none']);
  });

  it('lists the SLO with least budget first and those without data last', () => {
    const slo = (id: string, remaining: number | null) => ({ id, name: id, env: 'prod', service: id, errorBudgetRemaining: remaining }) as SloStatus;
    expect(orderSlos([slo('a', 0.9), slo('b', null), slo('c', -0.1), slo('d', 0.2)]).map((s) => s.id)).toEqual(['c', 'd', 'a', 'b']);
  });
});

describe('silences', () => {
  it('reads matchers separated by commas or lines, quoted or not', () => {
    expect(parseMatchers('env=prod, service=~"api|web"\ncheck!=tls, alertname!~Slo.*')).toEqual({
      matchers: [
        { label: 'env', op: '=', value: 'prod' },
        { label: 'service', op: '=~', value: 'api|web' },
        { label: 'check', op: '!=', value: 'tls' },
        { label: 'alertname', op: '!~', value: 'Slo.*' },
      ],
      problems: [],
    });
  });

  it('names every problem of a form before anything is sent', () => {
    expect(silenceFormProblems({ matchers: 'env prod', duration: '2 hours', comment: ' ' })).toEqual([
      '"env prod": expected label=value, label!=value, label=~regex or label!~regex',
      'duration: expected e.g. 30m, 2h or 1d',
      'comment: say why the alerts are silenced',
    ]);
    expect(silenceFormProblems({ matchers: '', duration: '1d12h', comment: 'upgrade' })).toEqual(['give at least one matcher, e.g. env=prod']);
    expect(silenceFormProblems({ matchers: 'env=prod', duration: '2h', comment: 'upgrade' })).toEqual([]);
  });

  it('knows a silence is pending, active or expired', () => {
    const silence = { startsAt: AT, endsAt: AT + 3_600_000 };
    expect([AT - 1, AT, AT + 3_600_000].map((at) => silenceState(silence, at))).toEqual(['pending', 'active', 'expired']);
  });
});

function status(services: number, failing: (env: string, i: number) => 'up' | 'down' | 'degraded' = () => 'up'): StatusResponse {
  const environments = ['dev', 'staging', 'prod'];
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  return {
    generatedAt: AT,
    environments,
    incidents: [],
    services: names.map((name) => ({ name, owner: null, description: null })),
    cells: names.flatMap((service, i) =>
      environments.map((env) => {
        const cellStatus = failing(env, i);
        return {
          env,
          service,
          status: cellStatus,
          checks: [{ id: `${env}/${service}/http`, name: 'http', kind: 'http', status: cellStatus, lastRunAt: AT, durationSeconds: 0.1, error: cellStatus === 'up' ? null : 'HTTP 500', detail: null, runbook: null }],
        };
      }),
    ),
  };
}

describe('the wall', () => {
  it('shows a small system as the whole env × service matrix, with why a cell fails', () => {
    const tiles = wallTiles(status(3, (env, i) => (env === 'prod' && i === 1 ? 'down' : 'up')));
    expect(tiles).toMatchObject({ mode: 'matrix', columns: 3, rows: 3 });
    expect(tiles.tiles).toHaveLength(9);
    expect(tiles.tiles[5]).toEqual({ kind: 'cell', env: 'prod', service: 'svc-1', status: 'down', reason: 'http: HTTP 500' });
  });

  it('shows a big system as its problems, worst and prod first, and folds the healthy cells per environment', () => {
    const tiles = wallTiles(status(2000, (env, i) => (i % 400 === 7 ? 'down' : i % 500 === 9 && env === 'prod' ? 'degraded' : 'up')));
    expect(tiles.mode).toBe('problems');
    const cells = tiles.tiles.filter((t) => t.kind === 'cell');
    expect(cells.slice(0, 2)).toMatchObject([{ env: 'prod', service: 'svc-1207', status: 'down' }, { env: 'prod', service: 'svc-1607', status: 'down' }]);
    expect(cells.at(-1)).toMatchObject({ status: 'degraded' });
    expect(tiles.tiles.filter((t) => t.kind === 'healthy')).toEqual([
      { kind: 'healthy', env: 'dev', count: 1995 },
      { kind: 'healthy', env: 'staging', count: 1995 },
      { kind: 'healthy', env: 'prod', count: 1991 },
    ]);
    expect(tiles.rows * tiles.columns).toBeGreaterThanOrEqual(tiles.tiles.length);
  });

  it('caps the problem tiles and says how many more there are', () => {
    const tiles = wallTiles(status(100, () => 'down'));
    expect(tiles.tiles.filter((t) => t.kind === 'cell')).toHaveLength(WALL_PROBLEM_MAX - 1);
    expect(tiles.tiles).toContainEqual({ kind: 'more', count: 300 - (WALL_PROBLEM_MAX - 1) });
  });

  it('counts unresolved incidents per severity', () => {
    expect(severityCounts([incident(1), incident(2, { severity: 'ticket' }), incident(3, { state: 'resolved' })])).toEqual({ page: 1, ticket: 1, info: 0 });
  });
});
