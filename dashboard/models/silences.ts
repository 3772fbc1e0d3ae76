import { computed, signal, type ReadonlySignal } from '@preact/signals';
import type { ApiClient } from '../api-client.js';
import type { MatchOp, Matcher } from '../../lib/matchers.js';
import type { Silence } from '../../store/types.js';
import type { VisibilitySource } from './poller.js';
import { createResource } from './resource.js';
import { describeFailure } from './status.js';
import type { UserModel } from './user.js';

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;

/**
 * Matchers as typed, one per line or comma-separated: `env=prod, service=~api|web, check!="tls"`.
 * Returns the matchers, or the problems (each naming the part it is about).
 */
export function parseMatchers(text: string): { readonly matchers: Matcher[]; readonly problems: string[] } {
  const matchers: Matcher[] = [];
  const problems: string[] = [];
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter((p) => p !== '')) {
    const match = MATCHER.exec(part);
    if (!match) {
      problems.push(`"${part}": expected label=value, label!=value, label=~regex or label!~regex`);
      continue;
    }
    const raw = match[3]!;
    const value = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
    matchers.push({ label: match[1]!, op: match[2] as MatchOp, value });
  }
  if (matchers.length === 0 && problems.length === 0) problems.push('give at least one matcher, e.g. env=prod');
  return { matchers, problems };
}

/** `env="prod"`: a matcher as shown. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)}`;
}

/** A duration the API accepts: `30m`, `2h`, `1d12h`. */
export function isDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

/** Where a silence is at `at`. */
export function silenceState(silence: Pick<Silence, 'startsAt' | 'endsAt'>, at: number): 'pending' | 'active' | 'expired' {
  return at < silence.startsAt ? 'pending' : at < silence.endsAt ? 'active' : 'expired';
}

/** What the create form holds. */
export interface SilenceForm {
  readonly matchers: string;
  readonly duration: string;
  readonly comment: string;
}

/** The problems that keep a form from being sent; empty when it can be. */
export function silenceFormProblems(form: SilenceForm): string[] {
  const problems = [...parseMatchers(form.matchers).problems];
  if (!isDuration(form.duration)) problems.push('duration: expected e.g. 30m, 2h or 1d');
  if (form.comment.trim() === '') problems.push('comment: say why the alerts are silenced');
  return problems;
}

/** `#/silences`: active and pending silences, create and expire. */
export interface SilenceModel {
  readonly silences: ReadonlySignal<readonly Silence[] | null>;
  readonly error: ReadonlySignal<string | null>;
  readonly busy: ReadonlySignal<boolean>;
  /** True when created; the problems or the API's refusal are in `error` otherwise. */
  create(form: SilenceForm): Promise<boolean>;
  expire(id: number): Promise<void>;
  start(): void;
  stop(): void;
}

export function createSilenceModel(options: { api: ApiClient; user: UserModel; visibility?: VisibilitySource; intervalMs?: number }): SilenceModel {
  const { api, user } = options;
  const resource = createResource({ load: (signal) => api.silences(signal), intervalMs: options.intervalMs ?? 15_000, visibility: options.visibility });
  const busy = signal(false);
  const actionError = signal<string | null>(null);
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    if (busy.peek()) return false;
    busy.value = true;
    try {
      await work();
      actionError.value = null;
      resource.poller.refresh();
      return true;
    } catch (failure) {
      actionError.value = describeFailure(failure);
      return false;
    } finally {
      busy.value = false;
    }
  };
  return {
    silences: computed(() => resource.data.value?.silences ?? null),
    error: computed(() => actionError.value ?? resource.error.value),
    busy,
    async create(form) {
      const problems = silenceFormProblems(form);
      if (!user.known.peek()) problems.unshift('Enter your name first: a silence records who made it.');
      if (problems.length) {
        actionError.value = problems.join('; ');
        return false;
      }
      const { matchers } = parseMatchers(form.matchers);
      return run(() => api.createSilence({ matchers, duration: form.duration.trim(), comment: form.comment.trim(), by: user.name.peek() }));
    },
    expire: async (id) => void (await run(() => api.expireSilence(id))),
    start: () => resource.poller.start(),
    stop: () => resource.poller.stop(),
  };
}
