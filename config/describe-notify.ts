// What `vigil check` prints about notifications: the receivers, and which route each service's
// incidents take in each environment, per severity. Names only: no receiver's config (secrets) is shown.
import { matchRoutes, notifyPlan } from '../notify/routing.js';
import type { ReceiverRegistry } from '../notify/receiver.js';
import { formatDuration } from '../lib/duration.js';
import { SEVERITIES } from '../store/types.js';
import type { VigilConfig } from './types.js';

export function describeNotify(config: VigilConfig, receivers: ReceiverRegistry): string {
  const { notify } = config;
  if (notify.receivers.length === 0 && notify.routes.length === 0) return '';
  const plan = notifyPlan(notify, receivers);
  const lines = ['', `notify: ${notify.receivers.map((r) => `${r.name} (${r.kind})`).join(', ') || 'no receivers'}; ${notify.routes.length} route${notify.routes.length === 1 ? '' : 's'}`];
  for (const env of config.environments) {
    for (const service of config.services.filter((s) => s.environments.includes(env))) {
      const parts = SEVERITIES.map((severity) => {
        const routes = matchRoutes({ env, service: service.name, severity }, plan.routes);
        if (routes.length === 0) return `${severity} → nobody`;
        const targets = routes.map((r) => {
          const escalate = r.escalate.map((s) => `, after ${formatDuration(s.afterMs)} ${s.to.join(', ')}`).join('');
          return `${r.to.join(', ')} (route ${r.index + 1}${escalate})`;
        });
        return `${severity} → ${targets.join(' + ')}`;
      });
      lines.push(`  ${env}/${service.name}: ${parts.join(' · ')}`);
    }
  }
  return `${config.secrets.scrub(lines.join('\n'))}\n`;
}
