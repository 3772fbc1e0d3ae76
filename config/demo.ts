// The embedded demo config: three environments probing the built-in demo target.
import { readFileSync } from 'node:fs';
import type { ProbeRegistry } from '../probes/probe.js';
import { ConfigError } from '../lib/errors.js';
import type { VigilConfig } from './types.js';
import { loadConfigText } from './load.js';

/** `VigilConfig.source` of the demo config. */
export const DEMO_SOURCE = 'embedded demo';

// Next to this module in the source tree; from dist/config/, the file stays in the project's config/.
const DEMO_FILES = [new URL('./demo.yaml', import.meta.url), new URL('../../config/demo.yaml', import.meta.url)];

/** The text of config/demo.yaml. */
export function demoConfigText(): string {
  for (const file of DEMO_FILES) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new ConfigError([{ file: DEMO_SOURCE, line: null, path: '', message: 'cannot find config/demo.yaml' }]);
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
