import { useState } from 'preact/hooks';
import type { Silence } from '../../store/types.js';
import { UserName } from '../components/user-name.js';
import { formatDateTime } from '../format.js';
import { formatMatcher, silenceState, type SilenceForm, type SilenceModel } from '../models/silences.js';
import type { ViewProps } from './overview.js';

const EMPTY_FORM: SilenceForm = { matchers: '', duration: '2h', comment: '' };

/** `#/silences`: the silences in force or to come, a form to add one, and Expire. */
export function SilencesView({ models }: ViewProps) {
  const model = models.silences;
  const silences = model.silences.value;
  return (
    <main class="page silences">
      <section class="panel" aria-labelledby="new-silence-title">
        <h2 id="new-silence-title" class="panel__title">
          New silence
        </h2>
        <SilenceCreate models={models} />
      </section>
      <section class="panel" aria-labelledby="silences-title">
        <h2 id="silences-title" class="panel__title">
          Silences
        </h2>
        {silences === null ? <p class="muted">Loading…</p> : silences.length === 0 ? <p class="muted">No silences: every alert notifies.</p> : <SilenceTable model={model} silences={silences} now={models.now()} />}
      </section>
    </main>
  );
}

function SilenceCreate({ models }: ViewProps) {
  const model = models.silences;
  const [form, setForm] = useState(EMPTY_FORM);
  const change = (part: Partial<SilenceForm>) => setForm({ ...form, ...part });
  return (
    <form
      class="silence-form"
      onSubmit={(event) => {
        event.preventDefault();
        void model.create(form).then((created) => created && setForm(EMPTY_FORM));
      }}
    >
      <label class="field field--wide">
        <span class="field__label">Matchers</span>
        <input
          class="input"
          placeholder='env=prod, service=~"api|web"'
          value={form.matchers}
          onInput={(event) => change({ matchers: event.currentTarget.value })}
          data-testid="silence-matchers"
        />
      </label>
      <label class="field">
        <span class="field__label">For</span>
        <input class="input input--short" value={form.duration} onInput={(event) => change({ duration: event.currentTarget.value })} data-testid="silence-duration" />
      </label>
      <label class="field field--wide">
        <span class="field__label">Why</span>
        <input class="input" placeholder="PG 16 upgrade" value={form.comment} onInput={(event) => change({ comment: event.currentTarget.value })} data-testid="silence-comment" />
      </label>
      <UserName user={models.user} />
      <button type="submit" class="button button--primary" disabled={model.busy.value} data-testid="silence-create">
        Silence
      </button>
      {model.error.value ? (
        <p class="panel__error silence-form__error" role="alert">
          {model.error.value}
        </p>
      ) : null}
    </form>
  );
}

function SilenceTable({ model, silences, now }: { model: SilenceModel; silences: readonly Silence[]; now: number }) {
  return (
    <table class="table" data-testid="silence-list">
      <thead>
        <tr>
          <th>Matchers</th>
          <th>State</th>
          <th>From</th>
          <th>Until</th>
          <th>By</th>
          <th>Why</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {silences.map((silence) => {
          const state = silenceState(silence, now);
          return (
            <tr key={silence.id} data-silence={silence.id} data-state={state}>
              <td class="mono">{silence.matchers.map(formatMatcher).join(', ')}</td>
              <td>{state}</td>
              <td>{formatDateTime(silence.startsAt)}</td>
              <td>{formatDateTime(silence.endsAt)}</td>
              <td>{silence.createdBy}</td>
              <td>{silence.comment}</td>
              <td>
                {state !== 'expired' ? (
                  <button type="button" class="button button--quiet" disabled={model.busy.value} onClick={() => void model.expire(silence.id)}>
                    Expire
                  </button>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
