import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import {
  addFiles,
  addReviewItems,
  bounceEngine,
  startEngine,
  stopEngine,
} from './tests/support/ui-engine-fixture.ts';

// Debian's Chromium (installed by build/ensure-system-packages.sh); Playwright never downloads a browser here.
const CHROMIUM = process.env['EDGE_CAPTURE_CHROMIUM'] ?? '/usr/bin/chromium';

export default defineConfig({
  test: {
    // node:test had no per-test limit; the slow suites (Ceph RGW start, 256 MiB multipart, SIGKILL loops)
    // rely on that, so limits are generous and a hang still ends the run.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores: two test files at a time, as `node --test --test-concurrency=2` did.
    maxWorkers: 2,
    // In CI only, a failed test is run once more: on two cores shared by Chromium, Ceph and the engine,
    // a few timing-heavy tests (the keyboard review e2e, RGW's early refusal of a 100-continue PUT) have
    // failed about once in five full runs. A test that fails twice still fails the run; Vitest's report
    // names every test that needed the second run ("retry"), so flakiness stays visible.
    retry: process.env['CI'] ? 1 : 0,
    reporters: ['default', './tests/support/closing-line-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'engine',
          environment: 'node',
          // Not the vm pools: another realm makes assert.deepEqual fail on identical structures.
          pool: 'forks',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/ui/**'],
          // `serve` tests need the built UI.
          globalSetup: ['tests/support/build-renderer.ts'],
        },
      },
      {
        extends: true,
        // Must match the renderer's build (React's JSX transform).
        plugins: [react()],
        // Pre-bundled up front: discovering them mid-run makes Vite reload the page and fail the file.
        optimizeDeps: {
          include: [
            'react',
            'react/jsx-dev-runtime',
            'react-dom',
            'react-dom/client',
            '@tanstack/react-virtual',
            'valibot',
            'vitest-browser-react',
            'dexie',
            'uplot',
          ],
        },
        test: {
          name: 'ui',
          include: ['tests/ui/**/*.test.{ts,tsx}'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM,
                args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
              },
            }),
            instances: [{ browser: 'chromium' }],
            // Run in the Vitest process: a real engine host on loopback for the UI to talk to.
            commands: { startEngine, addFiles, addReviewItems, bounceEngine, stopEngine },
          },
        },
      },
    ],
  },
});
