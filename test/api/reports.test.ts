// The reports API on a real store: an ad-hoc report made by POST and validated, the list newest first
// a page at a time, and one report as JSON, Markdown, a self-contained escaped HTML page, and CSV.
import { Hono } from 'hono';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorResponse } from '../../api/errors.js';
import { mutationGuard } from '../../api/mutations.js';
import { reportRoutes } from '../../api/reports.js';
import { securityHeaders } from '../../api/security-headers.js';
import { CSV_COLUMNS } from '../../reports/render-csv.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { DEFAULT_RETENTION, type Sample } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const FROM = Date.UTC(2026, 0, 5);
const NOW = FROM + 3 * DAY;

async function api() {
  const store = await openSqliteStore(tempDbPath(), { readers: 0 });
  onTestFinished(() => store.close());
  const samples: Sample[] = [];
  for (let ts = FROM; ts < FROM + DAY; ts += MINUTE) {
    // One check whose name would break HTML and a spreadsheet if it were not escaped.
    samples.push({ name: 'probe_success', labels: { env: 'prod', service: 'api', check: '<script>x</script>' }, ts, value: ts < FROM + 60 * MINUTE ? 0 : 1 });
    samples.push({ name: 'probe_success', labels: { env: 'prod', service: 'web', check: '=cmd|calc' }, ts, value: 1 });
  }
  await store.samples.append(samples);
  while ((await store.samples.rollUp(NOW)).more);
  const sources = { store, checks: [], services: [], alerting: { slos: [], maintenance: [] }, retention: DEFAULT_RETENTION, log: () => {} };
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.use('*', securityHeaders());
  app.use('/api/*', mutationGuard());
  app.route('/api/v1', reportRoutes({ store, sources, environments: ['staging', 'prod'], clock: { now: () => NOW } }));
  const post = (body: unknown) => app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json', 'x-vigil-user': 'alice' }, body: JSON.stringify(body) });
  return { app, post, store };
}

describe('the reports API', () => {
  it('makes an ad-hoc report of a period and serves it in every format', async () => {
    const { app, post } = await api();
    const made = await post({ from: '2026-01-05T00:00:00Z', to: FROM + DAY, envs: ['prod'], sla: 99 });
    expect(made.status).toBe(201);
    const { report } = (await made.json()) as { report: { id: number; name: string; kind: string; createdBy: string; availability: number; slaMissed: number } };
    expect(report).toMatchObject({ name: 'ad-hoc', kind: 'ad-hoc', createdBy: 'alice', slaMissed: 1 });
    // api: 60 failed minutes of 1,440; web: none. Each check weighs its day.
    expect(report.availability).toBeCloseTo((1380 / 1440 + 1) / 2, 6);

    const json = await app.request(`/api/v1/reports/${report.id}`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const full = (await json.json()) as { report: { services: Array<{ service: string; met: boolean; target: number }> } };
    expect(full.report.services.map((s) => [s.service, s.met, s.target])).toEqual([
      ['api', false, 0.99],
      ['web', true, 0.99],
    ]);

    const md = await app.request(`/api/v1/reports/${report.id}?format=md`);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const markdown = await md.text();
    expect(markdown).toMatch(/^# SLA report ad-hoc: 2026-01-05 – 2026-01-05 \(UTC\)/);
    expect(markdown).toContain('| prod | api | 95.833% | 99% | **missed** |');

    const html = await app.request(`/api/v1/reports/${report.id}?format=html`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // Its own policy: the inline style by hash, and no script may run at all.
    expect(html.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const page = await html.text();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(page).not.toMatch(/<link|src=/);

    const csv = await app.request(`/api/v1/reports/${report.id}?format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="ad-hoc-2026-01-05.csv"');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',prod,api,<script>x</script>,');
    // A cell a spreadsheet would run as a formula is text.
    expect(lines[2]).toContain(`,prod,web,'=cmd|calc,1,`);
  });

  it.each([
    ['to before from', { from: FROM + DAY, to: FROM }, 'to: must be after from'],
    ['a span over 92 days', { from: '2025-09-01T00:00:00Z', to: FROM }, 'to: a report covers at most 92 days'],
    ['a period in the future', { from: FROM, to: NOW + DAY }, 'to: must not be in the future'],
    ['an unreadable time', { from: 'last tuesday', to: FROM }, 'from: expected epoch milliseconds, an ISO date'],
    ['an unknown environment', { from: FROM, to: FROM + DAY, envs: ['prd'] }, 'envs: unknown environment "prd"; environments are staging, prod'],
    ['an unknown timezone', { from: FROM, to: FROM + DAY, timezone: 'Mars/Olympus' }, 'timezone: unknown timezone "Mars/Olympus"'],
    ['a target of 100 %', { from: FROM, to: FROM + DAY, sla: 100 }, 'sla: expected a target in percent below 100'],
    ['a missing period', { from: FROM }, 'to:'],
    ['an unknown field', { from: FROM, to: FROM + DAY, format: 'pdf' }, 'Unrecognized key'],
  ])('refuses %s with a 400 that says why', async (_case, body, message) => {
    const { post } = await api();
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  it('lists reports newest first, a page at a time, and answers 404 and 400 for a wrong id or format', async () => {
    const { app, post } = await api();
    for (let day = 0; day < 3; day++) expect((await post({ from: FROM + day * DAY, to: FROM + (day + 1) * DAY })).status).toBe(201);
    const first = (await (await app.request('/api/v1/reports?limit=2')).json()) as { reports: Array<{ id: number; periodStart: number; links: { html: string } }>; nextCursor: number };
    expect(first.reports.map((r) => r.periodStart)).toEqual([FROM + 2 * DAY, FROM + DAY]);
    expect(first.reports[0]!.links.html).toBe(`/api/v1/reports/${first.reports[0]!.id}?format=html`);
    const second = (await (await app.request(`/api/v1/reports?limit=2&cursor=${first.nextCursor}`)).json()) as { reports: Array<{ periodStart: number }>; nextCursor: number | null };
    expect(second).toMatchObject({ reports: [{ periodStart: FROM }], nextCursor: null });
    expect((await app.request('/api/v1/reports/999')).status).toBe(404);
    const badFormat = await app.request(`/api/v1/reports/${first.reports[0]!.id}?format=pdf`);
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as { error: { message: string } }).error.message).toContain('expected one of json, md, html, csv');
  });

  it('answers a clear error for a stored report of another version or a damaged one, and still lists them', async () => {
    const { app, post, store } = await api();
    const made = (await (await post({ from: FROM, to: FROM + DAY })).json()) as { report: { id: number } };
    const good = (await store.reports.get(made.report.id))!;
    const { id: _id, body, ...record } = good;
    const stored = JSON.parse(body) as Record<string, unknown> & { fleet: Record<string, unknown>; services: Array<Record<string, unknown>> };
    const insert = async (text: string) => (await store.reports.insertIfAbsent({ ...record, body: text }))!.id;
    const newer = await insert(JSON.stringify({ ...stored, version: 2 }));
    const damaged = await insert(JSON.stringify({ ...stored, fleet: { ...stored.fleet, incidents: 'none' }, services: [{ ...stored.services[0], checks: 5 }] }));
    const truncated = await insert(body.slice(0, 100));

    const answer = async (path: string) => {
      const response = await app.request(path);
      return { status: response.status, ...((await response.json()) as { error: { code: string; message: string } }) };
    };
    for (const format of ['json', 'md', 'html', 'csv']) {
      expect(await answer(`/api/v1/reports/${newer}?format=${format}`)).toEqual({
        status: 500,
        error: { code: 'unreadable', message: `stored report ${newer} has version 2; this Vigil reads report version 1 only (written by a newer Vigil: upgrade to read it)` },
      });
    }
    const broken = await answer(`/api/v1/reports/${damaged}?format=html`);
    expect(broken).toMatchObject({ status: 500, error: { code: 'unreadable' } });
    expect(broken.error.message).toMatch(new RegExp(`^stored report ${damaged} is damaged: `));
    expect(broken.error.message).toContain('fleet.incidents: Invalid input: expected object, received string');
    expect(broken.error.message).toContain('services[0].checks: Invalid input: expected array, received number');
    expect(await answer(`/api/v1/reports/${truncated}`)).toEqual({ status: 500, error: { code: 'unreadable', message: `stored report ${truncated} is damaged: its body is not valid JSON` } });

    const list = await app.request('/api/v1/reports');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { reports: Array<{ id: number }> }).reports.map((r) => r.id)).toEqual([truncated, damaged, newer, made.report.id]);
    expect((await app.request(`/api/v1/reports/${made.report.id}?format=html`)).status).toBe(200);
  });
});
