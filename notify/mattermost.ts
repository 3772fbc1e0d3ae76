// Mattermost incoming webhook: Slack-compatible attachments (colour bar, title linked to the incident,
// fields), Markdown links to the runbook. Mattermost cuts a post at 16,383 characters.
import { z } from 'zod';
import type { Secret } from '../lib/secret.js';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { actorNote, alertSentence, changeWord, incidentUrl, messageTitle, truncate, whereOf } from './text.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';

export const MATTERMOST_LIMITS = { postText: 16_383, attachments: 20 } as const;

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Incoming webhook URL: "${MATTERMOST_WEBHOOK_URL}"' }),
  channel: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
});

export type MattermostConfig = z.output<typeof schema>;

const COLORS: Record<string, string> = { resolved: '#2eb67d', acknowledged: '#ecb22e', page: '#e01e5a', ticket: '#ecb22e', info: '#36c5f0' };

/** Mattermost Markdown: escape the characters that start formatting. */
function mdEscape(text: string): string {
  return text.replace(/([\\`*_[\]<>#|~])/g, '\\$1');
}

export const mattermost: ReceiverKind<MattermostConfig> = {
  kind: 'mattermost',
  schema,
  render({ config, message, baseUrl }) {
    const shown = message.alerts.slice(0, MATTERMOST_LIMITS.attachments);
    const budget = Math.floor(MATTERMOST_LIMITS.postText / Math.max(1, shown.length + 1));
    const attachments = shown.map((alert) => {
      const { incident } = alert;
      const links = [`[Incident](${incidentUrl(baseUrl, incident.id)})`, incident.runbook ? `[Runbook](${incident.runbook})` : null].filter(Boolean);
      const text = [mdEscape(alertSentence(alert)), actorNote(alert), links.join(' · ')].filter(Boolean).join('\n');
      const color = incident.state === 'resolved' ? COLORS.resolved : alert.change === 'acknowledged' ? COLORS.acknowledged : COLORS[incident.severity];
      return {
        fallback: truncate(`${changeWord(alert)} ${incident.rule} ${whereOf(incident)}`, 300),
        color,
        title: truncate(`${changeWord(alert)}: ${incident.rule}`, 250),
        title_link: incidentUrl(baseUrl, incident.id),
        text: truncate(text, budget),
        fields: [
          { short: true, title: 'Severity', value: incident.severity },
          { short: true, title: 'env/service', value: whereOf(incident) || '—' },
        ],
      };
    });
    const hidden = message.alerts.length - shown.length;
    const title = messageTitle(message) + (hidden > 0 ? ` (and ${hidden} more)` : '');
    return jsonRequest(config.url as Secret, {
      text: truncate(mdEscape(message.kind === 'test' ? `${title}\nThis is a test message from Vigil.` : title), budget),
      attachments,
      ...(config.channel ? { channel: config.channel } : {}),
      ...(config.username ? { username: config.username } : {}),
    });
  },
  renderReport({ config, report, baseUrl }) {
    const text = [`**${mdEscape(reportTitle(report))}**`, ...reportLines(report).map(mdEscape), `[Full report](${reportUrl(baseUrl, report.id)})`].join('\n');
    return jsonRequest(config.url as Secret, {
      text: truncate(text, MATTERMOST_LIMITS.postText),
      ...(config.channel ? { channel: config.channel } : {}),
      ...(config.username ? { username: config.username } : {}),
    });
  },
  classify: (answer) => classifyHttp(answer, [404, 410]),
};
