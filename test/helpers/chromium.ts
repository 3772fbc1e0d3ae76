import { chromium, type Browser } from 'playwright-core';

/** Headless Debian Chromium, as in test/e2e/dashboard.test.ts; never a downloaded browser, never a connection off this machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
