// SLA reports over HTTP: the list (newest first, cursor paging), one report as JSON or rendered
// (?format=md|html|csv), and an ad-hoc report for any period (POST). Stored as JSON, rendered on read.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { slaFraction } from '../config/reports.js';
import { periodProblems } from '../reports/period.js';
import type { Clock } from '../lib/clock.js';
import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { canonicalTimezone } from '../rules/calendar.js';
import { generateAdHoc } from '../reports/generate.js';
import type { ReportSources } from '../reports/read.js';
import { REPORT_PAGE_CSP } from '../reports/render-html.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../reports/render.js';
import { readStoredReport } from '../reports/stored.js';
import type { SlaReport } from '../reports/types.js';
import type { ReportListItem, ReportRecord, Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import { idParam, parseQuery } from './params.js';
import { parseTime } from './series-params.js';

export interface ReportRoutesDeps {
  readonly store: Pick<Store, 'reports'>;
  readonly sources: ReportSources;
  readonly environments: readonly string[];
  readonly clock: Clock;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

const single = z.array(z.string()).optional().transform((values) => values?.[values.length - 1]);
const listQuery = z.strictObject({
  name: single,
  cursor: single.pipe(z.string().regex(/^\d{1,15}$/, 'expected the nextCursor of the previous page').transform(Number).optional()),
  limit: single.pipe(z.string().regex(/^\d+$/, `expected a number from 1 to ${MAX_PAGE}`).transform(Number).pipe(z.number().int().min(1).max(MAX_PAGE)).optional()),
});
const oneQuery = z.strictObject({ format: single.pipe(z.enum(REPORT_FORMATS, { error: `expected one of ${REPORT_FORMATS.join(', ')}` }).optional()) });

const newReportBody = z.strictObject({
  from: z.union([z.string(), z.number()]),
  to: z.union([z.string(), z.number()]),
  envs: z.array(z.string()).min(1).optional(),
  sla: z.number().gt(0, 'expected a target in percent above 0').lt(100, 'expected a target in percent below 100').optional(),
  timezone: z.string().default('UTC'),
  by: z.string().optional(),
});

/** A report as the list shows it: its figures, and where to read it. */
export interface ReportListJson extends ReportListItem {
  readonly links: { readonly json: string; readonly html: string };
}

/** `GET /api/v1/reports` */
export interface ReportListResponse {
  readonly reports: readonly ReportListJson[];
  readonly nextCursor: number | null;
}

/** `GET /api/v1/reports/:id` (JSON) */
export interface ReportDetailResponse extends ReportListJson {
  readonly report: SlaReport;
}

function listJson(item: ReportListItem): ReportListJson {
  return { ...item, links: { json: `/api/v1/reports/${item.id}`, html: `/api/v1/reports/${item.id}?format=html` } };
}

/** The routes, to mount at /api/v1. */
export function reportRoutes(deps: ReportRoutesDeps): Hono {
  const { store, clock } = deps;
  const app = new Hono();

  app.get('/reports', async (c) => {
    const q = parseQuery(c, listQuery);
    const page = await store.reports.list({ name: q.name, before: q.cursor, limit: q.limit ?? DEFAULT_PAGE });
    const body: ReportListResponse = { reports: page.reports.map(listJson), nextCursor: page.nextCursor };
    return c.json(body);
  });

  app.get('/reports/:id', async (c) => {
    const id = idParam(c);
    const { format = 'json' } = parseQuery(c, oneQuery);
    const record = await store.reports.get(id);
    if (!record) throw new NotFoundError(`no report ${id}`);
    return reportAnswer(c, record, format);
  });

  app.post('/reports', async (c) => {
    const body = await readBody(c, newReportBody);
    const at = clock.now();
    const from = timeOf('from', body.from, at);
    const to = timeOf('to', body.to, at);
    const problems = periodProblems({ from, to }, at);
    const timezone = canonicalTimezone(body.timezone);
    if (timezone === null) problems.push(`timezone: unknown timezone "${body.timezone.slice(0, 50)}"; expected an IANA name like Europe/Berlin`);
    const unknown = (body.envs ?? []).filter((env) => !deps.environments.includes(env));
    if (unknown.length) problems.push(`envs: unknown environment ${unknown.map((e) => `"${e.slice(0, 50)}"`).join(', ')}; environments are ${deps.environments.join(', ')}`);
    if (problems.length) throw new BadRequestError(problems.join('; '));
    const record = await generateAdHoc(
      deps.sources,
      store,
      { from, to, timezone: timezone!, envs: body.envs ?? null, target: body.sla === undefined ? null : slaFraction(body.sla), createdBy: actorOf(c, body.by) },
      at,
    );
    const { body: _body, ...item } = record;
    return c.json({ report: listJson(item) }, 201);
  });

  return app;
}

function timeOf(name: string, value: string | number, at: number): number {
  const ms = parseTime(String(value), at);
  if (ms === null) throw new BadRequestError(`${name}: expected epoch milliseconds, an ISO date, "now" or "now-7d", got "${String(value).slice(0, 50)}"`);
  return ms;
}

function reportAnswer(c: Context, record: ReportRecord, format: ReportFormat): Response {
  const report = readStoredReport(record.id, record.body);
  const { body: _body, ...item } = record;
  // JSON: the stored figures and links beside the report.
  if (format === 'json') return c.json({ ...listJson(item), report } satisfies ReportDetailResponse);
  const { text, contentType } = renderReport(report, format);
  const file = `${record.name}-${new Date(record.periodStart).toISOString().slice(0, 10)}`;
  const extra: Record<string, string> =
    format === 'html' ? { 'content-security-policy': REPORT_PAGE_CSP } : format === 'csv' ? { 'content-disposition': `attachment; filename="${file}.csv"` } : {};
  return c.body(text, 200, { 'content-type': contentType, ...extra });
}
