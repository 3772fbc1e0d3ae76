// The embedded demo config: three environments probing the built-in demo target.
import { readFileSync } from 'node:fs';
import type { ProbeRegistry } from '../probes/probe.js';
import { ConfigError } from '../lib/errors.js';
import type { VigilConfig } from './types.js';
import { loadConfigText } from './load.js';

/** `VigilConfig.source` of the demo config. */
export const DEMO_SOURCE = 'embedded demo';

/** The text of config/demo.yaml (next to this module; `npm run build:server` copies it into dist/config/). */
export function demoConfigText(): string {
  try {
    return readFileSync(new URL('./demo.yaml', import.meta.url), 'utf8');
  } catch (error) {
    throw new ConfigError([{ file: DEMO_SOURCE, line: null, path: '', message: `cannot read demo.yaml next to ${import.meta.url}: ${(error as Error).message}` }]);
  }
}

/**
 * The demo config, its checks pointed at the demo target (a base URL like http://127.0.0.1:41234, its
 * DNS zone's `127.0.0.1:port` and its TLS port: `{{demo_target}}`, `{{demo_dns}}`, `{{demo_tls_port}}`)
 * and its `demo-hook` receiver at the target's webhook sink, signing with `webhookSecret` (a `whsec_`
 * secret made at start). The two reach the config as `${DEMO_WEBHOOK_URL}` and `${DEMO_WEBHOOK_SECRET}`,
 * the way a real config takes secrets, from this map and never from the process environment.
 */
export function loadDemoConfig(opts: {
  demoTarget: string;
  demoDns: string;
  demoTlsPort: number;
  webhookSecret: string;
  registry: ProbeRegistry;
}): VigilConfig {
  const demoTarget = opts.demoTarget.replace(/\/+$/, '');
  return loadConfigText(demoConfigText(), {
    file: DEMO_SOURCE,
    env: { DEMO_WEBHOOK_URL: `${demoTarget}/webhook`, DEMO_WEBHOOK_SECRET: opts.webhookSecret },
    vars: { demo_target: demoTarget, demo_dns: opts.demoDns, demo_tls_port: String(opts.demoTlsPort) },
    registry: opts.registry,
  });
}

/**
 * The demo config as `vigil export` reads it: its targets and webhook never reach what is exported
 * (rules, dashboards), so placeholders stand in for the demo target's address and signing secret.
 */
export function loadDemoConfigForExport(registry: ProbeRegistry): VigilConfig {
  return loadDemoConfig({
    demoTarget: 'http://demo.invalid',
    demoDns: '127.0.0.1:53',
    demoTlsPort: 443,
    webhookSecret: `whsec_${Buffer.alloc(24).toString('base64')}`,
    registry,
  });
}
