// Pushes alerts to a real Alertmanager (POST /api/v2/alerts), as Prometheus does, for teams that
// already route there. A firing alert is sent with an `endsAt` of `ttl` ahead: Alertmanager resolves an
// alert it has not heard of past its endsAt, so the route's repeat interval must be shorter than `ttl`.
// A resolved alert is sent with its real end, which resolves it at once.
import { z } from 'zod';
import { duration } from '../lib/duration.js';
import { classifyHttp, httpUrl, jsonRequest, secretString, type ReceiverKind } from './receiver.js';
import { annotationsOf, labelsOf } from './alertmanager-webhook.js';
import { incidentUrl, iso } from './text.js';

const schema = z.strictObject({
  url: httpUrl().meta({ description: 'The Alertmanager: "http://alertmanager:9093" (alerts go to /api/v2/alerts)' }),
  ttl: duration().prefault('24h').meta({ description: 'How long a firing alert lasts in Alertmanager without news (default 24h); keep repeat below it' }),
  bearer_token: secretString().optional().meta({ description: 'Sent as Authorization: Bearer (a proxy in front of Alertmanager)' }),
});

export type AlertmanagerConfig = z.output<typeof schema>;

export const alertmanager: ReceiverKind<AlertmanagerConfig> = {
  kind: 'alertmanager',
  schema,
  render({ config, message, baseUrl, at }) {
    const alerts = message.alerts.map((alert) => {
      const { incident } = alert;
      return {
        labels: labelsOf(incident),
        annotations: annotationsOf(alert, baseUrl),
        startsAt: iso(incident.openedAt),
        endsAt: iso(incident.resolvedAt ?? at + config.ttl),
        generatorURL: incidentUrl(baseUrl, incident.id),
      };
    });
    const url = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`;
    return jsonRequest(url, alerts, config.bearer_token ? { authorization: `Bearer ${config.bearer_token.reveal()}` } : {});
  },
  classify: (answer) => classifyHttp(answer),
};
