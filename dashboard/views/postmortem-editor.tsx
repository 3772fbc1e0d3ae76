import { computed } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import { formatDateTime } from '../format.js';
import { renderMarkdown } from '../markdown.js';
import type { PostmortemEditorModel } from '../models/postmortems.js';
import type { ViewProps } from './overview.js';

/** `#/postmortems/<id>`: Markdown beside its preview, the action items, Save and Publish. */
export function PostmortemEditorView({ models }: ViewProps) {
  const editor = models.postmortem;
  const saved = editor.saved.value;
  if (saved === null || editor.draft.peek() === null) {
    return (
      <main class="page page--empty">
        <p>{editor.error.value ?? 'Loading postmortem…'}</p>
        <a href="#/postmortems">All postmortems</a>
      </main>
    );
  }
  const published = saved.status === 'published';
  return (
    <main class="page postmortem" data-testid="postmortem" data-status={saved.status}>
      <div class="postmortem__bar">
        <a class="back" href="#/postmortems">
          ← Postmortems
        </a>
        <a class="back" href={`#/incidents/${saved.incidentId}`}>
          Incident #{saved.incidentId}
        </a>
        <span class={`pm-status pm-status--${saved.status}`} data-testid="postmortem-status">
          {saved.status}
        </span>
        <span class="muted">
          {published && saved.publishedAt !== null ? `published ${formatDateTime(saved.publishedAt)}` : `saved ${formatDateTime(saved.updatedAt)}`}
          {saved.author ? ` · by ${saved.author}` : ''}
        </span>
        <SaveButtons editor={editor} />
      </div>
      <TitleField editor={editor} />
      {editor.error.value ? (
        <p class="panel__error" role="alert">
          {editor.error.value}
        </p>
      ) : null}
      <div class="postmortem__panes">
        <MarkdownField editor={editor} />
        <Preview editor={editor} />
      </div>
      <ActionItems editor={editor} />
    </main>
  );
}

function SaveButtons({ editor }: { editor: PostmortemEditorModel }) {
  const saved = editor.saved.value!;
  const busy = editor.saving.value;
  const dirty = editor.dirty.value;
  return (
    <div class="postmortem__save">
      {dirty ? <span class="unsaved">Unsaved changes</span> : null}
      <button type="button" class="button" disabled={busy || !dirty} onClick={() => void editor.save()} data-testid="save">
        Save
      </button>
      {saved.status === 'draft' ? (
        <button type="button" class="button button--primary" disabled={busy} onClick={() => void editor.save('published')} data-testid="publish">
          Publish
        </button>
      ) : (
        <button type="button" class="button" disabled={busy} onClick={() => void editor.save('draft')} data-testid="unpublish">
          Back to draft
        </button>
      )}
    </div>
  );
}

function TitleField({ editor }: { editor: PostmortemEditorModel }) {
  return (
    <input
      class="input postmortem__title"
      aria-label="Title"
      value={editor.draft.value?.title ?? ''}
      maxLength={300}
      onInput={(event) => editor.setTitle(event.currentTarget.value)}
    />
  );
}

function MarkdownField({ editor }: { editor: PostmortemEditorModel }) {
  return (
    <label class="postmortem__pane">
      <span class="panel__title">Markdown</span>
      <textarea
        class="input postmortem__markdown"
        spellcheck
        value={editor.draft.value?.markdown ?? ''}
        onInput={(event) => editor.setMarkdown(event.currentTarget.value)}
        data-testid="markdown"
      />
    </label>
  );
}

function Preview({ editor }: { editor: PostmortemEditorModel }) {
  // Rendered from the draft's Markdown alone: a title or action-item keystroke does not re-render it.
  const html = useMemo(() => computed(() => renderMarkdown(editor.draft.value?.markdown ?? '')), [editor]).value;
  return (
    <section class="postmortem__pane" aria-label="Preview">
      <span class="panel__title">Preview</span>
      {/* renderMarkdown escapes every input character and writes only its own tags and http(s) hrefs. */}
      <div class="markdown" data-testid="preview" dangerouslySetInnerHTML={{ __html: html }} />
    </section>
  );
}

function ActionItems({ editor }: { editor: PostmortemEditorModel }) {
  const items = editor.draft.value?.actionItems ?? [];
  return (
    <section class="panel action-items" aria-labelledby="action-items-title">
      <div class="panel__head">
        <h3 id="action-items-title" class="panel__title">
          Action items
        </h3>
        <span class="panel__note">{items.filter((item) => item.status === 'open').length} open</span>
      </div>
      <ul class="action-items__list" data-testid="action-items">
        {items.map((item, index) => (
          <li key={index} class={`action-item action-item--${item.status}`}>
            <input
              type="checkbox"
              aria-label="Done"
              checked={item.status === 'done'}
              onChange={(event) => editor.editItems({ kind: 'change', index, change: { status: event.currentTarget.checked ? 'done' : 'open' } })}
            />
            <input
              class="input action-item__title"
              aria-label="Action"
              placeholder="What will be done"
              value={item.title}
              onInput={(event) => editor.editItems({ kind: 'change', index, change: { title: event.currentTarget.value } })}
            />
            <input
              class="input action-item__owner"
              aria-label="Owner"
              placeholder="owner"
              value={item.owner ?? ''}
              onInput={(event) => editor.editItems({ kind: 'change', index, change: { owner: event.currentTarget.value } })}
            />
            <button type="button" class="button button--quiet" aria-label="Remove" onClick={() => editor.editItems({ kind: 'remove', index })}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      <button type="button" class="button" onClick={() => editor.editItems({ kind: 'add' })} data-testid="add-action-item">
        + Add action item
      </button>
    </section>
  );
}
