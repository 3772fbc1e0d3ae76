import type { CheckSpec } from '../probes/probe.js';
import type { SecretValues } from '../lib/secret.js';
import type { Retention } from '../store/types.js';
import type { AlertingConfig } from '../rules/types.js';
import type { NotifyConfig } from '../notify/types.js';
import type { ReportSpec } from './reports.js';
import type { OutboundPolicy } from '../lib/outbound-guard.js';

export type { CheckSpec };

export interface ServiceSpec {
  readonly name: string;
  readonly owner: string | null;
  readonly description: string | null;
  /** Environments this service runs in (a subset of the config's, default all). */
  readonly environments: readonly string[];
  /** `sla:`: its availability target as a fraction (0.999), for SLA reports that set none; null when not written. */
  readonly sla: number | null;
}

/** The OTLP receiver (`otlp:`), defaults applied. */
export interface OtlpConfig {
  readonly enabled: boolean;
  /** A dedicated listener (4318) besides Vigil's port; null → none. */
  readonly port: number | null;
  readonly maxBodyBytes: number;
  readonly queueBytes: number;
  readonly defaultService: string;
  readonly defaultEnv: string;
  readonly seriesPerMetric: number;
  readonly histogramSamples: number;
}

/** Vigil's HTTP port when neither --port, PORT nor `server.port` says (here, not in load.ts: `vigil healthcheck` reads it without loading the config code). */
export const DEFAULT_PORT = 8080;

export const DEFAULT_OTLP_CONFIG: OtlpConfig = {
  enabled: true,
  port: null,
  maxBodyBytes: 20 * 1024 * 1024,
  queueBytes: 128 * 1024 * 1024,
  defaultService: 'unknown_service',
  defaultEnv: 'unknown',
  seriesPerMetric: 1000,
  histogramSamples: 100,
};

/** One token bucket: a client may make `burst` requests at once and `perSecond` sustained. */
export interface RateBucketConfig {
  readonly perSecond: number;
  readonly burst: number;
}

/** Requests per client (`server.rate_limit`), by class of route. */
export interface RateLimitConfig {
  readonly enabled: boolean;
  /** Clients tracked at most (memory bound); the longest idle is forgotten first. */
  readonly maxClients: number;
  readonly api: RateBucketConfig;
  readonly ingest: RateBucketConfig;
  readonly metrics: RateBucketConfig;
}

/** The HTTP server (`server:`), defaults applied. */
export interface ServerConfig {
  readonly port: number;
  /** Where people reach Vigil (notification links); null → the listen address. */
  readonly publicUrl: string | null;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly rateLimit: RateLimitConfig;
}

/**
 * The server's limits when the config says nothing. Rates are generous: a wall of dashboards behind one
 * address, an exporter's retries and a 1 s Prometheus scrape stay far below them.
 */
export const DEFAULT_SERVER_LIMITS: Omit<ServerConfig, 'port' | 'publicUrl'> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  rateLimit: {
    enabled: true,
    maxClients: 10_000,
    api: { perSecond: 100, burst: 1000 },
    ingest: { perSecond: 500, burst: 2000 },
    metrics: { perSecond: 20, burst: 200 },
  },
};

/** The validated, expanded config that the rest of Vigil trusts. */
export interface VigilConfig {
  /** Where it came from: a file path, or "embedded demo". */
  readonly source: string;
  readonly environments: readonly string[];
  readonly services: readonly ServiceSpec[];
  readonly checks: readonly CheckSpec[];
  readonly server: ServerConfig;
  /** API access: reads without a token when `anonymousRead` (the default); mutations always need one. */
  readonly auth: {
    readonly anonymousRead: boolean;
    /** Who may send OTLP data and heartbeat beats; null: decided by the listen address (see auth/ingest.ts). */
    readonly ingest: IngestMode | null;
    /** How long a dashboard sign-in lasts, never past its token's expiry. */
    readonly sessionLifetimeMs: number;
  };
  /** Hex SHA-256 of the config text as read (recorded in the audit log at each start). */
  readonly sha256: string;
  readonly scheduler: { readonly concurrency: number; readonly workers: number };
  readonly otlp: OtlpConfig;
  readonly retention: Retention;
  /** The store `storage:` names (a SQLite path or a postgres:// URL, `${VAR}`s expanded); null → the default. */
  readonly storage: string | null;
  /** Rules (default, written and SLO burn-rate), SLOs, inhibition and maintenance, compiled. */
  readonly alerting: AlertingConfig;
  /** `security.outbound`: what the outbound guard refuses and lets through (probes and notifications). */
  readonly outbound: OutboundPolicy;
  /** Receivers, routes and delivery settings of notifications ([N1]). */
  readonly notify: NotifyConfig;
  /** Scheduled SLA reports (`reports:`). */
  readonly reports: readonly ReportSpec[];
  /**
   * Every non-empty value a `${VAR}` took from the environment, in any check or runbook: what must never
   * be shown. `publicConfig` (config/public.ts) is the config as it may be shown.
   */
  readonly secrets: SecretValues;
}

/** Who may send OTLP data and beats: `token` (an ingest or admin token), `open` (anyone), `loopback` (anyone from this machine, a token from elsewhere). */
export type IngestMode = 'token' | 'open' | 'loopback';

/** A dashboard sign-in lasts a working day unless `auth.session_lifetime` says otherwise. */
export const DEFAULT_SESSION_LIFETIME_MS = 12 * 3_600_000;
