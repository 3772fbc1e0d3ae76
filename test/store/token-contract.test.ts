// The tokens and audit concerns of the store contract ([X1]), on both engines: tokens found by hash,
// revoked once, touched at most once a minute; audit rows chained by hash, filtered and paged.
import { expect, it } from 'vitest';
import { GENESIS_HASH, verifyAuditChain } from '../../audit/chain.js';
import { NotFoundError } from '../../lib/errors.js';
import type { NewToken } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const token = (change: Partial<NewToken> = {}): NewToken => ({
  id: 'tok1',
  name: 'alice',
  role: 'responder',
  hash: HASH_A,
  createdBy: 'cli',
  createdAt: T0,
  expiresAt: T0 + 90 * 86_400_000,
  ...change,
});

describeEachEngine('the tokens', (engine) => {
  it('keeps a token by its hash with its name, role, creator and expiry, across a reopen', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const created = await store.tokens.create(token());
    expect(created).toEqual({ id: 'tok1', name: 'alice', role: 'responder', createdBy: 'cli', createdAt: T0, expiresAt: T0 + 90 * 86_400_000, lastUsedAt: null, revokedAt: null });
    await store.tokens.create(token({ id: 'tok2', name: 'ci', role: 'admin', hash: HASH_B, expiresAt: null, createdAt: T0 + 1 }));
    await store.close();
    const reopened = await engine.open(location);
    expect(await reopened.tokens.byHash(HASH_A)).toEqual(created);
    expect(await reopened.tokens.byHash('c'.repeat(64))).toBeNull();
    expect(await reopened.tokens.get('tok2')).toMatchObject({ name: 'ci', role: 'admin', expiresAt: null });
    expect(await reopened.tokens.get('nope')).toBeNull();
    expect((await reopened.tokens.list()).map((t) => t.id)).toEqual(['tok1', 'tok2']);
  });

  it('refuses a second token with the same hash', async () => {
    const store = await engine.open();
    await store.tokens.create(token());
    await expect(store.tokens.create(token({ id: 'tok2' }))).rejects.toThrow();
  });

  it('revokes a token once: a second revoke keeps the first time, an unknown id is not found', async () => {
    const store = await engine.open();
    await store.tokens.create(token());
    expect(await store.tokens.revoke('tok1', T0 + 1000)).toMatchObject({ revokedAt: T0 + 1000 });
    expect(await store.tokens.revoke('tok1', T0 + 2000)).toMatchObject({ revokedAt: T0 + 1000 });
    await expect(store.tokens.revoke('nope', T0)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records the last use at most once a minute', async () => {
    const store = await engine.open();
    await store.tokens.create(token());
    expect(await store.tokens.touch('tok1', T0 + 1000)).toBe(true);
    expect(await store.tokens.touch('tok1', T0 + 30_000)).toBe(false);
    expect((await store.tokens.get('tok1'))!.lastUsedAt).toBe(T0 + 1000);
    expect(await store.tokens.touch('tok1', T0 + 61_000)).toBe(true);
    expect((await store.tokens.get('tok1'))!.lastUsedAt).toBe(T0 + 61_000);
  });
});

describeEachEngine('the audit log', (engine) => {
  it('chains each appended row to the one before, numbered from 1', async () => {
    const store = await engine.open();
    const first = await store.audit.append({ at: T0, actor: 'alice', action: 'token.create', target: 'tok1', detail: { role: 'admin', name: 'ci' } });
    const second = await store.audit.append({ at: T0 + 1, actor: 'ci', action: 'POST /api/v1/incidents/:id/acknowledge', target: '/api/v1/incidents/3/acknowledge', detail: {} });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, detail: '{"name":"ci","role":"admin"}' });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(await store.audit.list()).toEqual([first, second]);
    expect(verifyAuditChain(await store.audit.list())).toEqual([]);
  });

  it('keeps one chain when appends race', async () => {
    const store = await engine.open();
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.audit.append({ at: T0 + i, actor: 'a', action: 'x', target: String(i), detail: { i } })));
    const rows = await store.audit.list();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(verifyAuditChain(rows)).toEqual([]);
  });

  it('filters by actor, action prefix and time, and pages after a seq', async () => {
    const store = await engine.open();
    await store.audit.append({ at: T0, actor: 'alice', action: 'token.create', target: 'tok1', detail: {} });
    await store.audit.append({ at: T0 + 1000, actor: 'bob', action: 'token.revoke', target: 'tok1', detail: {} });
    await store.audit.append({ at: T0 + 2000, actor: 'alice', action: 'POST /api/v1/silences', target: '/api/v1/silences', detail: {} });
    const seqs = async (filter: Parameters<typeof store.audit.list>[0]) => (await store.audit.list(filter)).map((r) => r.seq);
    expect(await seqs({ actor: 'alice' })).toEqual([1, 3]);
    expect(await seqs({ action: 'token.' })).toEqual([1, 2]);
    expect(await seqs({ from: T0 + 1000, to: T0 + 2000 })).toEqual([2]);
    expect(await seqs({ afterSeq: 1, limit: 1 })).toEqual([2]);
  });
});
