// Debian's chromium driven by playwright-core (browser downloads are not reachable here, and the
// package needs none): headless, no sandbox (CI runs as root), a fresh profile, no network
// besides what the page asks of 127.0.0.1. Also used by bench/console.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env['SAGESIM_CHROMIUM'] ?? '/usr/bin/chromium';

export interface LaunchedChromium extends AsyncDisposable {
  /** A persistent context over the fresh profile (playwright's way to own --user-data-dir). */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium), or point SAGESIM_CHROMIUM at a Chromium binary`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'sagesim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
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
    viewport: { width: 1440, height: 900 },
  });
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close, [Symbol.asyncDispose]: close };
}
