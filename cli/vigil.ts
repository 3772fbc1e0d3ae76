#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { BadRequestError, ConfigError, NotFoundError } from '../lib/errors.js';
import { DEFAULT_PORT } from '../config/types.js';
import { checkReady, localUrl } from './healthcheck.js';

const HELP: Record<string, string> = {
  main: `Vigil — self-hosted observability and SLA monitoring.

Usage:
  vigil serve [--config vigil.yaml] [--port 8080] [--host 0.0.0.0] [--db ./data/vigil.db]
  vigil healthcheck [--config vigil.yaml] [--port 8080] [--host 0.0.0.0]
  vigil check --config vigil.yaml [--db ./data/vigil.db]
  vigil notify test <receiver> [--config vigil.yaml]
  vigil export prometheus-rules [--config vigil.yaml]
  vigil report --config vigil.yaml [--from now-7d] [--to now] [--format md|html|csv|json] [--db PATH|URL]
  vigil token create --name NAME --role viewer|responder|admin|ingest [--expires 90d] [--db PATH|URL]
  vigil token list|revoke <id> [--db PATH|URL]
  vigil audit verify [--db PATH|URL]
  vigil wall-link create --name NAME [--expires 30d] | list | revoke <id> [--db PATH|URL]
  vigil access-review [--db PATH|URL]
  vigil backup <file> [--db PATH|URL]
  vigil restore <backup> --db PATH [--force]
  vigil --version

Run "vigil <command> --help" for a command's options.`,
  serve: `Usage: vigil serve [options]

Runs the probes, the API, /metrics and the dashboard. Without --config, runs the embedded demo.

Options:
  --config FILE   vigil.yaml to run (default: $VIGIL_CONFIG, else the embedded demo)
  --port N        HTTP port (default: $PORT, else server.port of the config, else 8080; 0 picks a free port)
  --host HOST     address to listen on (default: $HOST, else 0.0.0.0)
  --db PATH|URL   SQLite database file, or a postgres://user@host/db URL (default: $VIGIL_DB, else the
                  config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  healthcheck: `Usage: vigil healthcheck [options]

Asks /health/ready of the Vigil that "vigil serve" with the same options runs on this machine (through
127.0.0.1 when it listens on every address) and exits 0 when it answers ready within 2 s, else 1. The
Docker image's HEALTHCHECK. It reads the config only for server.port, when neither --port nor PORT is set.

Options:
  --config FILE   vigil.yaml serve runs (default: $VIGIL_CONFIG, else the embedded demo)
  --port N        the port serve was given (default: $PORT, else server.port of the config, else 8080)
  --host HOST     the address serve listens on (default: $HOST, else 0.0.0.0)
  -h, --help      show this help`,
  report: `Usage: vigil report --config FILE [options]

Computes an SLA report of [--from, --to) from the store vigil serve writes and prints it: availability
per environment, service and check (time without data and in maintenance left out), latency, incidents
with MTTA and MTTR, SLO error budgets. It only reads: nothing is stored or sent (POST /api/v1/reports
stores one).

Options:
  --config FILE      vigil.yaml (default: $VIGIL_CONFIG)
  --from TIME        start, included: an ISO date, epoch ms or now-7d (default now-7d)
  --to TIME          end, excluded (default now); at most 92 days after --from
  --format F         md (default), html, csv or json
  --envs A,B         environments in scope (default all)
  --sla PERCENT      availability target (default 99.9)
  --timezone TZ      IANA timezone the days are shown in (default UTC)
  --db PATH|URL      the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help         show this help`,
  check: `Usage: vigil check --config FILE [--db PATH|URL]

Validates a config and prints its checks expanded per environment, then its alerting: the compiled
rules, each SLO with its burn-rate tiers, inhibition and the next maintenance windows, and the URL
each heartbeat check's job calls (its token is kept in the store). Exits 1 with every problem
(file:line path: message) when the config is invalid.

Options:
  --config FILE   vigil.yaml to validate (default: $VIGIL_CONFIG)
  --db PATH|URL   the store vigil serve uses, for the heartbeat URLs (default: $VIGIL_DB, else the
                  config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  export: `Usage: vigil export prometheus-rules [--config FILE]

Prints Prometheus recording and alerting rules equivalent to the config's alerting (SLO burn-rate
alerts, threshold and nodata rules, CheckDown) over the metrics Vigil exposes on /metrics, as a rule
file for Prometheus's rule_files. Without a config, the embedded demo's.

Options:
  --config FILE   vigil.yaml (default: $VIGIL_CONFIG, else the embedded demo)
  -h, --help      show this help`,
  token: `Usage: vigil token create --name NAME --role ROLE [--expires 90d] [--db PATH|URL]
       vigil token list [--db PATH|URL]
       vigil token revoke <id> [--db PATH|URL]

API tokens in the store vigil serve uses. A token is printed once, when made; the store keeps only
its SHA-256. Roles: viewer (reads), responder (also acknowledges, resolves, silences), admin (also
manages tokens and reads the audit log). Every change is written to the audit log.

Options:
  --name NAME     who or what holds the token (changes are recorded under it)
  --role ROLE     viewer, responder, admin, or ingest (OTLP and heartbeat beats only)
  --expires DUR   lifetime like 90d or 24h (default: never expires)
  --config FILE   vigil.yaml, for its storage: (default: $VIGIL_CONFIG)
  --db PATH|URL   the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  audit: `Usage: vigil audit verify [--db PATH|URL]

Checks the hash chain of the audit log: each row's hash covers the row and the previous row's hash,
so a row edited, deleted or moved in the database is named. Exits 1 when the chain is broken.

Options:
  --config FILE   vigil.yaml, for its storage: (default: $VIGIL_CONFIG)
  --db PATH|URL   the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  'wall-link': `Usage: vigil wall-link create --name NAME [--expires 30d] [--config FILE] [--db PATH|URL]
       vigil wall-link list [--db PATH|URL]
       vigil wall-link revoke <id> [--db PATH|URL]

Read-only links for a wall screen (the dashboard's #/wall): the URL is printed once, when made, and
reads the wall's status, incidents and SLOs and nothing else, also with auth.anonymous_read: false.
Its base is the config's server.public_url, else http://localhost:<port>.

Options:
  --name NAME     which screen holds it
  --expires DUR   lifetime like 30d (default: never expires)
  --config FILE   vigil.yaml, for its storage: and server: (default: $VIGIL_CONFIG)
  --db PATH|URL   the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  'access-review': `Usage: vigil access-review [--db PATH|URL]

Every API token with its role, creator, creation and last use, and every wall link, for the quarterly
access review; admin tokens unused for 90 days and tokens and links that never expire are flagged.

Options:
  --config FILE   vigil.yaml, for its storage: (default: $VIGIL_CONFIG)
  --db PATH|URL   the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  backup: `Usage: vigil backup <file> [--db PATH|URL]

SQLite: copies the database to <file> with SQLite's online backup API, safe while vigil serve runs,
then checks the copy (integrity_check, the audit log's hash chain). <file> must not exist.
PostgreSQL: prints the pg_dump and pg_restore commands for the database (without its password).

Options:
  --config FILE   vigil.yaml, for its storage: (default: $VIGIL_CONFIG)
  --db PATH|URL   the store (default: $VIGIL_DB, else the config's storage:, else ./data/vigil.db)
  -h, --help      show this help`,
  restore: `Usage: vigil restore <backup> --db PATH [--force]

Copies a backup made by vigil backup into the SQLite database at PATH (created when missing), after
checking the backup (integrity_check; a schema newer than this Vigil is refused); an older backup is
migrated. Refuses a database a running vigil serve holds. Checks the result's integrity and audit log.
For a postgres:// URL, prints the pg_restore command.

Options:
  --db PATH|URL   the database to restore into (required)
  --force         replace an existing database (stop vigil serve first)
  -h, --help      show this help`,
  notify: `Usage: vigil notify test <receiver> [--config FILE]

Sends a test message to one receiver of notify.receivers and prints its answer. Exits 1 when it was
not delivered.

Options:
  --config FILE   vigil.yaml (default: $VIGIL_CONFIG)
  -h, --help      show this help`,
};

function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

function fail(message: string): never {
  const red = useColor(process.stderr) ? (t: string) => `\x1b[31m${t}\x1b[0m` : (t: string) => t;
  process.stderr.write(`${red('error:')} ${message}\n`);
  process.exit(1);
}

/** serve's --port (else PORT) and --host (else HOST), which healthcheck reads the same way. */
function listenOptions(values: Record<string, string | boolean | undefined>): { port: number | undefined; host: string } {
  const portText = (values.port as string | undefined) ?? process.env.PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port! > 65535)) fail(`--port: expected a port number 0-65535, got "${portText}"`);
  return { port, host: (values.host as string | undefined) ?? process.env.HOST ?? '0.0.0.0' };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(HELP.main);
    return;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    console.log(pkg.version);
    return;
  }
  if (!(command in HELP) || command === 'main') fail(`unknown command "${command}"\n\n${HELP.main}`);

  let values: Record<string, string | boolean | undefined>;
  let positionals: string[] = [];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: ['notify', 'export', 'token', 'audit', 'wall-link', 'backup', 'restore'].includes(command),
      options: {
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...(command === 'serve' || command === 'healthcheck' ? { port: { type: 'string' }, host: { type: 'string' } } : {}),
        ...(command === 'report'
          ? { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, envs: { type: 'string' }, sla: { type: 'string' }, timezone: { type: 'string' } }
          : {}),
        ...(['serve', 'check', 'report', 'token', 'audit', 'access-review', 'wall-link', 'backup', 'restore'].includes(command) ? { db: { type: 'string' } } : {}),
        ...(command === 'wall-link' ? { name: { type: 'string' }, expires: { type: 'string' } } : {}),
        ...(command === 'restore' ? { force: { type: 'boolean' } } : {}),
        ...(command === 'token' ? { name: { type: 'string' }, role: { type: 'string' }, expires: { type: 'string' } } : {}),
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP[command]}`);
  }
  if (values.help) {
    console.log(HELP[command]);
    return;
  }
  const configFile = (values.config as string | undefined) ?? process.env.VIGIL_CONFIG;

  if (command === 'healthcheck') {
    const { port, host } = listenOptions(values);
    if (port === 0) fail('healthcheck needs the port serve listens on; with port 0 it picks a free one, which only its log says');
    // Before the rest of Vigil is imported: only a config without --port or PORT needs the config code.
    const configuredPort = async () => {
      const [{ loadConfigFile }, { builtinProbes }] = await Promise.all([import('../config/load.js'), import('../probes/index.js')]);
      return loadConfigFile(configFile!, { env: process.env, registry: builtinProbes() }).server.port;
    };
    try {
      const result = await checkReady(localUrl(host, port ?? (configFile ? await configuredPort() : DEFAULT_PORT)));
      (result.ready ? process.stdout : process.stderr).write(`${result.line}\n`);
      process.exit(result.ready ? 0 : 1);
    } catch (err) {
      if (err instanceof ConfigError) fail(`invalid config\n${err.message}`);
      throw err;
    }
  }

  // Loaded here, not at the top: `vigil healthcheck` above needs none of it (see cli/healthcheck.ts).
  const [
    { loadConfigFile },
    { describeConfig },
    { describeAlerting },
    { builtinProbes },
    { builtinReceivers },
    { describeNotify },
    { sendTestMessage },
    { serve, StartError, DEFAULT_DB },
    { describeHeartbeats },
    { accessReviewLines, createTokenLines, openCliStore, revokeTokenLine, tokenTable, verifyAudit },
    { loadDemoConfigForExport },
    { prometheusRuleGroups, prometheusRulesYaml },
    { OutboundGuard },
    { STOP_DEADLINE_MS, stopWithin },
    { BackupError, backupLines, restoreLines },
    { createWallLinkLines, revokeWallLinkLine, wallLinkTable },
    { reportCommandText },
    { describeReports },
  ] = await Promise.all([
    import('../config/load.js'),
    import('../config/describe.js'),
    import('../config/describe-alerting.js'),
    import('../probes/index.js'),
    import('../notify/index.js'),
    import('../config/describe-notify.js'),
    import('../notify/test-message.js'),
    import('./serve.js'),
    import('./heartbeats.js'),
    import('./tokens.js'),
    import('../config/demo.js'),
    import('../rules/prometheus-export.js'),
    import('../lib/outbound-guard.js'),
    import('./shutdown.js'),
    import('./backup.js'),
    import('./wall-links.js'),
    import('./report.js'),
    import('../config/describe-reports.js'),
  ]);
  // token and wall-link: open the store, print what `run` answers, a refusal (400/404) as the CLI's error.
  const withCliStore = async (db: string, writable: boolean, run: (store: Awaited<ReturnType<typeof openCliStore>>, now: number) => Promise<string>) => {
    const store = await openCliStore(db, writable).catch((error: Error) => fail(error.message));
    try {
      console.log(await run(store, Date.now()));
    } catch (error) {
      if (error instanceof BadRequestError || error instanceof NotFoundError) fail(error.message);
      throw error;
    } finally {
      await store.close();
    }
  };
  try {
    if (command === 'check') {
      if (!configFile) fail(`check needs --config FILE\n\n${HELP.check}`);
      const config = loadConfigFile(configFile, { env: process.env, registry: builtinProbes() });
      const color = useColor(process.stdout);
      process.stdout.write(describeConfig(config, { color }) + describeAlerting(config, { color, now: Date.now() }));
      process.stdout.write(describeNotify(config, builtinReceivers()));
      process.stdout.write(describeReports(config, Date.now()));
      const db = (values.db as string | undefined) ?? process.env.VIGIL_DB ?? config.storage ?? DEFAULT_DB;
      const baseUrl = config.server.publicUrl ?? `http://localhost:${config.server.port}`;
      process.stdout.write(await describeHeartbeats(config, db, baseUrl, Date.now()));
      return;
    }
    if (command === 'report') {
      if (!configFile) fail(`report needs --config FILE\n\n${HELP.report}`);
      const config = loadConfigFile(configFile, { env: process.env, registry: builtinProbes() });
      const db = (values.db as string | undefined) ?? process.env.VIGIL_DB ?? config.storage ?? DEFAULT_DB;
      await withCliStore(db, false, async (store, now) => (await reportCommandText(store, config, values as Record<string, string | undefined>, now)).trimEnd());
      return;
    }
    if (command === 'export') {
      const [what, ...extra] = positionals;
      if (what !== 'prometheus-rules' || extra.length) fail(`expected "export prometheus-rules"\n\n${HELP.export}`);
      const config = configFile ? loadConfigFile(configFile, { env: process.env, registry: builtinProbes() }) : loadDemoConfigForExport(builtinProbes());
      process.stdout.write(prometheusRulesYaml(prometheusRuleGroups(config.alerting, config.checks), configFile ?? 'the embedded demo'));
      return;
    }
    if (command === 'wall-link') {
      const config = configFile ? loadConfigFile(configFile, { env: process.env, registry: builtinProbes() }) : null;
      const db = (values.db as string | undefined) ?? process.env.VIGIL_DB ?? config?.storage ?? DEFAULT_DB;
      const baseUrl = config?.server.publicUrl ?? `http://localhost:${config?.server.port ?? 8080}`;
      const [sub, ...extra] = positionals;
      const usage = `\n\n${HELP['wall-link']}`;
      if (sub === 'create') {
        if (extra.length || typeof values.name !== 'string') fail(`wall-link create needs --name${usage}`);
      } else if (sub === 'list') {
        if (extra.length) fail(`wall-link list takes no arguments${usage}`);
      } else if (sub === 'revoke') {
        if (extra.length !== 1) fail(`wall-link revoke needs the link's id (see vigil wall-link list)${usage}`);
      } else {
        fail(`expected "wall-link create", "wall-link list" or "wall-link revoke <id>"${usage}`);
      }
      await withCliStore(db, sub === 'create', async (store, now) => {
        if (sub === 'create') return (await createWallLinkLines(store, { name: values.name as string, expires: values.expires as string | undefined }, baseUrl, now)).join('\n');
        if (sub === 'list') return wallLinkTable(await store.wallLinks.list(), now).join('\n');
        return revokeWallLinkLine(store, extra[0]!, now);
      });
      return;
    }
    if (command === 'backup' || command === 'restore') {
      if (positionals.length !== 1) fail(`${command} needs one file\n\n${HELP[command]}`);
      const file = positionals[0]!;
      try {
        if (command === 'backup') {
          const storage = configFile ? loadConfigFile(configFile, { env: process.env, registry: builtinProbes() }).storage : undefined;
          const db = (values.db as string | undefined) ?? process.env.VIGIL_DB ?? storage ?? DEFAULT_DB;
          console.log((await backupLines(db, file)).join('\n'));
        } else {
          // Never a default here: restoring over the wrong database is not undone.
          if (typeof values.db !== 'string') fail(`restore needs --db, the database to restore into\n\n${HELP.restore}`);
          console.log((await restoreLines(file, values.db, { force: values.force === true, exists: existsSync(values.db) })).join('\n'));
        }
      } catch (error) {
        if (error instanceof BackupError) fail(error.message);
        throw error;
      }
      return;
    }
    if (command === 'token' || command === 'audit' || command === 'access-review') {
      const storage = configFile ? loadConfigFile(configFile, { env: process.env, registry: builtinProbes() }).storage : undefined;
      const db = (values.db as string | undefined) ?? process.env.VIGIL_DB ?? storage ?? DEFAULT_DB;
      const [sub, ...extra] = positionals;
      if (command === 'access-review') {
        if (positionals.length) fail(`access-review takes no arguments\n\n${HELP['access-review']}`);
        const store = await openCliStore(db, false).catch((error: Error) => fail(error.message));
        try {
          const now = Date.now();
          console.log(accessReviewLines(await store.tokens.list(), now, await store.wallLinks.list()).join('\n'));
        } finally {
          await store.close();
        }
        return;
      }
      if (command === 'audit') {
        if (sub !== 'verify' || extra.length) fail(`expected "audit verify"\n\n${HELP.audit}`);
        const store = await openCliStore(db, false).catch((error: Error) => fail(error.message));
        try {
          const { rows, problems } = await verifyAudit(store);
          if (problems.length === 0) {
            console.log(`audit log ok: ${rows} rows, the hash chain unbroken`);
            return;
          }
          for (const problem of problems) process.stderr.write(`${problem.message}\n`);
          fail(`audit log broken: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${rows} rows`);
        } finally {
          await store.close();
        }
      }
      const usage = `\n\n${HELP.token}`;
      if (sub === 'create') {
        if (extra.length || typeof values.name !== 'string' || typeof values.role !== 'string') fail(`token create needs --name and --role${usage}`);
      } else if (sub === 'list') {
        if (extra.length) fail(`token list takes no arguments${usage}`);
      } else if (sub === 'revoke') {
        if (extra.length !== 1) fail(`token revoke needs the token's id (see vigil token list)${usage}`);
      } else {
        fail(`expected "token create", "token list" or "token revoke <id>"${usage}`);
      }
      await withCliStore(db, sub === 'create', async (store, now) => {
        if (sub === 'create') {
          const opts = { name: values.name as string, role: values.role as string, expires: values.expires as string | undefined };
          return (await createTokenLines(store, opts, now)).join('\n');
        }
        if (sub === 'list') return tokenTable(await store.tokens.list(), now).join('\n');
        return revokeTokenLine(store, extra[0]!, now);
      });
      return;
    }
    if (command === 'notify') {
      const [sub, name, ...extra] = positionals;
      if (sub !== 'test' || !name || extra.length) fail(`expected "notify test <receiver>"\n\n${HELP.notify}`);
      if (!configFile) fail(`notify test needs --config FILE\n\n${HELP.notify}`);
      const receivers = builtinReceivers();
      const config = loadConfigFile(configFile, { env: process.env, registry: builtinProbes(), receivers });
      const baseUrl = config.server.publicUrl ?? `http://localhost:${config.server.port}`;
      const result = await sendTestMessage(name, { config: config.notify, receivers, baseUrl, secrets: config.secrets, at: Date.now(), outbound: new OutboundGuard(config.outbound) });
      for (const line of result.lines) (result.ok ? process.stdout : process.stderr).write(`${line}\n`);
      if (!result.ok) process.exit(1);
      return;
    }
    const running = await serve({
      configFile,
      ...listenOptions(values),
      db: (values.db as string | undefined) ?? process.env.VIGIL_DB,
      env: process.env,
      log: (line) => console.log(line),
    });
    const shutdown = (signal: string) => {
      console.log(`${signal}: stopping Vigil (at most ${STOP_DEADLINE_MS / 1000} s)…`);
      void stopWithin(() => running.stop(), STOP_DEADLINE_MS).then((outcome) => {
        (outcome.exitCode === 0 ? console.log : console.error)(outcome.message);
        process.exit(outcome.exitCode);
      });
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid config\n${err.message}`);
    if (err instanceof StartError) fail(err.message);
    throw err;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exit(1);
});
