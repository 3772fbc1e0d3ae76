// The sockets a client library opens while connecting, so an aborted run can destroy them. ioredis's
// `disconnect()` leaves a socket that is waiting for its ready check open, and nats.js gives no handle
// on the socket it dials, nor closes it when its own connect timeout fires: measured against a server
// that accepts and never answers. Node publishes every client socket on the `net.client.socket`
// diagnostics channel, synchronously in the async context that created it, so an AsyncLocalStorage
// scope around the connect call sees exactly the sockets of that call.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type net from 'node:net';

const scope = new AsyncLocalStorage<Set<net.Socket>>();
let subscribed = false;

function onClientSocket(message: unknown): void {
  const sockets = scope.getStore();
  const socket = (message as { socket?: net.Socket } | null)?.socket;
  if (sockets && socket) sockets.add(socket);
}

/** Sockets opened by one connect call (and anything it started), for destroying on abort. */
export interface OpenedSockets {
  destroyAll(): void;
  readonly size: number;
}

/** Runs `connect` and collects every client socket it opens, however deep in the library. */
export function trackSockets<T>(connect: () => T): { result: T; sockets: OpenedSockets } {
  if (!subscribed) {
    // Once per process: a subscriber outside any scope costs one map lookup per socket created.
    diagnosticsChannel.subscribe('net.client.socket', onClientSocket);
    subscribed = true;
  }
  const set = new Set<net.Socket>();
  const result = scope.run(set, connect);
  return {
    result,
    sockets: {
      destroyAll: () => {
        for (const socket of set) socket.destroy();
        set.clear();
      },
      get size() {
        return set.size;
      },
    },
  };
}
