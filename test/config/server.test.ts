import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { DEFAULT_SERVER_LIMITS } from '../../config/types.js';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';

const registry = builtinProbes();
const load = (server: string) => loadConfigText(`environments: [prod]\n${server}services: {}\n`, { file: 'vigil.yaml', env: {}, registry });

describe('server limits in the config', () => {
  it('default to timeouts and rates no dashboard or exporter meets', () => {
    expect(load('').server).toEqual({ port: 8080, publicUrl: null, ...DEFAULT_SERVER_LIMITS });
  });

  it('take timeouts as durations and rates per class, the rest defaulted', () => {
    const server = load(
      ['server:', '  headers_timeout: 3s', '  request_timeout: 1m', '  keep_alive_timeout: 2s', '  max_header_bytes: 8192', '  rate_limit:', '    api: { per_second: 5 }', '    max_clients: 50', ''].join('\n'),
    ).server;
    expect(server).toMatchObject({ headersTimeoutMs: 3000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 2000, maxHeaderBytes: 8192 });
    expect(server.rateLimit).toEqual({ ...DEFAULT_SERVER_LIMITS.rateLimit, maxClients: 50, api: { perSecond: 5, burst: DEFAULT_SERVER_LIMITS.rateLimit.api.burst } });
  });

  it.each([
    ['a headers timeout below a second', '  headers_timeout: 10ms', /vigil\.yaml:3 server\.headers_timeout: must be at least 1s/],
    ['a rate of zero', '  rate_limit: { api: { per_second: 0 } }', /vigil\.yaml:3 server\.rate_limit\.api\.per_second: /],
    ['an unknown rate class', '  rate_limit: { dashboard: { per_second: 1 } }', /vigil\.yaml:3 server\.rate_limit\.dashboard: unknown key/],
  ])('refuses %s with file and line', (_name, line, problem) => {
    let problems: string[] = [];
    try {
      load(`server:\n${line}\n`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems.map(formatProblem);
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
