/**
 * Re-reading a hand-edited site file into a running engine: `edge-capture reload` and SIGHUP, against
 * real engine child processes (`run` and `serve`), real folders, chokidar and SQLite. A good file is
 * applied without a restart (same pid); a bad one, or one changing a restart-only setting, is refused
 * and the engine keeps running as it was.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import WebSocket from 'ws';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { CONTRACT_VERSION } from '../shared/contract/index.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

const siteText = (captures: string, dataDir: string, extra = '') => `# Reload test site: edited by hand.
site: reload-site
device: gw-1
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
${extra}reconcileInterval: 0
destination: { type: filesystem, path: ${join(dataDir, '..', 'share')} }
upload: { offlineProbeInterval: 500ms }
rules:
  - name: text
    when: { extension: txt }
    action: upload
defaultAction: { action: skip, reason: nothing matched }
`;

function stateOf(site: Site, path: string): string | undefined {
  const queue = new CaptureQueue(join(site.dataDir, 'queue.db'), { readOnly: true });
  try {
    return queue.getByPath(path)?.state;
  } finally {
    queue.close();
  }
}

function start(site: Site, command: 'run' | 'serve'): { child: ChildProcess; output: () => string } {
  const args = [CLI, command, '--config', site.configPath, '--json'];
  if (command === 'serve') args.push('--listen', '127.0.0.1:0');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<unknown> {
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('edge-capture reload / SIGHUP with run', () => {
  let site: Site;
  let engine: { child: ChildProcess; output: () => string };
  let cam2: string;

  beforeAll(async () => {
    site = await makeSite(({ captures, dataDir }) => siteText(captures, dataDir));
    await mkdir(join(site.root, 'share'));
    cam2 = join(site.root, 'cam2');
    await mkdir(cam2);
    engine = start(site, 'run');
    await waitFor(
      () => cli('status', '--config', site.configPath, '--require-running').status === 0,
      'the engine',
      30_000,
    );
  });
  afterAll(async () => {
    if (engine?.child.exitCode === null) await stop(engine.child);
    await site?.cleanup();
  });

  test('a folder added by hand: reload applies it without a restart, and its files upload', async () => {
    const pid = engine.child.pid;
    await writeFile(
      site.configPath,
      siteText(
        site.captures,
        site.dataDir,
        `  - id: cam2 # added by hand\n    path: ${cam2}\n    stableWindow: 200ms\n`,
      ),
    );
    const reload = cli('reload', '--config', site.configPath);
    assert.equal(reload.status, 0, reload.stderr);
    assert.match(
      reload.stdout,
      new RegExp(
        `Engine \\(pid ${pid}\\): site file reloaded, applied without a restart: .*folder cam2 watched`,
      ),
    );
    await dropFile(join(cam2, 'by-hand.txt'), 'from the new folder\n');
    await waitFor(
      () => stateOf(site, join(cam2, 'by-hand.txt')) === 'retained',
      'by-hand.txt uploaded',
      30_000,
    );
    assert.equal(engine.child.exitCode, null, 'the same engine process kept running');
  });

  test('a file with a problem: reload prints it and signals nothing; SIGHUP alone is refused and logged', async () => {
    const good = await readFile(site.configPath, 'utf8');
    await writeFile(
      site.configPath,
      good.replace('offlineProbeInterval: 500ms', 'offlineProbeInterval: soon'),
    );
    const reload = cli('reload', '--config', site.configPath);
    assert.equal(reload.status, 3, reload.stdout);
    assert.match(reload.stderr, /offlineProbeInterval/);

    const before = engine.output().length;
    engine.child.kill('SIGHUP');
    await waitFor(
      () =>
        /site file not reloaded: .*offlineProbeInterval.*the engine keeps its settings/.test(
          engine.output().slice(before),
        ),
      'the refusal in the engine log',
    );
    await writeFile(site.configPath, good);
    await dropFile(join(site.captures, 'still-running.txt'), 'the engine is unchanged\n');
    await waitFor(
      () => stateOf(site, join(site.captures, 'still-running.txt')) === 'retained',
      'still-running.txt uploaded',
      30_000,
    );
  });

  test('a restart-only setting changed by hand: refused with the reason, exit 1', async () => {
    const good = await readFile(site.configPath, 'utf8');
    await writeFile(site.configPath, good.replace('device: gw-1', 'device: gw-2'));
    const reload = cli('reload', '--config', site.configPath);
    assert.equal(reload.status, 1, reload.stdout);
    assert.match(reload.stderr, /device cannot change while the engine runs/);
    await writeFile(site.configPath, good);
  });

  test('no engine running: reload says so (exit 4) after checking the file', async () => {
    assert.equal(await stop(engine.child), 0);
    const reload = cli('reload', '--config', site.configPath);
    assert.equal(reload.status, 4, reload.stdout);
    assert.match(reload.stderr, /No engine is running/);
  });
});

describe('SIGHUP with serve: the UIs follow', () => {
  let site: Site;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    site = await makeSite(({ captures, dataDir }) => siteText(captures, dataDir));
    await mkdir(join(site.root, 'share'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await site?.cleanup();
  });

  test('a connected UI is told config.reloaded and reads the new folder in settings.get', async () => {
    const served = start(site, 'serve');
    children.push(served.child);
    const url = await waitFor(
      () => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(served.output())?.[1],
      'the URL',
      30_000,
    );
    const ws = new WebSocket(`${url.replace('http', 'ws')}contract`);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 'reload-test' }));
    await waitFor(() => messages.find((m) => m['type'] === 'welcome'), 'welcome');

    const cam2 = join(site.root, 'cam2');
    await mkdir(cam2);
    await writeFile(
      site.configPath,
      siteText(site.captures, site.dataDir, `  - id: cam2\n    path: ${cam2}\n    stableWindow: 200ms\n`),
    );
    const reload = cli('reload', '--config', site.configPath);
    assert.equal(reload.status, 0, reload.stderr);
    await waitFor(() => messages.find((m) => m['name'] === 'config.reloaded'), 'config.reloaded');
    ws.send(JSON.stringify({ type: 'request', id: 1, method: 'settings.get', params: {} }));
    const reply = await waitFor(() => messages.find((m) => m['id'] === 1), 'the settings reply');
    const folders = (reply['result'] as { folders: { id: string }[] }).folders.map((f) => f.id);
    assert.deepEqual(folders, ['cam', 'cam2']);
    ws.close();
    assert.equal(await stop(served.child), 0, served.output());
  });
});
