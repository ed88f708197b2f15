import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { waitFor } from './support/engine-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('run-app: which app starts with no arguments, and browser mode on the DEMO site', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-run-app-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const appMode = (env: Record<string, string | undefined>) => {
    const clean = Object.fromEntries(
      Object.entries({ ...process.env, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, ...env }).filter(
        ([, value]) => value !== undefined,
      ),
    ) as unknown as Record<string, string>;
    const result = spawnSync('bash', [join(ROOT, 'build/app-mode.sh')], { env: clean, encoding: 'utf8' });
    return { status: result.status, mode: result.stdout.trim(), why: result.stderr.trim() };
  };

  // app-mode.sh's display check is the Linux one (DISPLAY/WAYLAND_DISPLAY); it runs on Linux and in CI.
  test.skipIf(process.platform !== 'linux')(
    'the mode follows the Electron runtime and the display, without downloading anything',
    async () => {
      // Here the electron package has no runtime (it downloads lazily; there is no network): browser mode.
      const missing = appMode({ DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: undefined });
      if (missing.mode === 'browser') assert.match(missing.why, /runtime is not installed/);
      // A STAND-IN for the Electron binary (an executable file where the runtime would be).
      const fakeDist = join(dir, 'electron-dist');
      await import('node:fs/promises').then((fs) => fs.mkdir(fakeDist, { recursive: true }));
      await writeFile(join(fakeDist, 'electron'), '#!/bin/sh\nexit 0\n');
      await chmod(join(fakeDist, 'electron'), 0o755);
      assert.equal(appMode({ ELECTRON_OVERRIDE_DIST_PATH: fakeDist, DISPLAY: ':0' }).mode, 'electron');
      assert.equal(
        appMode({ ELECTRON_OVERRIDE_DIST_PATH: fakeDist, WAYLAND_DISPLAY: 'wayland-0' }).mode,
        'electron',
      );
      const headless = appMode({ ELECTRON_OVERRIDE_DIST_PATH: fakeDist });
      assert.equal(headless.mode, 'browser');
      assert.match(headless.why, /No display/);
      assert.equal(appMode({ EDGE_CAPTURE_APP: 'browser', DISPLAY: ':0' }).mode, 'browser');
      assert.equal(appMode({ EDGE_CAPTURE_APP: 'desktop' }).status, 2);
    },
  );

  test('serve --demo: the demo site in browser mode, labelled DEMO, with the URL to open', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--max-semi-space-size=4',
        join(ROOT, 'main/cli/index.ts'),
        'serve',
        '--demo',
        '--listen',
        '127.0.0.1:0',
      ],
      { env: { ...process.env, XDG_DATA_HOME: join(dir, 'xdg') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(
        () => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1],
        'the URL',
        60_000,
      );
      assert.match(output, /browser mode \(DEMO site\)/);
      assert.match(output, /DEMO MODE: simulated sensor writing into .*xdg\/edge-capture\/demo\/captures/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
      await waitFor(
        () => /decided|queued|uploaded|skipped|files\/s/.test(output),
        'the engine to work on captures',
        60_000,
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output.slice(-2000));
  });
});
