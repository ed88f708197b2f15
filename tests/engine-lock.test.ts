/**
 * One engine per data folder, held by a lock the kernel drops when the engine dies: real child
 * processes, kill -9, two engines started at the same moment, a pid file naming a live stranger.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import { makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const LOCK_MODULE = pathToFileURL(join(import.meta.dirname, '..', 'main', 'engine', 'lock.ts')).href;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: lock-site
dataDir: ${dataDir}
folders: [{ id: cam, path: ${captures} }]
rules: [{ name: all, action: upload }]
`;

const sites: Site[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const site of sites) await site.cleanup();
});

async function newSite(): Promise<Site> {
  const site = await makeSite(CONFIG);
  sites.push(site);
  return site;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function track(child: ChildProcess): Running {
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const runEngine = (site: Site) =>
  track(
    spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );

/** A process that takes the lock at `startAt` (all contenders at the same moment) and holds it. */
const contender = (dataDir: string, startAt: number) =>
  track(
    spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireDataDirLock } from ${JSON.stringify(LOCK_MODULE)};
         while (Date.now() < ${startAt}) {}
         try { acquireDataDirLock(${JSON.stringify(dataDir)}); console.log('got'); setInterval(() => {}, 1000); }
         catch (error) { console.log('refused: ' + error.message); process.exit(3); }`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );

describe('the engine lock', () => {
  test('of engines started at the same moment exactly one gets the lock; after kill -9 the next gets it at once', async () => {
    const site = await newSite();
    for (let round = 0; round < 3; round++) {
      const startAt = Date.now() + 2500;
      const contenders = [0, 1, 2].map(() => contender(site.dataDir, startAt));
      await waitFor(
        () => contenders.filter((c) => /got|refused/.test(c.output())).length === 3,
        'every contender to try',
        30_000,
      );
      const winners = contenders.filter((c) => c.output().includes('got'));
      assert.equal(winners.length, 1, contenders.map((c) => c.output()).join(' | '));
      for (const loser of contenders.filter((c) => !c.output().includes('got'))) {
        assert.match(loser.output(), /already using/);
        assert.equal(await loser.exited, 3);
      }
      winners[0]?.child.kill('SIGKILL');
      await winners[0]?.exited;
    }
  });

  test('two `run` commands at once: one runs, the other says the folder is in use', async () => {
    const site = await newSite();
    const engines = [runEngine(site), runEngine(site)];
    const first = await Promise.race(engines.map((e, i) => e.exited.then((code) => ({ i, code }))));
    assert.equal(first.code, 1, engines[first.i]?.output());
    assert.match(engines[first.i]?.output() ?? '', /already using/);
    const survivor = engines[1 - first.i]!;
    await waitFor(
      () => cli('status', '--config', site.configPath, '--require-running').status === 0,
      'the survivor',
    );
    assert.equal(survivor.child.exitCode, null);
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0);
  });

  test('after kill -9, status says not running at once and a new engine starts at once', async () => {
    const site = await newSite();
    const first = runEngine(site);
    await waitFor(
      () => cli('status', '--config', site.configPath, '--require-running').status === 0,
      'the engine',
    );
    first.child.kill('SIGKILL');
    await first.exited;

    const status = cli('status', '--config', site.configPath, '--require-running');
    assert.equal(status.status, 4, status.stdout + status.stderr);
    assert.match(status.stdout, /Engine: not running \(it stopped without shutting down; last seen/);
    const json = JSON.parse(cli('status', '--config', site.configPath, '--json').stdout);
    assert.equal(json.engine.running, false);
    assert.equal(json.engine.by, 'lock');

    const second = runEngine(site);
    await waitFor(
      () => /watching 1 folder/.test(second.output()) || second.child.exitCode !== null,
      'the new engine',
    );
    assert.equal(second.child.exitCode, null, second.output());
    const running = cli('status', '--config', site.configPath);
    assert.match(running.stdout, new RegExp(`Engine: running \\(pid ${second.child.pid}\\)`));
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  test('a leftover pid file naming a live, unrelated process does not block', async () => {
    const site = await newSite();
    const stranger = track(spawn('sleep', ['60'], { stdio: 'ignore' }));
    // What the pid-file lock of earlier versions left after a power loss, the pid since reused.
    await mkdir(site.dataDir, { recursive: true });
    await writeFile(join(site.dataDir, 'engine.lock'), String(stranger.child.pid));
    const engine = new CaptureEngine(await loadConfig(site.configPath));
    try {
      await engine.start();
      assert.throws(() => new CaptureEngine(engine.config), /already using/);
    } finally {
      await engine.stop();
      stranger.child.kill('SIGKILL');
    }
  });
});
