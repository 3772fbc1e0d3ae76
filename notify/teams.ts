// Microsoft Teams through a Workflows (Power Automate) webhook: a message with one Adaptive Card 1.4
// attachment (the Office 365 connector MessageCard is retired). Teams refuses a message over ~28 KB,
// so the card holds a bounded number of alerts and cuts long text.
import { z } from 'zod';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';
import { actorNote, alertSentence, changeWord, incidentUrl, messageTitle, truncate, whereOf } from './text.js';

export const TEAMS_LIMITS = { alerts: 10, text: 2000, actions: 6 } as const;

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Workflows webhook URL: "${TEAMS_WORKFLOW_URL}"' }),
});

export type TeamsConfig = z.output<typeof schema>;

const COLOR: Record<string, string> = { page: 'attention', ticket: 'warning', info: 'accent' };

/** A Workflows message holding one Adaptive Card 1.4. */
function cardMessage(body: unknown[], actions: unknown[]) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, actions },
      },
    ],
  };
}

export const teams: ReceiverKind<TeamsConfig> = {
  kind: 'teams',
  schema,
  render({ config, message, baseUrl }) {
    const shown = message.alerts.slice(0, TEAMS_LIMITS.alerts);
    const body: unknown[] = [{ type: 'TextBlock', text: truncate(messageTitle(message), 200), weight: 'Bolder', size: 'Large', wrap: true }];
    if (message.kind === 'test') body.push({ type: 'TextBlock', text: 'This is a test message from Vigil.', wrap: true });
    const actions: unknown[] = [];
    for (const alert of shown) {
      const { incident } = alert;
      body.push(
        {
          type: 'TextBlock',
          text: truncate(`${changeWord(alert)}: ${incident.rule}`, 200),
          weight: 'Bolder',
          color: incident.state === 'resolved' ? 'good' : (COLOR[incident.severity] ?? 'default'),
          wrap: true,
          separator: true,
        },
        { type: 'TextBlock', text: truncate([alertSentence(alert), actorNote(alert)].filter(Boolean).join(' — '), TEAMS_LIMITS.text), wrap: true },
        {
          type: 'FactSet',
          facts: [
            { title: 'Severity', value: incident.severity },
            { title: 'env/service', value: whereOf(incident) || '—' },
            { title: 'Incident', value: `[#${incident.id}](${incidentUrl(baseUrl, incident.id)})` },
            ...(incident.runbook ? [{ title: 'Runbook', value: `[${truncate(incident.runbook, 200)}](${incident.runbook})` }] : []),
          ],
        },
      );
      if (actions.length < TEAMS_LIMITS.actions) actions.push({ type: 'Action.OpenUrl', title: `Incident #${incident.id}`, url: incidentUrl(baseUrl, incident.id) });
      if (incident.runbook && actions.length < TEAMS_LIMITS.actions) actions.push({ type: 'Action.OpenUrl', title: 'Runbook', url: incident.runbook });
    }
    const hidden = message.alerts.length - shown.length;
    if (hidden > 0) body.push({ type: 'TextBlock', text: `and ${hidden} more: ${baseUrl}/#/incidents`, wrap: true, isSubtle: true });
    return jsonRequest(config.url, cardMessage(body, actions));
  },
  renderReport({ config, report, baseUrl }) {
    const body = [
      { type: 'TextBlock', text: truncate(reportTitle(report), 200), weight: 'Bolder', size: 'Large', wrap: true },
      ...reportLines(report).map((line) => ({ type: 'TextBlock', text: truncate(line, TEAMS_LIMITS.text), wrap: true, spacing: 'None' })),
    ];
    const actions = [{ type: 'Action.OpenUrl', title: 'Full report', url: reportUrl(baseUrl, report.id) }];
    return jsonRequest(config.url, cardMessage(body, actions));
  },
  classify: (answer) => classifyHttp(answer, [404, 410]),
};
