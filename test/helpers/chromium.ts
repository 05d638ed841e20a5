import { type Browser, chromium } from 'playwright-core';

/** Real headless Chromium (Debian's package, installed by scripts/setup.sh --test), quiet and offline. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
