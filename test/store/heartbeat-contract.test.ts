// The heartbeats concern of the store contract ([P1]), on both engines: a token per check made once
// and kept across restarts, beats found by token, rotation that retires the old token at once.
import { expect, it } from 'vitest';
import { NotFoundError } from '../../lib/errors.js';
import { describeEachEngine } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const BACKUP = 'prod/db/backup';
const EXPORT = 'prod/exports/nightly';

describeEachEngine('the heartbeats', (engine) => {
  it('gives each check the token offered the first time, and keeps it when offered another later, across a reopen', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const first = await store.heartbeats.ensure([{ checkId: BACKUP, token: 'tok-a' }, { checkId: EXPORT, token: 'tok-b' }], T0);
    expect(first).toEqual([
      { checkId: BACKUP, token: 'tok-a', createdAt: T0, lastBeatAt: null, lastStatus: null, lastMessage: null },
      { checkId: EXPORT, token: 'tok-b', createdAt: T0, lastBeatAt: null, lastStatus: null, lastMessage: null },
    ]);
    await store.close();
    const reopened = await engine.open(location);
    const again = await reopened.heartbeats.ensure([{ checkId: EXPORT, token: 'tok-c' }, { checkId: BACKUP, token: 'tok-d' }], T0 + 60_000);
    expect(again.map((r) => [r.checkId, r.token, r.createdAt])).toEqual([
      [EXPORT, 'tok-b', T0],
      [BACKUP, 'tok-a', T0],
    ]);
    expect(await reopened.heartbeats.ensure([], T0)).toEqual([]);
  });

  it('records a beat on the check holding the token, with its status and message, and nothing for an unknown token', async () => {
    const store = await engine.open();
    await store.heartbeats.ensure([{ checkId: BACKUP, token: 'tok-a' }, { checkId: EXPORT, token: 'tok-b' }], T0);
    expect(await store.heartbeats.beat('tok-a', { at: T0 + 1000, status: 'ok', message: null })).toMatchObject({
      checkId: BACKUP,
      lastBeatAt: T0 + 1000,
      lastStatus: 'ok',
      lastMessage: null,
    });
    await store.heartbeats.beat('tok-a', { at: T0 + 2000, status: 'fail', message: 'pg_dump: connection refused' });
    expect(await store.heartbeats.get(BACKUP)).toMatchObject({ lastBeatAt: T0 + 2000, lastStatus: 'fail', lastMessage: 'pg_dump: connection refused' });
    expect(await store.heartbeats.beat('tok-unknown', { at: T0, status: 'ok', message: null })).toBeNull();
    expect(await store.heartbeats.get(EXPORT)).toMatchObject({ lastBeatAt: null });
    expect(await store.heartbeats.get('prod/none/none')).toBeNull();
  });

  it('rotates a token: the old one finds nothing at once, the beats are kept', async () => {
    const store = await engine.open();
    await store.heartbeats.ensure([{ checkId: BACKUP, token: 'tok-a' }], T0);
    await store.heartbeats.beat('tok-a', { at: T0 + 1000, status: 'ok', message: 'done' });
    const rotated = await store.heartbeats.rotate(BACKUP, 'tok-new');
    expect(rotated).toEqual({ checkId: BACKUP, token: 'tok-new', createdAt: T0, lastBeatAt: T0 + 1000, lastStatus: 'ok', lastMessage: 'done' });
    expect(await store.heartbeats.beat('tok-a', { at: T0 + 2000, status: 'ok', message: null })).toBeNull();
    expect(await store.heartbeats.beat('tok-new', { at: T0 + 3000, status: 'ok', message: null })).toMatchObject({ lastBeatAt: T0 + 3000 });
    await expect(store.heartbeats.rotate('prod/none/none', 'tok-x')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists every check by id', async () => {
    const store = await engine.open();
    await store.heartbeats.ensure([{ checkId: EXPORT, token: 'tok-b' }, { checkId: BACKUP, token: 'tok-a' }], T0);
    expect((await store.heartbeats.list()).map((r) => r.checkId)).toEqual([BACKUP, EXPORT]);
  });
});
