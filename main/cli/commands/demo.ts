import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../../engine/config/resolve.ts';
import type { ResolvedConfig } from '../../engine/config/types.ts';
import { simulate } from '../../simulate/index.ts';
import type { CliArgs } from '../index.ts';
import { createLogger, type Logger } from '../output.ts';
import { logLevelFromArgs, runEngine } from './run.ts';

/** Where the zero-config demo keeps its captures and queue unless --data-dir says otherwise. */
export function defaultDemoDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'edge-capture', 'demo');
}

/** The demo site: the same kinds of rules a real site uses, applied to simulated captures. */
export function demoConfigDocument(dataDir: string): Record<string, unknown> {
  return {
    site: 'demo-site',
    dataDir,
    folders: [{ id: 'captures', path: join(dataDir, 'captures'), completion: 'auto', stableWindow: '1s' }],
    rules: [
      {
        name: 'set-aside-personal-data',
        when: { tags: { any: ['pii:*'] } },
        action: 'quarantine',
        reason: 'Contains personal data; needs a privacy review before it may leave the site',
      },
      {
        name: 'drop-empty-or-corrupt',
        when: { tags: { any: ['file:empty', 'file:corrupt', 'file:type-mismatch'] } },
        action: 'skip',
        reason: 'Empty or damaged file: nothing useful to train on',
      },
      {
        name: 'uncertain-detections',
        when: { contentType: 'image/*', prediction: { score: { near: 0.5, within: 0.15 } } },
        action: 'upload',
        priority: 10,
        reason: 'The model was unsure: valuable for the next training pass',
      },
      {
        name: 'review-low-confidence-people',
        when: { contentType: 'image/*', prediction: { class: 'person', score: { max: 0.35 } } },
        action: 'hold',
        reason: 'Low-confidence person detection: a reviewer should check it',
      },
      {
        name: 'sample-confident-frames',
        when: { contentType: 'image/*' },
        action: 'upload',
        priority: 1,
        rate: { perMinute: 30 },
      },
      { name: 'sensor-data', when: { extension: ['csv', 'json', 'log'] }, action: 'upload', priority: 5 },
    ],
  };
}

/** The demo site for `demo` and `serve --demo`: the built-in config and its simulated sensor. */
export function demoSite(dataDirArg: string | undefined): {
  config: ResolvedConfig;
  /** Starts the simulated sensor; the function it returns stops it. */
  startSensor(logger: Logger): () => Promise<void>;
} {
  const dataDir = resolve(dataDirArg ?? defaultDemoDir());
  const captures = join(dataDir, 'captures');
  mkdirSync(captures, { recursive: true });
  const config = resolveConfig(demoConfigDocument(dataDir), '(built-in demo config)');
  return {
    config,
    startSensor(logger) {
      logger.log('info', `DEMO MODE: simulated sensor writing into ${captures}; data stays on this machine`);
      const controller = new AbortController();
      // The frames' ground truth (where the model is wrong) stays beside the captures, never in them.
      const truthDir = join(dataDir, 'simulate-truth');
      const sensor = simulate({ to: captures, ratePerSec: 5, truthDir, signal: controller.signal }).catch(
        (error) => {
          logger.log('error', `simulated sensor stopped: ${(error as Error).message}`);
        },
      );
      return async () => {
        controller.abort();
        await sensor;
      };
    },
  };
}

export async function demoCommand(args: CliArgs): Promise<number> {
  const { config, startSensor } = demoSite(args.values['data-dir']);
  const logger = createLogger({ json: args.values.json, level: logLevelFromArgs(args) });
  const stopSensor = startSensor(logger);
  return runEngine(config, logger, { onStop: stopSensor });
}
