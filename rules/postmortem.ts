// A postmortem drafted from an incident: the sections a blameless postmortem has, with what Vigil
// knows already filled in (impact, detection, the timeline from the incident's events) and the rest
// left as prompts for the author. A pure function of the incident, its events and the time.
import type { ActionItem, Incident, IncidentEvent } from '../store/types.js';

/** The Markdown and first action items of a new postmortem of `incident`. */
export function draftPostmortem(
  incident: Incident,
  timeline: readonly IncidentEvent[],
  at: number,
): { title: string; markdown: string; actionItems: ActionItem[] } {
  const title = `Postmortem: ${incident.summary}`;
  const where = [incident.env, incident.service, incident.check].filter((part) => part !== null).join('/') || 'n/a';
  const end = incident.resolvedAt ?? at;
  const lines = [
    `# ${title}`,
    '',
    `- **Incident:** #${incident.id} (${incident.rule}, severity ${incident.severity})`,
    `- **Where:** ${where}`,
    `- **Opened:** ${iso(incident.openedAt)}`,
    `- **Acknowledged:** ${incident.acknowledgedAt === null ? 'never' : `${iso(incident.acknowledgedAt)} by ${incident.acknowledgedBy ?? 'unknown'} (after ${formatSpan(incident.acknowledgedAt - incident.openedAt)})`}`,
    `- **Resolved:** ${incident.resolvedAt === null ? `not yet (open for ${formatSpan(end - incident.openedAt)} when drafted)` : `${iso(incident.resolvedAt)}${incident.resolvedBy ? ` by ${incident.resolvedBy}` : ' (the rule recovered)'} (after ${formatSpan(incident.resolvedAt - incident.openedAt)})`}`,
    ...(incident.runbook ? [`- **Runbook:** ${incident.runbook}`] : []),
    '',
    '## Summary',
    '',
    '_What happened, in two or three sentences a reader outside the team understands._',
    '',
    '## Impact',
    '',
    `${where} was affected for ${formatSpan(end - incident.openedAt)}${incident.reopenCount > 0 ? `, reopened ${incident.reopenCount} time${incident.reopenCount === 1 ? '' : 's'}` : ''}.`,
    '_Who noticed, what they could not do, and how much error budget it cost._',
    '',
    '## Detection',
    '',
    `Vigil's rule ${incident.rule} opened the incident at ${iso(incident.openedAt)}${incident.lastValue === null ? '' : ` (last value ${formatValue(incident.lastValue)})`}.`,
    '_Was that early enough? What would have caught it sooner?_',
    '',
    '## Timeline (UTC)',
    '',
    '| time | event | by | details |',
    '|---|---|---|---|',
    ...timeline.map((event) => `| ${iso(event.at)} | ${event.kind} | ${cell(event.actor ?? 'Vigil')} | ${cell(eventDetails(event))} |`),
    '',
    '## Root cause',
    '',
    '_Why it happened; keep asking why until the answer is something the team can change._',
    '',
    '## Resolution',
    '',
    '_What fixed it, and what was tried first._',
    '',
    '## Action items',
    '',
    '_Kept as structured items beside this text (owner and status), so the history shows what is still open._',
    '',
  ];
  return {
    title,
    markdown: lines.join('\n'),
    actionItems: [{ title: `Review the runbook${incident.runbook ? '' : ' (none is linked)'} for ${incident.rule}`, owner: null, status: 'open' }],
  };
}

function eventDetails(event: IncidentEvent): string {
  const parts = [event.text, event.value === null ? null : `value ${formatValue(event.value)}`].filter((part) => part !== null);
  return parts.join('; ');
}

/** A table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}
