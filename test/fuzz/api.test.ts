// Property tests of the HTTP API ([X1] fuzzing), on the app as `vigil serve` builds it (a real SQLite
// file) and called with an admin token so every body gets past the guard to its route's validation:
// every GET route with parameters gets arbitrary query strings (unicode, percent-encodings valid and
// not, huge and negative numbers, NaN, repeated and unknown parameters) and path ids; every mutating
// route gets arbitrary JSON values, mutated valid bodies and text that is not JSON. The answer is a
// success or a 4xx `{ error: { code, message } }` with a message; never a 500, never a hang.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { serve, type RunningVigil } from '../../cli/serve.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { RunCounter, expectBoundedMemory, fuzzParams, memoryNow, mutate, mutation, nastyString, withinHangCap } from './fuzz.js';

const counter = new RunCounter();
afterAll(() => counter.print('api'));

const CONFIG = `
environments: [prod]
services:
  db:
    checks:
      - tcp: { host: 127.0.0.1, port: 1, every: 1h }
      - heartbeat: { name: backup, every: 1d }
`;

/** Each GET route's parameters (api/*.ts, api/params.ts, api/series-params.ts). */
const QUERY_ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/api/v1/series': ['metric', 'match', 'match[]', 'from', 'to', 'step', 'agg'],
  '/api/v1/incidents': ['env', 'service', 'rule', 'state', 'severity', 'from', 'to', 'cursor', 'limit'],
  '/api/v1/postmortems': ['status', 'cursor', 'limit'],
  '/api/v1/silences': ['all'],
  '/api/v1/notifications': ['state', 'receiver', 'incident', 'cursor', 'limit'],
  '/api/v1/audit': ['actor', 'action', 'from', 'to', 'after', 'limit', 'format'],
  '/api/v1/status': ['since'],
  '/api/v1/tokens': [],
  '/api/v1/access-review': [],
  '/api/v1/heartbeats': [],
  '/api/v1/rules': [],
  '/api/v1/slos': [],
  '/api/v1/maintenance': [],
  '/api/v1/config': [],
};

/** A valid body of each mutating route: the seed its mutations start from. */
const BODY_ROUTES: ReadonlyArray<readonly [method: string, path: string, body: unknown]> = [
  ['POST', '/api/v1/incidents/1/acknowledge', { by: 'alice', note: 'looking' }],
  ['POST', '/api/v1/incidents/1/resolve', { by: 'alice', note: 'fixed' }],
  ['POST', '/api/v1/incidents/1/notes', { by: 'alice', text: 'a note' }],
  ['POST', '/api/v1/incidents/1/postmortem', { by: 'alice', title: 'Outage' }],
  ['PUT', '/api/v1/postmortems/1', { title: 'Outage', status: 'published', markdown: '# What happened', actionItems: [{ title: 'Add an alert', owner: 'bob', status: 'open' }] }],
  ['POST', '/api/v1/silences', { matchers: { env: 'prod', service: '=~db|api' }, startsAt: 'now', duration: '2h', comment: 'upgrade' }],
  ['POST', '/api/v1/silences', { matchers: [{ label: 'env', op: '=', value: 'prod' }], endsAt: '2099-01-01T00:00:00Z', comment: 'upgrade' }],
  ['DELETE', '/api/v1/silences/1', {}],
  ['POST', '/api/v1/notifications/1/replay', { by: 'alice' }],
  ['POST', '/api/v1/heartbeats/prod/db/backup/rotate', { by: 'alice' }],
  ['POST', '/api/v1/tokens', { name: 'ci', role: 'viewer', expires: '30d' }],
  ['DELETE', '/api/v1/tokens/abc', {}],
];

/** Values for parameters: times, durations, numbers of every size, label matchers, and nasty text. */
const paramValue: fc.Arbitrary<string> = fc.oneof(
  nastyString(30),
  fc.constantFrom('now', 'now-1h', 'now-', 'now-0s', 'now-99999999d', '2026-01-01T00:00:00Z', '2026-13-45', '0', '-1', '1.5', '1e3', 'NaN', 'Infinity', '99999999999999999999999', '9007199254740993', '1s', '0s', '1ms', '366d', '367d', 'avg', 'max', 'p99', 'open,acknowledged', 'page,,ticket', 'json', 'csv', 'env=prod', 'env!=prod', 'env=~a', '=x', 'probe_success', 'a:b'),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double().map(String),
);

/** Percent-encoded; a lone surrogate (which no URL can carry) as U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** A query string part: encoded, raw (maybe a broken %-escape), or a name alone. */
const queryPart = (names: readonly string[]) =>
  fc
    .record({
      name: names.length ? fc.oneof(fc.constantFrom(...names), nastyString(10)) : nastyString(10),
      value: paramValue,
      style: fc.constantFrom('encoded', 'encoded', 'raw', 'bare', 'broken-escape'),
    })
    .map(({ name, value, style }) => {
      const n = encode(name);
      if (style === 'bare') return n;
      if (style === 'raw') return `${n}=${value.replace(/[#&\s]/g, '')}`;
      if (style === 'broken-escape') return `${n}=${encode(value)}%${value.length % 2 ? 'E0%A4%' : 'zz'}`;
      return `${n}=${encode(value)}`;
    });

/** A path id: digits of any length, signs, text, escapes. */
const pathId = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('0', '-1', '1e3', '01', '999999999999999', '9999999999999999', '99999999999999999999999', 'NaN', '%20', '%2F', '..', 'x'),
  nastyString(20).map(encode),
);

interface Running {
  readonly vigil: RunningVigil;
  readonly dir: string;
  readonly admin: string;
}

async function startVigil(): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fuzz-'));
  const db = path.join(dir, 'vigil.db');
  const store = await openSqliteStore(db, { readers: 0 });
  const admin = (await issueToken(store, { name: 'fuzz-admin', role: 'admin', createdBy: 'test' }, Date.now())).text;
  await store.close();
  fs.writeFileSync(path.join(dir, 'vigil.yaml'), CONFIG);
  const vigil = await serve({ configFile: path.join(dir, 'vigil.yaml'), port: 0, host: '127.0.0.1', db, env: {}, log: () => {} });
  return { vigil, dir, admin };
}

describe('the API under fuzzing', { timeout: 300_000 }, () => {
  let running: Running;
  const memoryBefore = memoryNow();
  beforeAll(async () => {
    running = await startVigil();
  });
  afterAll(async () => {
    await running?.vigil.stop();
    fs.rmSync(running.dir, { recursive: true, force: true });
    expectBoundedMemory('api', memoryBefore);
  });

  /** Calls the app; fails on a 5xx, on an error without the API's shape and message, or on a hang. */
  async function call(target: string, method: string, url: string, init: { body?: string; type?: string } = {}): Promise<number> {
    counter.count(target);
    return withinHangCap(`${method} ${url}`, async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${running.admin}` };
      if (init.type !== undefined) headers['content-type'] = init.type;
      const res = await running.vigil.app.request(`http://vigil.test${url}`, { method, headers, body: init.body });
      const text = await res.text();
      const what = `${method} ${url.slice(0, 300)}${init.body === undefined ? '' : ` with ${init.body.slice(0, 300)}`} → ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, what).toBeLessThan(500);
      if (res.status >= 400) {
        const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code, what).toBe('string');
        expect(String(body.error?.message ?? '').trim(), what).not.toBe('');
      } else if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
        JSON.parse(text);
      }
      return res.status;
    });
  }

  it('answers every GET route with arbitrary query strings', async () => {
    const routes = Object.keys(QUERY_ROUTES);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes).chain((route) => fc.tuple(fc.constant(route), fc.array(queryPart(QUERY_ROUTES[route]!), { maxLength: 8 }))),
        async ([route, parts]) => {
          await call('query-strings', 'GET', parts.length ? `${route}?${parts.join('&')}` : route);
        },
      ),
      fuzzParams(0xa9101, 1200),
    );
  });

  it('answers the series route with each parameter arbitrary and the rest valid', async () => {
    const valid: Record<string, string> = { metric: 'probe_success', match: 'env=prod', from: 'now-1h', to: 'now', step: '1m', agg: 'avg' };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(valid)), paramValue, fc.boolean(), async (name, value, repeat) => {
        const params = new URLSearchParams({ ...valid, [name]: value });
        if (repeat) params.append(name, value);
        await call('series-params', 'GET', `/api/v1/series?${params}`);
      }),
      fuzzParams(0xa9102, 400),
    );
  });

  it('answers the routes with a path id whatever the id', async () => {
    const patterns = ['/api/v1/incidents/:id', '/api/v1/postmortems/:id', '/api/v1/silences/:id', '/api/v1/notifications/:id'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...patterns), pathId, async (pattern, id) => {
        await call('path-ids', 'GET', pattern.replace(':id', id));
      }),
      fuzzParams(0xa9103, 300),
    );
  });

  it('answers every mutating route with arbitrary JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), fc.jsonValue({ maxDepth: 4 }), async ([method, url], value) => {
        await call('json-bodies', method, url, { body: JSON.stringify(value), type: 'application/json' });
      }),
      fuzzParams(0xa9104, 600),
    );
  });

  it('answers every mutating route with its valid body mutated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), fc.array(mutation, { minLength: 1, maxLength: 3 }), async ([method, url, body], mutations) => {
        const mutated = mutations.reduce<unknown>((value, m) => mutate(value, m), body);
        await call('mutated-bodies', method, url, { body: JSON.stringify(mutated) ?? 'null', type: 'application/json' });
      }),
      fuzzParams(0xa9105, 800),
    );
  });

  it('answers every mutating route with text that is not JSON, under any content type', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom('{', '{"a":', '[1,', 'nul', '"\\ud800"', '{"by":"\\u0000"}', '1e999999', '-', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
    );
    const type = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', '', '*/*');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), text, type, async ([method, url], body, contentType) => {
        await call('text-bodies', method, url, { body, type: contentType });
      }),
      fuzzParams(0xa9106, 400),
    );
  });

  it('answers a heartbeat beat whatever its token and body', async () => {
    await fc.assert(
      fc.asyncProperty(pathId, fc.boolean(), fc.string({ unit: 'binary', maxLength: 2000 }), async (token, fail, body) => {
        await call('heartbeats', 'POST', `/api/v1/heartbeat/${token}${fail ? '/fail' : ''}`, { body, type: 'text/plain' });
      }),
      fuzzParams(0xa9107, 200),
    );
  });
});
