// The dispatcher: claims due outbox messages, mutes what silences and maintenance cover (recorded as
// suppressed), sends the rest with a timeout, and records what the receiver answered — delivered,
// retry later (exponential backoff with jitter, never before Retry-After), failed, or its receiver
// gone. A circuit breaker per receiver holds messages while a receiver keeps failing; a message still
// failing past the max age is a dead letter (listed and replayable through the API). Each tick also
// writes due escalations and repeats. At least once: a claim is a lease, so a crash between sending and
// recording lets the next claim send again, with the same idempotency key. A kind with its own transport
// (email) gets one per receiver, opened at its first message and closed by `stop()`.
//
// Wiring (cli/serve.ts):
//   const dispatcher = new Dispatcher({ store, clock: systemClock, receivers: builtinReceivers(), config: config.notify,
//     baseUrl, secrets: config.secrets, outbound, log, maintenance, onResult: metrics.observeNotification });
//   dispatcher.start(); … dispatcher.wake() after writing to the outbox; … await dispatcher.stop();
import type { Clock } from '../lib/clock.js';
import { formatDuration } from '../lib/duration.js';
import { SecretValues } from '../lib/secret.js';
import type { AttemptRecord, Store } from '../store/types.js';
import { CLOSED, breakerAllows, breakerName, onFailure, onSuccess, retryDelayMs, startTrial, type BreakerState } from './breaker.js';
import { enqueueNotifications } from './outbox.js';
import { renderMessage, type AnyReceiverKind, type Classification, type ReceiverRegistry, type ReceiverTransport } from './receiver.js';
import { NO_MAINTENANCE, applyMutes, escalationsDue, notifyPlan, repeatGroups, repeatsDue, type MaintenanceCheck, type NotifyPlan } from './routing.js';
import { DeliveryHttp, sendOnce } from './send.js';
import type { OutboundGuard } from '../lib/outbound-guard.js';
import type { NotifyConfig, OutboxMessage, ReceiverSpec, UnreadableOutboxMessage } from './types.js';

/** What a delivery ended as, for `vigil_notifications_total{receiver,result}`. */
export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'dead' | 'suppressed' | 'disabled';
export const DELIVERY_RESULTS: readonly DeliveryResult[] = ['delivered', 'retry', 'failed', 'dead', 'suppressed', 'disabled'];

/** How often a tick counts the outbox for /metrics. */
const DEPTH_EVERY_MS = 5_000;

export interface DispatcherDeps {
  readonly store: Pick<Store, 'outbox' | 'incidents' | 'silences' | 'transaction'>;
  readonly clock: Clock;
  readonly receivers: ReceiverRegistry;
  readonly config: NotifyConfig;
  /** The dashboard's address for links: `server.public_url`, else the listen URL. */
  readonly baseUrl: string;
  /** Checks every address a delivery connects to (`security.outbound`); default the guard's default policy. */
  readonly outbound?: OutboundGuard;
  readonly log?: (line: string) => void;
  /** Values scrubbed from every recorded error and log line (the config's secrets; the receivers' own are added). */
  readonly secrets?: SecretValues;
  readonly maintenance?: MaintenanceCheck;
  /** Jitter source (tests pass a constant). */
  readonly random?: () => number;
  readonly onResult?: (receiver: string, result: DeliveryResult) => void;
  /** How often `start()` ticks (default 1 s). */
  readonly pollMs?: number;
  /** Messages claimed a tick (default 50). */
  readonly batch?: number;
}

/** What one tick did, for tests and logs. */
export interface TickReport {
  readonly claimed: number;
  readonly results: ReadonlyArray<{ readonly id: number; readonly receiver: string; readonly result: DeliveryResult | 'postponed' }>;
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #plan: NotifyPlan;
  readonly #receivers: ReadonlyMap<string, ReceiverSpec>;
  readonly #secrets: SecretValues;
  readonly #breakers = new Map<string, BreakerState>();
  readonly #disabled = new Map<string, string>();
  /** Transports of the kinds that deliver themselves, by receiver name. */
  readonly #transports = new Map<string, ReceiverTransport>();
  /** The HTTP kinds' connections (keep-alive agents), closed by `stop()`. */
  readonly #http: DeliveryHttp;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  /** Tick again as soon as the running tick ends (woken meanwhile, or it claimed a full batch). */
  #again = false;
  #depth: Readonly<Record<string, number>> = {};
  #depthReadAt = -Infinity;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#plan = notifyPlan(deps.config, deps.receivers);
    this.#receivers = new Map(deps.config.receivers.map((r) => [r.name, r]));
    this.#secrets = (deps.secrets ?? SecretValues.none).with(new SecretValues(receiverSecrets(deps.config.receivers)));
    this.#http = new DeliveryHttp(deps.outbound);
  }

  /** The compiled routing plan, for the engine's `notificationsFor(change, plan)`. */
  get plan(): NotifyPlan {
    return this.#plan;
  }

  /**
   * Ticks every `pollMs` until `stop()`, and at once when woken or when a tick claimed a full batch (a
   * storm drains at the receivers' pace, not `batch` a poll); a tick never overlaps the next.
   */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#kick(false), this.#deps.pollMs ?? 1000);
    this.#timer.unref?.();
  }

  /**
   * New messages were written (the engine calls this with its incident changes): tick as soon as the
   * tick in flight, if any, is done, instead of at the next poll. Before `start()` or after `stop()`, nothing.
   * The tick's store reads queue behind the caller's transaction on SQLite; on a store where they may
   * not, a row not yet committed is sent at the next poll.
   */
  wake(): void {
    if (!this.#timer) return;
    setImmediate(() => this.#kick(true));
  }

  /** Stops ticking, waits for the tick in flight, then closes the receivers' transports (SMTP connections) and HTTP connections. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
    const transports = [...this.#transports.values()];
    this.#transports.clear();
    await Promise.all(transports.map((transport) => transport.close().catch(() => {})));
    this.#http.close();
  }

  #kick(urgent: boolean): void {
    if (!this.#timer) return;
    if (this.#running) {
      // A poll finding a tick still running skips; a wake-up runs once more after it.
      if (urgent) this.#again = true;
      return;
    }
    this.#again = false;
    this.#running = this.tick()
      .then((report) => {
        if (report.claimed >= (this.#deps.batch ?? 50)) this.#again = true;
      })
      .catch((error: unknown) => this.#log(`notifications: a dispatcher tick failed: ${(error as Error).message}`))
      .finally(() => {
        this.#running = null;
        if (this.#again) setImmediate(() => this.#kick(true));
      });
  }

  /** Each receiver's circuit and whether a 410 disabled it, for the API. */
  receiverStates(): Array<{ name: string; kind: string; circuit: 'closed' | 'open' | 'half-open'; disabled: string | null }> {
    const at = this.#deps.clock.now();
    return this.#deps.config.receivers.map((r) => ({ name: r.name, kind: r.kind, circuit: breakerName(this.#breakers.get(r.name) ?? CLOSED, at), disabled: this.#disabled.get(r.name) ?? null }));
  }

  /** The outbox's messages by state as last counted (at most every few seconds, by the ticks): what /metrics shows without a store read. */
  depth(): Readonly<Record<string, number>> {
    return this.#depth;
  }

  /** One pass: write due escalations and repeats, then deliver what is due. */
  async tick(): Promise<TickReport> {
    const at = this.#deps.clock.now();
    if (at - this.#depthReadAt >= DEPTH_EVERY_MS) {
      this.#depthReadAt = at;
      this.#depth = await this.#deps.store.outbox.counts();
    }
    await this.#escalateAndRepeat(at);
    const { store } = this.#deps;
    const timeoutMs = this.#deps.config.delivery.timeoutMs;
    const claimed = await store.outbox.claim(at, timeoutMs * 2 + 5000, this.#deps.batch ?? 50);
    if (claimed.length === 0) return { claimed: 0, results: [] };
    const silences = await store.silences.list(at);
    const results = await Promise.all(
      claimed.map(async (message) => ({
        id: message.id,
        receiver: message.receiver,
        result: message.message === null ? await this.#unreadable(message) : await this.#deliver(message, silences, at),
      })),
    );
    return { claimed: claimed.length, results };
  }

  async #escalateAndRepeat(at: number): Promise<void> {
    const { store } = this.#deps;
    if (!this.#plan.routes.length) return;
    const active = await store.incidents.active();
    if (active.length === 0) return;
    const escalations = escalationsDue(active, this.#plan, at);
    const groups = repeatGroups(active, this.#plan, at);
    await store.transaction(async (tx) => {
      const written = await enqueueNotifications(tx.outbox, escalations, this.#plan, at);
      for (const row of written) {
        const step = row.message.escalation;
        for (const id of row.incidentIds) {
          const text = `escalated to ${row.receiver}${step ? ` (not acknowledged within ${formatDuration(step.afterMs)})` : ''}`;
          await tx.incidents.addEvent(id, { at, kind: 'escalated', actor: null, text, value: null });
        }
      }
      const states = new Map<string, { lastAt: number | null; waiting: boolean }>();
      for (const group of groups) {
        const lastAt = await tx.outbox.lastDueInGroup(group.receiver, group.group.key);
        let waiting = lastAt !== null && lastAt > at;
        if (!waiting) {
          // An unreadable message is about to be recorded failed: it does not stand in for a repeat.
          const open = await tx.outbox.openInGroup(group.receiver, group.group.key);
          waiting = open !== null && open.message !== null;
        }
        states.set(`${group.receiver}\u0000${group.group.key}`, { lastAt, waiting });
      }
      const repeats = repeatsDue(groups, (g) => states.get(`${g.receiver}\u0000${g.group.key}`)!, at);
      await enqueueNotifications(tx.outbox, repeats, this.#plan, at);
    });
  }

  async #deliver(message: OutboxMessage, silences: Awaited<ReturnType<Store['silences']['list']>>, at: number): Promise<DeliveryResult | 'postponed'> {
    const { store, config } = this.#deps;
    const spec = this.#receivers.get(message.receiver);
    if (!spec || !this.#deps.receivers.has(spec.kind)) {
      await store.outbox.markFinal(message.id, 'failed', null, `receiver "${message.receiver}" is not configured`);
      return this.#count(message.receiver, 'failed');
    }
    const disabled = this.#disabled.get(spec.name);
    if (disabled) {
      await store.outbox.markFinal(message.id, 'dead', null, `receiver disabled: ${disabled}`);
      return this.#count(spec.name, 'dead');
    }
    const muted = applyMutes(message.message, silences, this.#deps.maintenance ?? NO_MAINTENANCE, at);
    if (muted.suppressed !== null) {
      await store.outbox.markFinal(message.id, 'suppressed', null, muted.suppressed);
      return this.#count(spec.name, 'suppressed');
    }
    if (at - message.ageFrom > config.delivery.maxAgeMs) {
      await store.outbox.markFinal(message.id, 'dead', null, `not delivered within ${formatDuration(config.delivery.maxAgeMs)}${message.lastError ? `: ${message.lastError}` : ''}`);
      return this.#count(spec.name, 'dead');
    }
    const breaker = this.#breakers.get(spec.name) ?? CLOSED;
    const allowed = breakerAllows(breaker, at);
    if (allowed.decision === 'wait') {
      await store.outbox.postpone(message.id, allowed.until);
      return 'postponed';
    }
    if (allowed.decision === 'trial') this.#breakers.set(spec.name, startTrial(breaker));

    const kind = this.#deps.receivers.get(spec.kind);
    let verdict: Classification;
    let status: number | null = null;
    try {
      const request = renderMessage(kind, { config: spec.config, receiver: spec.name, message: muted.message, key: message.key, at, baseUrl: this.#deps.baseUrl });
      const outcome = await sendOnce(kind, request, this.#transportOf(spec, kind), config.delivery.timeoutMs, this.#http);
      status = outcome.answer && 'status' in outcome.answer ? outcome.answer.status : null;
      verdict = outcome.verdict;
    } catch (error) {
      // A bug in a kind's render is a failure of this message, not of the dispatcher.
      verdict = { result: 'fail', reason: `could not render: ${(error as Error).message}` };
    }
    const sentAt = this.#deps.clock.now();
    const reason = 'reason' in verdict ? this.#secrets.scrub(verdict.reason) : null;
    const attempt: AttemptRecord = { at: sentAt, status, error: reason };
    const settings = { failures: config.delivery.breakerFailures, cooldownMs: config.delivery.breakerCooldownMs };
    switch (verdict.result) {
      case 'ok':
        this.#breakers.set(spec.name, onSuccess());
        await store.transaction(async (tx) => {
          await tx.outbox.markDelivered(message.id, attempt);
          for (const id of message.incidentIds) {
            await tx.incidents.addEvent(id, { at: sentAt, kind: 'notified', actor: null, text: `notified ${spec.name} ✓`, value: null }).catch(() => {});
          }
        });
        return this.#count(spec.name, 'delivered');
      case 'retry': {
        this.#breakers.set(spec.name, onFailure(breaker, sentAt, settings));
        const dueAt = sentAt + retryDelayMs(message.attempts + 1, config.delivery, (this.#deps.random ?? Math.random)(), verdict.afterMs);
        if (dueAt - message.ageFrom > config.delivery.maxAgeMs) {
          await store.outbox.markFinal(message.id, 'dead', attempt, `not delivered within ${formatDuration(config.delivery.maxAgeMs)}: ${reason}`);
          return this.#count(spec.name, 'dead');
        }
        await store.outbox.markRetry(message.id, attempt, dueAt);
        return this.#count(spec.name, 'retry');
      }
      case 'fail':
        // The receiver answered: it is up, this request is wrong. Not a reason to open its circuit.
        this.#breakers.set(spec.name, onSuccess());
        await store.outbox.markFinal(message.id, 'failed', attempt, reason ?? 'failed');
        this.#log(`notifications: ${spec.name} refused message ${message.id}: ${reason}`);
        return this.#count(spec.name, 'failed');
      case 'disable':
        this.#disabled.set(spec.name, reason ?? 'gone');
        await store.outbox.markFinal(message.id, 'dead', attempt, `receiver disabled: ${reason}`);
        this.#log(`notifications: receiver ${spec.name} disabled until restart: ${reason}`);
        return this.#count(spec.name, 'disabled');
    }
  }

  /**
   * A row this Vigil cannot read (a newer Vigil's message kind, a damaged row) is never sent: it is
   * recorded failed with the reason, where the API lists it and a replay after an upgrade sends it.
   */
  async #unreadable(message: UnreadableOutboxMessage): Promise<DeliveryResult> {
    await this.#deps.store.outbox.markFinal(message.id, 'failed', null, message.unreadable);
    this.#log(`notifications: message ${message.id} to ${message.receiver} not sent: ${message.unreadable}`);
    return this.#count(message.receiver, 'failed');
  }

  /** The receiver's transport when its kind delivers itself, made at first use; null for HTTP kinds. */
  #transportOf(spec: ReceiverSpec, kind: AnyReceiverKind): ReceiverTransport | null {
    if (!kind.transport) return null;
    let transport = this.#transports.get(spec.name);
    if (!transport) {
      transport = kind.transport(spec.config, { receiver: spec.name, timeoutMs: this.#deps.config.delivery.timeoutMs, outbound: this.#http.guard });
      this.#transports.set(spec.name, transport);
    }
    return transport;
  }

  #count(receiver: string, result: DeliveryResult): DeliveryResult {
    this.#deps.onResult?.(receiver, result);
    return result;
  }

  #log(line: string): void {
    this.#deps.log?.(this.#secrets.scrub(line));
  }
}

/** The values of every Secret in the receivers' configs. */
function receiverSecrets(receivers: readonly ReceiverSpec[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (value && typeof value === 'object' && 'reveal' in value && typeof (value as { reveal: unknown }).reveal === 'function') out.push((value as { reveal(): string }).reveal());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  receivers.forEach((r) => walk(r.config));
  return out;
}
