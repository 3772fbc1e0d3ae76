// `vigil check`'s heartbeat section: each heartbeat check's beat URL, which the job's cron line needs.
// Tokens live in the store `vigil serve` uses; a missing SQLite file is not created here (a config
// check must not leave a database behind), so its tokens are made on the first `vigil serve`.
import fs from 'node:fs';
import { ensureHeartbeatTokens, heartbeatChecks } from '../api/heartbeats.js';
import type { VigilConfig } from '../config/types.js';
import { heartbeatPath } from '../probes/heartbeat.js';
import { isPostgresUrl } from '../store/postgres/connection.js';
import { openStore } from '../store/open.js';

/** The heartbeat URLs of `config` (empty text when it has no heartbeat check), making missing tokens in an existing store. */
export async function describeHeartbeats(config: VigilConfig, location: string, baseUrl: string, now: number): Promise<string> {
  const checks = heartbeatChecks(config.checks);
  if (checks.length === 0) return '';
  const shownLocation = config.secrets.scrub(location);
  const lines = [`\nheartbeats: ${checks.length} (POST to the URL when the job ran; append /fail when it failed, with the error as the body)`];
  if (!isPostgresUrl(location) && location !== ':memory:' && !fs.existsSync(location)) {
    lines.push(`  no store yet at ${shownLocation}: each URL is made when vigil serve first starts with it`);
    return `${lines.join('\n')}\n`;
  }
  const store = await openStore(location, { sqlite: { readers: 0 } });
  try {
    const records = await ensureHeartbeatTokens(store, config.checks, now);
    const width = Math.max(...checks.map((check) => check.id.length));
    checks.forEach((check, i) => lines.push(`  ${check.id.padEnd(width)}  ${baseUrl}${heartbeatPath(records[i]!.token)}`));
  } finally {
    await store.close();
  }
  return `${lines.join('\n')}\n`;
}
