// A NUL character (U+0000) in a path, a query string or a JSON body is a 400 naming where it is, the
// same on both engines: PostgreSQL's text type cannot hold one, and an incidents filter carrying it
// was a 500 there while SQLite answered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { serve } from '../../cli/serve.js';
import { openStore } from '../../store/open.js';
import { describeEachEngine } from '../helpers/stores.js';

const CONFIG = 'environments: [prod]\nservices:\n  db:\n    checks:\n      - tcp: { host: 127.0.0.1, port: 1, every: 1h }\n';

describeEachEngine('NUL characters at the API', (engine) => {
  it('are refused with a 400 naming the path, query parameter or body field, and the same request without one works', async () => {
    const db = await engine.location();
    const store = await openStore(db, { sqlite: { readers: 0 } });
    const token = (await issueToken(store, { name: 'admin', role: 'admin', createdBy: 'test' }, Date.now())).text;
    await store.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-nul-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(configFile, CONFIG);
    const vigil = await serve({ configFile, port: 0, host: '127.0.0.1', db, env: {}, log: () => {} });
    onTestFinished(() => vigil.stop());
    const error = async (res: Response) => [res.status, ((await res.json()) as { error: { message: string } }).error.message];

    expect(await error(await vigil.app.request('/api/v1/incidents?service=a%00b'))).toEqual([400, 'the query parameter "service" contains a NUL character (%00)']);
    expect(await error(await vigil.app.request('/api/v1/incidents?env=%00&service=db'))).toEqual([400, 'the query parameter "env" contains a NUL character (%00)']);
    expect(await error(await vigil.app.request('/api/v1/incidents/1%00'))).toEqual([400, 'the path contains a NUL character (%00)']);
    expect((await vigil.app.request('/api/v1/incidents?service=db')).status).toBe(200);

    const silence = (comment: string) =>
      vigil.app.request('/api/v1/silences', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: { env: 'prod', service: 'db' }, duration: '1h', comment }),
      });
    expect(await error(await silence('db upgrade\u0000'))).toEqual([400, 'body.comment: contains a NUL character (\\u0000)']);
    expect((await silence('db upgrade')).status).toBe(201);
  });
});
