import { effect, signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import type { CellStatus, ServiceStatus, StatusResponse } from '../../api/types.js';
import { formatCount } from '../../dashboard/format.js';
import { createFilterModel } from '../../dashboard/models/filter.js';
import {
  layoutFor,
  matrixItems,
  NO_FILTER,
  orderServices,
  parseFilter,
  problemsOf,
  reconcile,
  shapeOf,
  sliceWithPinned,
  visibleWindow,
  writeFilter,
  type MatrixFilter,
} from '../../dashboard/models/matrix.js';
import { createMatrixModel } from '../../dashboard/models/matrix-model.js';
import { createRouteModel } from '../../dashboard/models/route.js';
import { createSelectionModel } from '../../dashboard/models/selection.js';

const AT = Date.UTC(2026, 10, 21, 12, 0, 0);
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const LETTER: Record<string, CellStatus> = { u: 'up', d: 'down', g: 'degraded', '?': 'unknown' };

/**
 * A status answer in a tiny notation: `{ api: 'u d g' }` is api up in dev, down in staging, degraded in
 * prod (`?` unknown, `-` not deployed). Owners are `team-<service>`; `latencyMs` sets every check's duration.
 */
function answer(rows: Record<string, string>, opts: { latencyMs?: number; generatedAt?: number } = {}): StatusResponse {
  const cells: ServiceStatus[] = [];
  for (const [service, notation] of Object.entries(rows)) {
    notation.split(' ').forEach((letter, index) => {
      if (letter === '-') return;
      const status = LETTER[letter]!;
      const env = ENVIRONMENTS[index]!;
      cells.push({
        env,
        service,
        status,
        checks: [
          {
            id: `${env}/${service}/http`,
            name: 'http',
            kind: 'http',
            status,
            lastRunAt: status === 'unknown' ? null : AT - 5_000,
            durationSeconds: status === 'unknown' ? null : (opts.latencyMs ?? 40) / 1000,
            error: status === 'down' ? 'expected status 200, got 503' : null,
            detail: null,
            runbook: null,
          },
        ],
      });
    });
  }
  return {
    generatedAt: opts.generatedAt ?? AT,
    environments: ENVIRONMENTS,
    services: Object.keys(rows).map((name) => ({ name, owner: `team-${name}`, description: null })),
    cells,
    incidents: [],
  };
}

/** `count` healthy services named svc-000…, then the given rows. */
function many(count: number, extra: Record<string, string> = {}): Record<string, string> {
  const rows: Record<string, string> = {};
  for (let i = 0; i < count; i++) rows[`svc-${String(i).padStart(3, '0')}`] = 'u u u';
  return { ...rows, ...extra };
}

function itemsOf(status: StatusResponse, filter: MatrixFilter = NO_FILTER) {
  const snapshot = reconcile(null, status);
  const shape = shapeOf(null, snapshot);
  const layout = layoutFor(snapshot.services.length);
  const ordered = orderServices(shape, filter, layout);
  return { snapshot, ordered, items: matrixItems(shape, ordered, filter, layout) };
}

describe('the folded status matrix', () => {
  it('lists down, then degraded, then unknown services first and folds the healthy ones into one line', () => {
    const { items } = itemsOf(answer(many(20, { 'web-unknown': 'u ? u', 'web-degraded': 'u g u', 'web-down': 'u u d', 'api-down': 'd - d' })));
    expect(items).toEqual([
      { kind: 'row', service: 'web-down' },
      { kind: 'row', service: 'api-down' },
      { kind: 'row', service: 'web-degraded' },
      { kind: 'row', service: 'web-unknown' },
      { kind: 'fold', count: 20, expanded: false },
    ]);
  });

  it('keeps services of equal severity in config order', () => {
    const { ordered } = itemsOf(answer(many(15, { zeta: 'd u u', alpha: 'u d u', mid: 'g u u', beta: 'd d d' })));
    expect(ordered.slice(0, 4)).toEqual(['zeta', 'alpha', 'beta', 'mid']);
  });

  it('lists the healthy services under the fold line once it is expanded', () => {
    const { items } = itemsOf(answer(many(13, { broken: 'd d d' })), { ...NO_FILTER, showHealthy: true });
    expect(items.slice(0, 3)).toEqual([
      { kind: 'row', service: 'broken' },
      { kind: 'fold', count: 13, expanded: true },
      { kind: 'row', service: 'svc-000' },
    ]);
    expect(items).toHaveLength(15);
  });

  it('shows no fold line when every service has a problem', () => {
    const rows = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`bad-${i}`, 'd u u']));
    expect(itemsOf(answer(rows)).items.every((item) => item.kind === 'row')).toBe(true);
  });

  it('shows every row of a handful of services in config order, failing or not', () => {
    const { items } = itemsOf(answer({ web: 'u u u', api: 'u d u', db: 'u d u' }));
    expect(items).toEqual([
      { kind: 'row', service: 'web' },
      { kind: 'row', service: 'api' },
      { kind: 'row', service: 'db' },
    ]);
  });

  it('counts healthy services with separators, as the fold line shows them', () => {
    expect([0, 7, 1987, 2000, 1_234_567].map(formatCount)).toEqual(['0', '7', '1,987', '2,000', '1,234,567']);
  });
});

describe('the matrix filter', () => {
  const status = answer(
    many(12, {
      'payments-api': 'u d u',
      'payments-web': 'u u u',
      checkout: 'g u u',
      search: '? u u',
      mailer: 'u u d',
    }),
  );

  it.each<[string, Partial<MatrixFilter>, string[]]>([
    ['a name substring, any case', { text: 'PAYMENTS' }, ['payments-api', 'payments-web']],
    ['an owner substring', { text: 'team-check' }, ['checkout']],
    ['surrounding spaces ignored', { text: '  mailer ' }, ['mailer']],
    ['failing: down or degraded', { status: 'failing' }, ['payments-api', 'mailer', 'checkout']],
    ['down in any environment', { status: 'down' }, ['payments-api', 'mailer']],
    ['degraded', { status: 'degraded' }, ['checkout']],
    ['unknown', { status: 'unknown' }, ['search']],
    ['text and status together', { text: 'payments', status: 'failing' }, ['payments-api']],
    ['nothing', { text: 'no-such-service' }, []],
  ])('keeps the services matching %s', (_name, change, expected) => {
    expect(itemsOf(status, { ...NO_FILTER, ...change }).ordered).toEqual(expected);
  });

  it('lists healthy services unfolded when they are what the filter asks for', () => {
    const { items } = itemsOf(status, { ...NO_FILTER, status: 'up', text: 'payments' });
    expect(items).toEqual([{ kind: 'row', service: 'payments-web' }]);
  });

  it('folds only the healthy services that match the text', () => {
    const { items } = itemsOf(status, { ...NO_FILTER, text: 'payments' });
    expect(items).toEqual([
      { kind: 'row', service: 'payments-api' },
      { kind: 'fold', count: 1, expanded: false },
    ]);
  });

  it('lists the failing checks of the services shown, in the matrix order', () => {
    const { snapshot, ordered } = itemsOf(status, { ...NO_FILTER, status: 'failing' });
    expect(problemsOf(snapshot, ordered).map(({ check }) => check.id)).toEqual(['staging/payments-api/http', 'prod/mailer/http', 'dev/checkout/http']);
  });

  it('reads and writes the URL query, keeping other parameters and leaving defaults out', () => {
    const filter = parseFilter(new URLSearchParams('q=pay&status=failing&healthy=show&tv=1'));
    expect(filter).toEqual({ text: 'pay', status: 'failing', showHealthy: true });
    expect(parseFilter(new URLSearchParams('status=bogus'))).toEqual(NO_FILTER);
    expect(writeFilter(new URLSearchParams('tv=1&q=old'), { text: 'web', status: 'all', showHealthy: false }).toString()).toBe('tv=1&q=web');
    expect(writeFilter(new URLSearchParams('q=old&status=down'), NO_FILTER).toString()).toBe('');
  });

  it('keeps the filter in the hash without a history entry per keystroke, and follows a pasted link', () => {
    const location = { hash: '#/?status=down' };
    const listeners = new Set<() => void>();
    const replaced: string[] = [];
    const route = createRouteModel({
      location,
      events: { addEventListener: (_type: string, fn: () => void) => listeners.add(fn), removeEventListener: (_type: string, fn: () => void) => listeners.delete(fn) } as never,
      replaceHash: (hash) => replaced.push(hash),
    });
    const filter = createFilterModel(route);
    expect(filter.filter.value.status).toBe('down');

    filter.setText('pay');
    filter.setText('paym');
    expect(replaced).toEqual(['#/?status=down&q=pay', '#/?status=down&q=paym']);
    expect(filter.filter.value).toEqual({ text: 'paym', status: 'down', showHealthy: false });

    location.hash = '#/?q=web&healthy=show';
    for (const listener of listeners) listener();
    expect(filter.filter.value).toEqual({ text: 'web', status: 'all', showHealthy: true });

    filter.clear();
    expect(replaced.at(-1)).toBe('#/?healthy=show');
  });
});

describe('polling the status', () => {
  it('keeps every row and cell of an answer that changed nothing but its time', () => {
    const first = reconcile(null, answer(many(3)));
    const second = reconcile(first, answer(many(3), { generatedAt: AT + 5_000 }));
    expect(second).toBe(first);
  });

  it('replaces only the cells that changed, keeping the others and their rows', () => {
    const first = reconcile(null, answer({ web: 'u u u', api: 'u u u' }));
    const next = answer({ web: 'u u u', api: 'u d u' });
    const second = reconcile(first, next);
    expect(second).not.toBe(first);
    expect(second.rows.get('web')).toBe(first.rows.get('web'));
    const [devBefore, stagingBefore] = first.rows.get('api')!.cells;
    const [devAfter, stagingAfter] = second.rows.get('api')!.cells;
    expect(devAfter).toBe(devBefore);
    expect(stagingAfter).not.toBe(stagingBefore);
    expect(second.rows.get('api')!.worst).toBe('down');
  });

  it('re-renders a row when its latency changes, but does not re-sort or re-fold the matrix', () => {
    const status = signal<StatusResponse | null>(answer(many(14, { broken: 'd u u' })));
    const filter = signal(NO_FILTER);
    const matrix = createMatrixModel(status, filter);
    const runs = { items: 0, counts: 0, brokenRow: 0, healthyRow: 0 };
    const stops = [
      effect(() => void (matrix.items.value, runs.items++)),
      effect(() => void (matrix.counts.value, runs.counts++)),
      effect(() => void (matrix.row('broken').value, runs.brokenRow++)),
      effect(() => void (matrix.row('svc-000').value, runs.healthyRow++)),
    ];
    expect(runs).toEqual({ items: 1, counts: 1, brokenRow: 1, healthyRow: 1 });

    // Same content, new objects and a new time: nothing runs again.
    status.value = answer(many(14, { broken: 'd u u' }), { generatedAt: AT + 5_000 });
    expect(runs).toEqual({ items: 1, counts: 1, brokenRow: 1, healthyRow: 1 });

    // Every latency changes: each row re-renders, the order, folding and counts do not.
    status.value = answer(many(14, { broken: 'd u u' }), { latencyMs: 55 });
    expect(runs).toEqual({ items: 1, counts: 1, brokenRow: 2, healthyRow: 2 });

    // One service recovers: it moves under the fold line, the counts change, other rows stay.
    status.value = answer(many(14, { broken: 'u u u' }), { latencyMs: 55 });
    expect(runs).toEqual({ items: 2, counts: 2, brokenRow: 3, healthyRow: 2 });
    expect(matrix.items.value).toEqual([{ kind: 'fold', count: 15, expanded: false }]);
    stops.forEach((stop) => stop());
  });

  it('shows the worst service in the latency chart until one is picked', () => {
    const status = signal<StatusResponse | null>(null);
    const matrix = createMatrixModel(status, signal(NO_FILTER));
    const selection = createSelectionModel({ services: matrix.services, ordered: matrix.ordered, known: signal(true) });
    expect(selection.service.value).toBeNull();
    status.value = answer(many(14, { degraded: 'g u u', broken: 'u d u' }));
    expect(selection.service.value).toBe('broken');
    selection.select('svc-003');
    expect(selection.service.value).toBe('svc-003');
    status.value = answer(many(3));
    expect(selection.service.value).toBe('svc-000');
  });
});

describe('rendering only the rows in view', () => {
  it.each([
    ['at the top', 0, 600, { start: 0, end: 16 }],
    ['scrolled into the list', 6_000, 600, { start: 94, end: 116 }],
    ['at the end', 120_000, 600, { start: 1994, end: 2000 }],
    ['before it is measured', 0, 0, { start: 0, end: 6 }],
  ])('renders the window and its overscan %s', (_name, scrollTop, viewportHeight, expected) => {
    expect(visibleWindow({ scrollTop, viewportHeight, itemPitch: 60, itemCount: 2000, overscan: 6 })).toEqual(expected);
  });

  it('keeps the fold line rendered at the window edge when it is out of view, without moving other rows', () => {
    expect(sliceWithPinned({ start: 0, end: 10 }, 2000, 14)).toEqual({ before: 0, indices: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14], after: 1989 });
    expect(sliceWithPinned({ start: 100, end: 103 }, 2000, 14)).toEqual({ before: 99, indices: [14, 100, 101, 102], after: 1897 });
    expect(sliceWithPinned({ start: 10, end: 20 }, 30, 14).indices).toHaveLength(10);
    expect(sliceWithPinned({ start: 0, end: 5 }, 5, -1)).toEqual({ before: 0, indices: [0, 1, 2, 3, 4], after: 0 });
  });
});
