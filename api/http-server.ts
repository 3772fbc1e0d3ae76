// The Node HTTP server under a Hono app, with the limits against slow and oversized clients: a client
// has `headersTimeout` to send its headers and `requestTimeout` for the whole request (then 408 and
// the connection is closed), an idle kept-alive connection closes after `keepAliveTimeout`, and the
// request line and headers may take `maxHeaderBytes` (else 431). Node checks the timeouts every
// `connectionsCheckingInterval`; its default (30 s) would let a slowloris hold sockets 30 s past them.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveHttp } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ServerConfig } from '../config/types.js';

/** The fields of ServerConfig that shape the Node server. */
export type HttpLimits = Pick<ServerConfig, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxHeaderBytes'>;

/** A listening server and how to close it (every connection, idle or not). */
export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `app` on `host:port` with `limits`; rejects with the listen error (EADDRINUSE, …). */
export async function listenHttp(app: Hono, host: string, port: number, limits: HttpLimits): Promise<HttpListener> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serveHttp(
      {
        fetch: app.fetch,
        port,
        hostname: host,
        serverOptions: {
          maxHeaderSize: limits.maxHeaderBytes,
          // Node refuses a headers timeout longer than the request's.
          headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
        },
      },
      () => resolve(s as Server),
    );
    s.once('error', reject);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
