// The dashboard's API token ([X1]): remembered as pasted, and sent as a Bearer header on every request
// the API client makes, reads and changes alike; nothing sent without one.
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../dashboard/api-client.js';
import { createUserModel } from '../../dashboard/models/user.js';

function recordingFetch() {
  const seen: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchFn = (async (input: string, init?: RequestInit) => {
    seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(JSON.stringify({ incidents: [], nextCursor: null, silences: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { seen, fetchFn };
}

describe('the dashboard API token', () => {
  it('is sent as Authorization: Bearer on reads and changes when the user gave one', async () => {
    let token: string | null = null;
    const { seen, fetchFn } = recordingFetch();
    const api = createApiClient('', fetchFn, () => token);
    await api.incidents({});
    token = 'vgl_abc';
    await api.incidents({});
    await api.acknowledge(3, 'alice').catch(() => {});
    expect(seen.map((request) => request.headers.authorization)).toEqual([undefined, 'Bearer vgl_abc', 'Bearer vgl_abc']);
  });

  it('is remembered in the storage handed in, trimmed', () => {
    const kept = new Map<string, string>();
    const storage = (key: string) => ({ read: () => kept.get(key) ?? null, write: (value: string) => void kept.set(key, value) });
    const user = createUserModel(storage('name'), storage('token'));
    expect(user.token.value).toBe('');
    user.setToken('  vgl_abc \n');
    expect(kept.get('token')).toBe('vgl_abc');
    expect(createUserModel(storage('name'), storage('token')).token.value).toBe('vgl_abc');
  });
});
