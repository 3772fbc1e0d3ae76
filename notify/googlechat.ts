// Google Chat incoming webhook: a text fallback and one cardsV2 card (header, a section per alert with
// decorated text and buttons to the incident and the runbook). Google Chat's message limit is 32,000 bytes.
import { z } from 'zod';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { actorNote, alertSentence, changeWord, incidentUrl, messageTitle, truncate, whereOf } from './text.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';

export const GOOGLE_CHAT_LIMITS = { sections: 20, text: 1500, totalText: 16_000 } as const;

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Google Chat space webhook URL (with its key and token): "${GCHAT_WEBHOOK_URL}"' }),
});

export type GoogleChatConfig = z.output<typeof schema>;

/** Google Chat's card text is a small HTML subset: escape it. */
function htmlEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Escaped, then cut to `max` characters without leaving half an entity. */
function escapedTruncate(text: string, max: number): string {
  return truncate(htmlEscape(text), max).replace(/&[a-z]*…$/, '…');
}

export const googlechat: ReceiverKind<GoogleChatConfig> = {
  kind: 'googlechat',
  schema,
  render({ config, message, baseUrl, key }) {
    const title = messageTitle(message);
    const shown = message.alerts.slice(0, GOOGLE_CHAT_LIMITS.sections);
    const perSection = Math.min(GOOGLE_CHAT_LIMITS.text, Math.floor(GOOGLE_CHAT_LIMITS.totalText / Math.max(1, shown.length)));
    const sections = shown.map((alert) => {
      const { incident } = alert;
      const buttons = [{ text: `Incident #${incident.id}`, onClick: { openLink: { url: incidentUrl(baseUrl, incident.id) } } }];
      if (incident.runbook) buttons.push({ text: 'Runbook', onClick: { openLink: { url: incident.runbook } } });
      return {
        header: htmlEscape(truncate(`${changeWord(alert)}: ${incident.rule}`, 200)),
        widgets: [
          { decoratedText: { topLabel: `severity ${incident.severity} · ${htmlEscape(whereOf(incident) || '—')}`, text: escapedTruncate([alertSentence(alert), actorNote(alert)].filter(Boolean).join(' — '), perSection), wrapText: true } },
          { buttonList: { buttons } },
        ],
      };
    });
    const hidden = message.alerts.length - shown.length;
    if (hidden > 0 || message.kind === 'test') {
      const text = message.kind === 'test' ? 'This is a test message from Vigil.' : `and ${hidden} more: ${baseUrl}/#/incidents`;
      sections.push({ header: '', widgets: [{ decoratedText: { topLabel: '', text: htmlEscape(text), wrapText: true } }] as never });
    }
    return jsonRequest(config.url, {
      text: truncate(title, 4000),
      cardsV2: [{ cardId: `vigil-${key}`.slice(0, 64), card: { header: { title: truncate(title, 200), subtitle: 'Vigil' }, sections } }],
    });
  },
  renderReport({ config, report, baseUrl, key }) {
    const title = reportTitle(report);
    const widgets = [
      { decoratedText: { topLabel: '', text: escapedTruncate(reportLines(report).join('\n'), GOOGLE_CHAT_LIMITS.totalText), wrapText: true } },
      { buttonList: { buttons: [{ text: 'Full report', onClick: { openLink: { url: reportUrl(baseUrl, report.id) } } }] } },
    ];
    return jsonRequest(config.url, {
      text: truncate(title, 4000),
      cardsV2: [{ cardId: `vigil-${key}`.slice(0, 64), card: { header: { title: truncate(title, 200), subtitle: 'Vigil' }, sections: [{ header: '', widgets }] } }],
    });
  },
  classify: (answer) => classifyHttp(answer, [404, 410]),
};
