// A loopback HTTP server that behaves like a chat service or webhook consumer: it records every request
// and answers from a script (200, 400, 410, 429 with Retry-After, 500, or never).
import type http from 'node:http';
import { onTestFinished } from 'vitest';
import { startHttpServer, type TestServer } from './servers.js';

export type SinkAnswer = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | 'hang';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface ReceiverSink extends TestServer {
  readonly received: ReceivedRequest[];
  /** Answers for the next requests, in order; after them, the fallback. */
  answer(...answers: SinkAnswer[]): void;
  /** What every request gets once the scripted answers are used up. */
  setFallback(answer: SinkAnswer): void;
}

/** Starts a sink on port 0, closed when the test ends. */
export async function startReceiverSink(fallback: SinkAnswer = { status: 200, body: 'ok' }): Promise<ReceiverSink> {
  const received: ReceivedRequest[] = [];
  const queue: SinkAnswer[] = [];
  const hung: http.ServerResponse[] = [];
  const state = { fallback };
  const server = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = queue.shift() ?? state.fallback;
      if (answer === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  const sink: ReceiverSink = {
    port: server.port,
    url: server.url,
    get accepted() {
      return server.accepted;
    },
    get open() {
      return server.open;
    },
    acceptedFrom: server.acceptedFrom,
    acceptedAtLeast: server.acceptedAtLeast,
    close: async () => {
      for (const res of hung) res.destroy();
      await server.close();
    },
    received,
    answer: (...answers: SinkAnswer[]) => void queue.push(...answers),
    setFallback: (answer: SinkAnswer) => void (state.fallback = answer),
  };
  onTestFinished(() => sink.close());
  return sink;
}
