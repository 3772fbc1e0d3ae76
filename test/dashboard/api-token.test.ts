// The dashboard's credentials ([X1]): a pasted token is traded for a session and never kept; changes
// carry the session's CSRF token; a wall link's key is sent as the Bearer credential of every request.
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../dashboard/api-client.js';
import { createUserModel } from '../../dashboard/models/user.js';

function recordingFetch() {
  const seen: Array<{ url: string; method: string; headers: Record<string, string> }> = [];
  const fetchFn = (async (input: string, init?: RequestInit) => {
    seen.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(JSON.stringify({ incidents: [], nextCursor: null, silences: [], name: 'ana', role: 'responder', csrf: 'c1' }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { seen, fetchFn };
}

describe('the dashboard credentials', () => {
  it('sends a wall key as Authorization: Bearer on every request, and the CSRF token on changes only', async () => {
    let key: string | null = null;
    let csrf: string | null = null;
    const { seen, fetchFn } = recordingFetch();
    const api = createApiClient('', fetchFn, () => key, () => csrf);
    await api.incidents({});
    key = 'vglw_abc';
    await api.incidents({});
    key = null;
    csrf = 'c1';
    await api.incidents({});
    await api.acknowledge(3, 'alice');
    expect(seen.map((r) => [r.headers.authorization, r.headers['x-vigil-csrf']])).toEqual([
      [undefined, undefined],
      ['Bearer vglw_abc', undefined],
      [undefined, undefined],
      [undefined, 'c1'],
    ]);
  });

  it('signs in by sending the token once to POST /api/v1/session', async () => {
    const { seen, fetchFn } = recordingFetch();
    const api = createApiClient('', fetchFn);
    expect(await api.signIn('vgl_secret')).toMatchObject({ name: 'ana', csrf: 'c1' });
    await api.incidents({});
    expect(seen.map((r) => `${r.method} ${r.url} ${r.headers.authorization ?? '-'}`)).toEqual(['POST /api/v1/session Bearer vgl_secret', 'GET /api/v1/incidents? -']);
  });

  it('trades a pasted token for a session, clears the field and keeps the token nowhere', async () => {
    const kept = new Map<string, string>();
    const signedIn: string[] = [];
    const user = createUserModel(
      { read: () => kept.get('name') ?? null, write: (value) => void kept.set('name', value) },
      { signIn: async (token) => (signedIn.push(token), 'ana'), current: async () => null },
    );
    user.setToken('  vgl_abcdefghijklmnopqrstuvwxyz \n');
    await expect.poll(() => user.signedInAs.value).toBe('ana');
    expect(signedIn).toEqual(['vgl_abcdefghijklmnopqrstuvwxyz']);
    expect(user.token.value).toBe('');
    expect([...kept.values()]).toEqual([]);
  });
});
