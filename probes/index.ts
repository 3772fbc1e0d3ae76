import { ProbeRegistry } from './probe.js';
import { httpProbe } from './http.js';
import { tcpProbe } from './tcp.js';
import { healthProbe } from './health.js';
import { queueDepthProbe } from './queue-depth/index.js';
import { postgresReplicaLagProbe } from './postgres-replica-lag.js';
import { sqlProbe } from './sql/index.js';
import { tlsProbe } from './tls/index.js';
import { mysqlReplicaLagProbe } from './mysql-replica-lag.js';
import { dnsProbe } from './dns.js';
import { heartbeatProbe } from './heartbeat.js';

/** The probe kinds Vigil ships; adding a kind is one file and one line here. */
export function builtinProbes(): ProbeRegistry {
  return new ProbeRegistry([
    httpProbe,
    tcpProbe,
    healthProbe,
    queueDepthProbe,
    postgresReplicaLagProbe,
    sqlProbe,
    tlsProbe,
    mysqlReplicaLagProbe,
    dnsProbe,
    heartbeatProbe,
  ]);
}
