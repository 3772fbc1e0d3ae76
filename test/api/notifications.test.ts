// GET /api/v1/notifications and POST /api/v1/notifications/:id/replay on a real store; /metrics counters.
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorResponse } from '../../api/errors.js';
import { notificationRoutes } from '../../api/notifications.js';
import { createVigilMetrics } from '../../api/metrics.js';
import { LiveView } from '../../ingest/live-view.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { T0, changeMessage } from '../helpers/notify.js';
import { tempDbPath } from '../helpers/temp-db.js';

async function setup(file = ':memory:') {
  const store = await openSqliteStore(file);
  onTestFinished(() => store.close());
  const logs: string[] = [];
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.route('/api/v1', notificationRoutes({ store, clock: { now: () => T0 + 5000 }, log: (l) => logs.push(l), receivers: () => [{ name: 'hook', kind: 'webhook', circuit: 'closed', disabled: null }] }));
  const rows = await store.outbox.enqueue([
    { receiver: 'hook', groupKey: 'g', dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [1], message: changeMessage('opened') },
    { receiver: 'pager', groupKey: 'g', dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [2], message: changeMessage('opened', { id: 2 }) },
  ]);
  await store.outbox.markFinal(rows[0]!.id, 'dead', { at: T0 + 1, status: 500, error: 'HTTP 500' }, 'not delivered within 1m: HTTP 500');
  return { store, app, rows, logs };
}

describe('the notifications API', () => {
  it('lists deliveries newest first with receiver, incidents, attempts, last status and error, state', async () => {
    const { app, rows } = await setup();
    const res = await app.request('/api/v1/notifications');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.notifications.map((n: { id: number }) => n.id)).toEqual([rows[1]!.id, rows[0]!.id]);
    expect(body.notifications[1]).toMatchObject({ receiver: 'hook', incidents: [1], attempts: 1, lastStatus: 500, lastError: 'not delivered within 1m: HTTP 500', state: 'dead', title: '[FIRING] ReplicaLagHigh prod/api/pg' });
    expect(body.receivers).toEqual([{ name: 'hook', kind: 'webhook', circuit: 'closed', disabled: null }]);
    const dead = await (await app.request('/api/v1/notifications?state=dead&receiver=hook')).json();
    expect(dead.notifications).toHaveLength(1);
    expect((await app.request('/api/v1/notifications?state=lost')).status).toBe(400);
    expect((await (await app.request('/api/v1/notifications?incident=2')).json()).notifications[0].receiver).toBe('pager');
  });

  it('replays a dead letter and records who did it; refuses a pending one and an unknown id', async () => {
    const { app, rows, logs } = await setup();
    const res = await app.request(`/api/v1/notifications/${rows[0]!.id}/replay`, { method: 'POST', headers: { 'x-vigil-user': 'alice' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'pending', dueAt: T0 + 5000 });
    expect(logs).toEqual([`notifications: alice replayed notification ${rows[0]!.id} to hook`]);
    expect((await app.request(`/api/v1/notifications/${rows[1]!.id}/replay`, { method: 'POST' })).status).toBe(409);
    expect((await app.request('/api/v1/notifications/999/replay', { method: 'POST' })).status).toBe(404);
  });
});

describe('the notifications API with a row this Vigil cannot read', () => {
  it('lists it with why, beside the others as before', async () => {
    const file = tempDbPath();
    const { app, rows } = await setup(file);
    const db = new Database(file);
    db.prepare('UPDATE notifications SET message = ? WHERE id = ?').run(JSON.stringify({ ...changeMessage('opened'), kind: 'page' }), rows[1]!.id);
    db.close();
    const reason = `outbox row ${rows[1]!.id}: message.kind is "page", a kind this Vigil does not know (alert, summary, test, report); written by a newer Vigil?`;
    const res = await app.request('/api/v1/notifications');
    expect(res.status).toBe(200);
    const [unreadable, good] = (await res.json()).notifications;
    expect(unreadable).toMatchObject({ id: rows[1]!.id, receiver: 'pager', kind: null, title: '[UNREADABLE] a message this Vigil cannot read', incidents: [2], state: 'pending', unreadable: reason });
    expect(good).toMatchObject({ id: rows[0]!.id, kind: 'alert', title: '[FIRING] ReplicaLagHigh prod/api/pg', incidents: [1], state: 'dead' });
    expect(good).not.toHaveProperty('unreadable');
    const one = await app.request(`/api/v1/notifications/${rows[1]!.id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ kind: null, unreadable: reason });
  });
});

describe('notification metrics', () => {
  it('exposes vigil_notifications_total per receiver and result from 0, and the outbox depth', async () => {
    const metrics = createVigilMetrics(new Registry(), [], new LiveView());
    const observe = metrics.watchNotifications({ receivers: ['hook'], results: ['delivered', 'retry'], depth: () => ({ pending: 3, dead: 1 }) });
    observe('hook', 'delivered');
    const text = await metrics.render();
    expect(text).toContain('vigil_notifications_total{receiver="hook",result="delivered"} 1');
    expect(text).toContain('vigil_notifications_total{receiver="hook",result="retry"} 0');
    expect(text).toContain('vigil_notifications_outbox{state="pending"} 3');
  });
});
