// Discord webhook: `content` (at most 2,000 characters) and up to 10 embeds; an embed's title at most
// 256, description 4,096, 25 fields (name 256, value 1,024), footer 2,048, and all embeds together at
// most 6,000 characters. Mentions are disabled: an incident summary must not ping @everyone.
import { z } from 'zod';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';
import { actorNote, alertSentence, changeWord, incidentUrl, messageTitle, truncate, whereOf } from './text.js';

export const DISCORD_LIMITS = { content: 2000, embeds: 10, title: 256, description: 4096, fieldName: 256, fieldValue: 1024, footer: 2048, total: 6000 } as const;

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Discord webhook URL: "${DISCORD_WEBHOOK_URL}"' }),
  username: z.string().min(1).max(80).optional(),
});

export type DiscordConfig = z.output<typeof schema>;

const COLOR: Record<string, number> = { resolved: 0x2eb67d, acknowledged: 0xecb22e, page: 0xe01e5a, ticket: 0xecb22e, info: 0x36c5f0 };

/** Characters an embed counts towards the 6,000 total. */
function embedSize(embed: { title: string; description: string; fields: Array<{ name: string; value: string }>; footer: { text: string } }): number {
  return embed.title.length + embed.description.length + embed.footer.text.length + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
}

export const discord: ReceiverKind<DiscordConfig> = {
  kind: 'discord',
  schema,
  render({ config, message, baseUrl }) {
    const embeds = [];
    let total = 0;
    for (const alert of message.alerts.slice(0, DISCORD_LIMITS.embeds)) {
      const { incident } = alert;
      const links = [`[Incident #${incident.id}](${incidentUrl(baseUrl, incident.id)})`, incident.runbook ? `[Runbook](${incident.runbook})` : null];
      const embed = {
        title: truncate(`${changeWord(alert)}: ${incident.rule}`, DISCORD_LIMITS.title),
        url: incidentUrl(baseUrl, incident.id),
        description: truncate([alertSentence(alert), actorNote(alert), links.filter(Boolean).join(' · ')].filter(Boolean).join('\n'), 1500),
        color: incident.state === 'resolved' ? COLOR.resolved : alert.change === 'acknowledged' ? COLOR.acknowledged : COLOR[incident.severity],
        fields: [
          { name: 'Severity', value: incident.severity, inline: true },
          { name: 'env/service', value: truncate(whereOf(incident) || '—', DISCORD_LIMITS.fieldValue), inline: true },
        ],
        footer: { text: 'Vigil' },
        timestamp: new Date(alert.at).toISOString(),
      };
      const size = embedSize(embed);
      if (total + size > DISCORD_LIMITS.total) break;
      total += size;
      embeds.push(embed);
    }
    const hidden = message.alerts.length - embeds.length;
    const content = [messageTitle(message), message.kind === 'test' ? 'This is a test message from Vigil.' : null, hidden > 0 ? `and ${hidden} more: ${baseUrl}/#/incidents` : null]
      .filter(Boolean)
      .join('\n');
    return jsonRequest(config.url, {
      content: truncate(content, DISCORD_LIMITS.content),
      embeds,
      allowed_mentions: { parse: [] },
      ...(config.username ? { username: config.username } : {}),
    });
  },
  renderReport({ config, report, baseUrl }) {
    const url = reportUrl(baseUrl, report.id);
    const embed = {
      title: truncate(reportTitle(report), DISCORD_LIMITS.title),
      url,
      // The 6,000 total leaves the title and footer their room.
      description: truncate(`${reportLines(report).join('\n')}\n[Full report](${url})`, DISCORD_LIMITS.total - DISCORD_LIMITS.title - 100),
      color: report.servicesMissed > 0 ? COLOR.page : COLOR.resolved,
      footer: { text: 'Vigil' },
      timestamp: new Date(report.generatedAt).toISOString(),
    };
    return jsonRequest(config.url, {
      content: truncate(reportTitle(report), DISCORD_LIMITS.content),
      embeds: [embed],
      allowed_mentions: { parse: [] },
      ...(config.username ? { username: config.username } : {}),
    });
  },
  // 404 Unknown Webhook: it was deleted.
  classify: (answer) => classifyHttp(answer, [404, 410]),
};
