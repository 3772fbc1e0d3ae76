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

/** The demo config, its checks pointed at the demo target (a base URL like http://127.0.0.1:41234). */
export function loadDemoConfig(opts: { demoTarget: string; registry: ProbeRegistry }): VigilConfig {
  return loadConfigText(demoConfigText(), {
    file: DEMO_SOURCE,
    env: {},
    vars: { demo_target: opts.demoTarget.replace(/\/+$/, '') },
    registry: opts.registry,
  });
}
