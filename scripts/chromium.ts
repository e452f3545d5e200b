/**
 * Debian's Chromium as the demo and the browser tests start it. These machines cannot download a
 * browser, so playwright-core drives the system's (`scripts/bootstrap.mjs` installs it for `npm test`).
 */
import { existsSync } from 'node:fs';

/** Where the browser is looked for; WIREPACK_CHROMIUM overrides it. */
export const CHROMIUM: string = process.env.WIREPACK_CHROMIUM ?? '/usr/bin/chromium';

/** Whether {@link CHROMIUM} exists (the callers skip, or say how to get it, when it does not). */
export const hasChromium: boolean = existsSync(CHROMIUM);

/**
 * Options for playwright-core's `chromium.launch` and `launchPersistentContext`. Without the
 * background-networking flags Chromium tries Google's hosts at every start, and this machine's closed
 * network refuses them many at a time; `--no-sandbox` because the tests run as root.
 */
export const CHROMIUM_LAUNCH_OPTIONS: {
  readonly executablePath: string;
  readonly headless: true;
  readonly args: string[];
} = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
