// `vigil check`'s heartbeat URLs: read from (and made in) the store vigil serve uses, the same after a
// restart, and never a database created by a config check.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeHeartbeats } from '../../cli/heartbeats.js';
import { loadConfigText } from '../../config/load.js';
import { builtinProbes } from '../../probes/index.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/temp-db.js';

const CONFIG = `
environments: [prod]
services:
  db:
    checks:
      - heartbeat: { name: backup, every: 1d, grace: 1h }
      - tcp: { host: db.internal, port: 5432 }
`;

const config = () => loadConfigText(CONFIG, { file: 'vigil.yaml', env: {}, registry: builtinProbes() });

describe('vigil check on heartbeat checks', () => {
  it('prints each heartbeat check with its URL, the same on every run, as the store keeps it', async () => {
    const db = tempDbPath();
    await (await openSqliteStore(db, { readers: 0 })).close();
    const first = await describeHeartbeats(config(), db, 'https://vigil.example.com', Date.now());
    expect(first).toMatch(/^\nheartbeats: 1 \(POST to the URL when the job ran; append \/fail when it failed, with the error as the body\)\n {2}prod\/db\/backup {2}https:\/\/vigil\.example\.com\/api\/v1\/heartbeat\/[A-Za-z0-9_-]{43}\n$/);
    expect(await describeHeartbeats(config(), db, 'https://vigil.example.com', Date.now())).toBe(first);
    const store = await openSqliteStore(db, { readers: 0 });
    const token = (await store.heartbeats.get('prod/db/backup'))!.token;
    await store.close();
    expect(first).toContain(token);
  });

  it('does not create a database that is not there yet', async () => {
    const db = tempDbPath();
    expect(await describeHeartbeats(config(), db, 'http://localhost:8080', Date.now())).toContain(`no store yet at ${db}: each URL is made when vigil serve first starts with it`);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('prints nothing for a config without heartbeat checks', async () => {
    const plain = loadConfigText('environments: [prod]\nservices:\n  db:\n    checks:\n      - tcp: { host: h, port: 1 }\n', { file: 'v.yaml', env: {}, registry: builtinProbes() });
    expect(await describeHeartbeats(plain, '/nonexistent/vigil.db', 'http://localhost:8080', Date.now())).toBe('');
  });
});
