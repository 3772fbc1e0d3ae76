import { useState } from 'preact/hooks';
import type { IncidentDetailResponse } from '../../api/types.js';
import { RelativeTime } from '../components/relative-time.js';
import { RunbookLink } from '../components/runbook-link.js';
import { SeverityBadge, StateBadge } from '../components/severity-badge.js';
import { ApiToken, UserName } from '../components/user-name.js';
import { formatDateTime, formatSpan } from '../format.js';
import { availableActions, describeEvent, type IncidentDetailModel } from '../models/incident-detail.js';
import type { UserModel } from '../models/user.js';
import type { ViewProps } from './overview.js';

/** `#/incidents/<id>`: the incident, its timeline, and acknowledge / resolve / note / postmortem. */
export function IncidentDetailView({ models }: ViewProps) {
  const model = models.incident;
  const detail = model.detail.value;
  if (detail === null) {
    return (
      <main class="page page--empty">
        <p>{model.error.value ?? 'Loading incident…'}</p>
        <a href="#/incidents">All incidents</a>
      </main>
    );
  }
  const { incident } = detail;
  return (
    <main class="page incident-detail" data-testid="incident-detail" data-state={incident.state}>
      <a class="back" href="#/incidents">
        ← Incidents
      </a>
      <section class="panel">
        <div class="incident-detail__head">
          <SeverityBadge severity={incident.severity} />
          <StateBadge state={incident.state} />
          <span class="muted">
            #{incident.id} · {incident.rule}
          </span>
        </div>
        <h2 class="incident-detail__summary">{incident.summary}</h2>
        <dl class="facts">
          <Fact term="Where" value={[incident.env, incident.service, incident.check].filter((part) => part !== null).join(' / ') || '–'} />
          <div class="facts__item">
            <dt>Opened</dt>
            <dd>
              <RelativeTime at={incident.openedAt} now={models.now} showAge={incident.state !== 'resolved'} />
            </dd>
          </div>
          <Fact term="Acknowledged" value={incident.acknowledgedAt === null ? '–' : `${formatDateTime(incident.acknowledgedAt)} by ${incident.acknowledgedBy ?? '?'}`} />
          <Fact term="Resolved" value={incident.resolvedAt === null ? '–' : `${formatDateTime(incident.resolvedAt)}${incident.resolvedBy ? ` by ${incident.resolvedBy}` : ' (recovered)'}`} />
          <Fact term="MTTA" value={formatSpan(incident.mttaSeconds)} />
          <Fact term="MTTR" value={formatSpan(incident.mttrSeconds)} />
          {incident.lastValue !== null ? <Fact term="Last value" value={String(incident.lastValue)} /> : null}
          {incident.reopenCount > 0 ? <Fact term="Reopened" value={`${incident.reopenCount}×`} /> : null}
        </dl>
        <div class="incident-detail__links">
          <RunbookLink url={incident.runbook} label="Open the runbook ↗" />
          <PostmortemLink model={model} detail={detail} />
        </div>
      </section>
      <div class="incident-detail__body">
        <section class="panel" aria-labelledby="timeline-title">
          <h3 id="timeline-title" class="panel__title">
            Timeline
          </h3>
          <Timeline detail={detail} />
        </section>
        <IncidentActions model={model} user={models.user} detail={detail} />
      </div>
    </main>
  );
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div class="facts__item">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function PostmortemLink({ model, detail }: { model: IncidentDetailModel; detail: IncidentDetailResponse }) {
  if (detail.postmortemId !== null) {
    return (
      <a class="button" href={`#/postmortems/${detail.postmortemId}`} data-testid="open-postmortem">
        Open the postmortem
      </a>
    );
  }
  return (
    <button type="button" class="button" disabled={model.pending.value !== null} onClick={() => void model.writePostmortem()} data-testid="write-postmortem">
      {model.pending.value === 'postmortem' ? 'Creating…' : 'Write postmortem'}
    </button>
  );
}

function Timeline({ detail }: { detail: IncidentDetailResponse }) {
  return (
    <ol class="timeline" data-testid="timeline">
      {detail.timeline.map((event) => {
        const { label, by, detail: text } = describeEvent(event);
        return (
          <li key={event.id} class={`timeline__event timeline__event--${event.kind}`} data-kind={event.kind}>
            <time class="timeline__at" dateTime={new Date(event.at).toISOString()}>
              {formatDateTime(event.at, true)}
            </time>
            <span class="timeline__label">{label}</span>
            <span class="timeline__by">{by}</span>
            {text ? <span class="timeline__text">{text}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}

function IncidentActions({ model, user, detail }: { model: IncidentDetailModel; user: UserModel; detail: IncidentDetailResponse }) {
  const [note, setNote] = useState('');
  const can = availableActions(detail.incident);
  const busy = model.pending.value !== null;
  const blocked = busy || !user.known.value;
  return (
    <section class="panel actions" aria-labelledby="actions-title">
      <h3 id="actions-title" class="panel__title">
        Respond
      </h3>
      <UserName user={user} />
      <ApiToken user={user} />
      <div class="actions__buttons">
        {can.acknowledge ? (
          <button type="button" class="button button--primary" disabled={blocked} onClick={() => void model.acknowledge()} data-testid="acknowledge">
            {model.pending.value === 'acknowledge' ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        ) : null}
        {can.resolve ? (
          <button
            type="button"
            class="button button--resolve"
            disabled={blocked}
            onClick={() => void model.resolve(note).then(() => setNote(''))}
            data-testid="resolve"
          >
            {model.pending.value === 'resolve' ? 'Resolving…' : note.trim() ? 'Resolve with note' : 'Resolve'}
          </button>
        ) : null}
      </div>
      <form
        class="actions__note"
        onSubmit={(event) => {
          event.preventDefault();
          void model.addNote(note).then((added) => added && setNote(''));
        }}
      >
        <textarea class="input" rows={3} placeholder="What you see, what you tried…" value={note} onInput={(event) => setNote(event.currentTarget.value)} data-testid="note" />
        <button type="submit" class="button" disabled={blocked || note.trim() === ''} data-testid="add-note">
          {model.pending.value === 'note' ? 'Adding…' : 'Add note'}
        </button>
      </form>
      {!user.known.value ? <p class="muted">Enter your name to act: the timeline records who did what.</p> : null}
      {model.actionError.value ? (
        <p class="panel__error" role="alert">
          {model.actionError.value}
        </p>
      ) : null}
    </section>
  );
}
