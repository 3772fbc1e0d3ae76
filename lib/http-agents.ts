// Keep-alive HTTP agents with bounded sockets, owned and closed by their maker: never Node's global
// agent, which nobody closes.
import http from 'node:http';
import https from 'node:https';

/**
 * Keep-alive agents for http and https, owned by whoever made them (a probe context, the notification
 * dispatcher); closing destroys every socket they hold. Sockets per origin are bounded, so one slow
 * target cannot open thousands of connections. Idle sockets close after 4s, under the 5s keep-alive most servers (Node's included)
 * use, so a reused socket is rarely one the server is closing.
 */
export class HttpAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;

  constructor(maxSocketsPerOrigin = 128) {
    const options = {
      keepAlive: true,
      maxSockets: maxSocketsPerOrigin,
      maxFreeSockets: maxSocketsPerOrigin,
      timeout: 4_000,
      scheduling: 'lifo' as const,
    };
    this.http = new http.Agent(options);
    this.https = new https.Agent(options);
  }

  /** Destroys every socket, idle or in use. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

