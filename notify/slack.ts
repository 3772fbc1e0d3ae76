// Slack incoming webhook with Block Kit: a header, a section per alert (severity, env/service, value),
// runbook and dashboard buttons. Slack's limits: 50 blocks a message, 3,000 characters a section's text,
// 150 a header, 75 a button label, 3,000 a button URL; alerts past the room left are counted in a context line.
import { z } from 'zod';
import type { Secret } from '../lib/secret.js';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { actorNote, alertSentence, changeWord, extraLabels, incidentUrl, messageTitle, truncate, whereOf } from './text.js';
import type { MessageAlert } from './types.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, buttonText: 75, url: 3000, fallbackText: 3000 } as const;
/** Text of all sections together: a readable message, well under what Slack accepts in one post. */
const TOTAL_SECTION_TEXT = 24_000;

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Incoming webhook URL: "${SLACK_WEBHOOK_URL}"' }),
  channel: z.string().min(1).optional().meta({ description: 'Override the webhook\'s channel (legacy webhooks only)' }),
});

export type SlackConfig = z.output<typeof schema>;

const SEVERITY_EMOJI: Record<string, string> = { page: ':rotating_light:', ticket: ':warning:', info: ':information_source:' };

/** Slack mrkdwn escapes: &, < and > only (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

type Block = Record<string, unknown>;

/** A section, its buttons and a divider per alert: three blocks. */
export function slackAlertBlocks(alert: MessageAlert, baseUrl: string, maxText: number = SLACK_LIMITS.sectionText): Block[] {
  const { incident } = alert;
  const lines = [
    `${SEVERITY_EMOJI[incident.severity] ?? ''} *${slackEscape(changeWord(alert))}* · *${slackEscape(incident.rule)}* · severity \`${incident.severity}\``,
    whereOf(incident) ? `*env/service:* ${slackEscape(whereOf(incident))}` : null,
    slackEscape(alertSentence(alert)),
    actorNote(alert),
    ...extraLabels(incident.labels).map(([k, v]) => `${slackEscape(k)}=\`${slackEscape(v)}\``),
  ].filter((line): line is string => line !== null && line !== '');
  const buttons: Block[] = [
    button('Incident', incidentUrl(baseUrl, incident.id), 'primary'),
    ...(incident.runbook ? [button('Runbook', incident.runbook)] : []),
  ];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), Math.min(maxText, SLACK_LIMITS.sectionText)) } },
    { type: 'actions', elements: buttons },
    { type: 'divider' },
  ];
}

function button(label: string, url: string, style?: 'primary'): Block {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(label, SLACK_LIMITS.buttonText) },
    url: truncate(url, SLACK_LIMITS.url),
    ...(style ? { style } : {}),
  };
}

export const slack: ReceiverKind<SlackConfig> = {
  kind: 'slack',
  schema,
  render({ config, message, baseUrl }) {
    const title = messageTitle(message);
    const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText) } }];
    // Room for the header and one closing context line.
    const room = Math.floor((SLACK_LIMITS.blocks - 2) / 3);
    const shown = message.alerts.slice(0, room);
    const perSection = Math.floor(TOTAL_SECTION_TEXT / Math.max(1, shown.length));
    for (const alert of shown) blocks.push(...slackAlertBlocks(alert, baseUrl, perSection));
    const hidden = message.alerts.length - shown.length;
    const footer = hidden > 0 ? `and ${hidden} more — see the dashboard: ${baseUrl}/#/incidents` : `Vigil · ${baseUrl}/#/incidents`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(slackEscape(footer), SLACK_LIMITS.sectionText) }] });
    if (message.kind === 'test') blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: 'This is a test message from Vigil.' } });
    const fallback = [title, ...message.alerts.map((a) => alertSentence(a))].join('\n');
    return jsonRequest(config.url as Secret, {
      text: truncate(fallback, SLACK_LIMITS.fallbackText),
      blocks,
      ...(config.channel ? { channel: config.channel } : {}),
    });
  },
  renderReport({ config, report, baseUrl }) {
    const title = reportTitle(report);
    const lines = reportLines(report);
    return jsonRequest(config.url as Secret, {
      text: truncate(title, SLACK_LIMITS.fallbackText),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText) } },
        { type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(lines.join('\n')), SLACK_LIMITS.sectionText) } },
        { type: 'actions', elements: [button('Full report', reportUrl(baseUrl, report.id), 'primary')] },
      ],
      ...(config.channel ? { channel: config.channel } : {}),
    });
  },
  // Slack answers 404 no_service / 403 invalid_token for a removed webhook, 410 channel_is_archived.
  classify: (answer) => classifyHttp(answer, [404, 410]),
};
