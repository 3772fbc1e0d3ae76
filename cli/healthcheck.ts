// `vigil healthcheck`: the container's HEALTHCHECK. Asks /health/ready of the Vigil that `vigil serve`
// with the same options and environment runs on this machine. Imports nothing of Vigil but this file at
// start: Docker runs it every 15 s, and loading all of Vigil costs ~1 s of CPU each time.
import { get } from 'node:http';

/** How long the check waits for an answer; below the image's HEALTHCHECK --timeout=3s, so the check says why it failed. */
export const HEALTHCHECK_TIMEOUT_MS = 2_000;

/** The URL a client on this machine reaches a server listening on host:port at (a wildcard address through loopback). */
export function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface ReadyResult {
  readonly ready: boolean;
  /** One line for the container's health log: what was asked and what answered. */
  readonly line: string;
}

/**
 * GETs `${baseUrl}/health/ready` once; ready only on a 2xx within the timeout. A failure is a result, not a throw.
 * node:http, not fetch: fetch refuses the ports browsers block (6000, 6667, 10080, …), which serve listens on fine.
 */
export function checkReady(baseUrl: string, timeoutMs: number = HEALTHCHECK_TIMEOUT_MS): Promise<ReadyResult> {
  const url = `${baseUrl}/health/ready`;
  return new Promise((resolve) => {
    const request = get(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => resolve({ ready: false, line: `not ready: ${url}: ${reasonOf(error, timeoutMs)}` }));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ready: true, line: `ready: ${url} answered ${status}` });
        else resolve({ ready: false, line: `not ready: ${url} answered ${status}${problemsOf(Buffer.concat(chunks).toString('utf8'))}` });
      });
    });
    request.on('error', (error) => resolve({ ready: false, line: `not ready: ${url}: ${reasonOf(error, timeoutMs)}` }));
  });
}

/** `: store is not writable, …` from /health/ready's 503 body, or nothing when it is not that body. */
function problemsOf(body: string): string {
  try {
    const problems = (JSON.parse(body) as { problems?: unknown }).problems;
    return Array.isArray(problems) && problems.length ? `: ${problems.map(String).join(', ')}` : '';
  } catch {
    return '';
  }
}

function reasonOf(error: Error, timeoutMs: number): string {
  // The abort's reason is the signal's TimeoutError; node:http wraps it in an AbortError.
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
