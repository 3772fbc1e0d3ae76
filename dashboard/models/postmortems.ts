import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import type { PostmortemSummaryJson } from '../../api/types.js';
import type { ApiClient, PostmortemListResponse } from '../api-client.js';
import type { ActionItem, Postmortem, PostmortemStatus } from '../../store/types.js';
import type { VisibilitySource } from './poller.js';
import { createResource } from './resource.js';
import { describeFailure } from './status.js';
import type { UserModel } from './user.js';

/** The postmortem history (`#/postmortems`), newest first, with an "older" button. */
export interface PostmortemListModel {
  readonly rows: ReadonlySignal<readonly PostmortemSummaryJson[] | null>;
  readonly hasOlder: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  older(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Pages joined in order, each postmortem once. */
export function joinPostmortemPages(pages: readonly PostmortemListResponse[]): { rows: PostmortemSummaryJson[]; nextCursor: number | null } {
  const seen = new Set<number>();
  const rows = pages.flatMap((page) => page.postmortems).filter((row) => !seen.has(row.id) && Boolean(seen.add(row.id)));
  return { rows, nextCursor: pages.length ? pages[pages.length - 1]!.nextCursor : null };
}

export function createPostmortemListModel(options: { api: ApiClient; visibility?: VisibilitySource; intervalMs?: number }): PostmortemListModel {
  const first = createResource({ load: (signal) => options.api.postmortems({}, signal), intervalMs: options.intervalMs ?? 30_000, visibility: options.visibility });
  const olderPages = signal<readonly PostmortemListResponse[]>([]);
  const olderError = signal<string | null>(null);
  const joined = computed(() => (first.data.value === null ? null : joinPostmortemPages([first.data.value, ...olderPages.value])));
  let loading = false;
  return {
    rows: computed(() => joined.value?.rows ?? null),
    hasOlder: computed(() => (joined.value?.nextCursor ?? null) !== null),
    error: computed(() => first.error.value ?? olderError.value),
    async older() {
      const cursor = joined.peek()?.nextCursor ?? null;
      if (cursor === null || loading) return;
      loading = true;
      try {
        olderPages.value = [...olderPages.peek(), await options.api.postmortems({ cursor })];
        olderError.value = null;
      } catch (failure) {
        olderError.value = describeFailure(failure);
      } finally {
        loading = false;
      }
    },
    start: () => first.poller.start(),
    stop: () => first.poller.stop(),
  };
}

/** What the editor changes of a postmortem. */
export interface PostmortemDraft {
  readonly title: string;
  readonly markdown: string;
  readonly actionItems: readonly ActionItem[];
}

/** One edit of the action items. */
export type ActionItemEdit =
  | { readonly kind: 'add' }
  | { readonly kind: 'remove'; readonly index: number }
  | { readonly kind: 'change'; readonly index: number; readonly change: Partial<ActionItem> };

/** The action items after one edit; a new item is open and has no owner. */
export function editActionItems(items: readonly ActionItem[], edit: ActionItemEdit): ActionItem[] {
  switch (edit.kind) {
    case 'add':
      return [...items, { title: '', owner: null, status: 'open' }];
    case 'remove':
      return items.filter((_, index) => index !== edit.index);
    case 'change':
      return items.map((item, index) => (index === edit.index ? { ...item, ...edit.change } : item));
  }
}

/** The action items as the API accepts them: titled ones only, owners trimmed (blank → none). */
export function cleanActionItems(items: readonly ActionItem[]): ActionItem[] {
  return items
    .map((item) => ({ title: item.title.trim(), owner: item.owner?.trim() || null, status: item.status }))
    .filter((item) => item.title !== '');
}

export function sameDraft(a: PostmortemDraft, b: PostmortemDraft): boolean {
  return a.title === b.title && a.markdown === b.markdown && JSON.stringify(cleanActionItems(a.actionItems)) === JSON.stringify(cleanActionItems(b.actionItems));
}

/** `#/postmortems/<id>`: the Markdown, its preview, the action items; Save and Publish. */
export interface PostmortemEditorModel {
  /** The postmortem as last saved, or null while loading. */
  readonly saved: ReadonlySignal<Postmortem | null>;
  readonly draft: ReadonlySignal<PostmortemDraft | null>;
  /** True when the draft differs from what is saved. */
  readonly dirty: ReadonlySignal<boolean>;
  readonly saving: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  setTitle(title: string): void;
  setMarkdown(markdown: string): void;
  editItems(edit: ActionItemEdit): void;
  /** Saves the draft, with a new status when given. */
  save(status?: PostmortemStatus): Promise<void>;
  start(): void;
  stop(): void;
}

export function createPostmortemEditorModel(options: { api: ApiClient; id: ReadonlySignal<number | null> }): PostmortemEditorModel {
  const { api } = options;
  const saved = signal<Postmortem | null>(null);
  const draft = signal<PostmortemDraft | null>(null);
  const saving = signal(false);
  const error = signal<string | null>(null);
  // No polling: a reload would overwrite what is being typed. One load per postmortem opened.
  let loadsFor: number | null = null;
  let controller: AbortController | undefined;

  const load = async (id: number) => {
    controller?.abort();
    const own = new AbortController();
    controller = own;
    try {
      const postmortem = await api.postmortem(id, own.signal);
      if (own.signal.aborted) return;
      saved.value = postmortem;
      draft.value = { title: postmortem.title, markdown: postmortem.markdown, actionItems: postmortem.actionItems };
      error.value = null;
    } catch (failure) {
      if (!own.signal.aborted) error.value = describeFailure(failure);
    }
  };
  const change = (update: (current: PostmortemDraft) => PostmortemDraft) => {
    const current = draft.peek();
    if (current !== null) draft.value = update(current);
  };

  let stopFollowing: (() => void) | undefined;
  return {
    saved,
    draft,
    dirty: computed(() => {
      const current = saved.value;
      return current !== null && draft.value !== null && !sameDraft(current, draft.value);
    }),
    saving,
    error,
    setTitle: (title) => change((d) => ({ ...d, title })),
    setMarkdown: (markdown) => change((d) => ({ ...d, markdown })),
    editItems: (edit) => change((d) => ({ ...d, actionItems: editActionItems(d.actionItems, edit) })),
    async save(status) {
      const current = saved.peek();
      const edited = draft.peek();
      if (current === null || edited === null || saving.peek()) return;
      saving.value = true;
      try {
        const title = edited.title.trim() || current.title;
        const answer = await api.updatePostmortem(current.id, {
          title,
          markdown: edited.markdown,
          actionItems: cleanActionItems(edited.actionItems),
          ...(status ? { status } : {}),
        });
        saved.value = answer;
        draft.value = { title: answer.title, markdown: answer.markdown, actionItems: answer.actionItems };
        error.value = null;
      } catch (failure) {
        error.value = describeFailure(failure);
      } finally {
        saving.value = false;
      }
    },
    start() {
      stopFollowing = effect(() => {
        const id = options.id.value;
        if (id === loadsFor) return;
        loadsFor = id;
        saved.value = null;
        draft.value = null;
        error.value = null;
        if (id !== null) void load(id);
      });
    },
    stop() {
      stopFollowing?.();
      controller?.abort();
      loadsFor = null;
    },
  };
}
