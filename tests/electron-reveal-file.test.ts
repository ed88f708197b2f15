/**
 * "Open containing folder" (issue 9), the main process's part, on a real engine host (in this
 * process: startHostService is what the utility process runs) and real files. Electron's
 * `shell.showItemInFolder` and the IPC event are STAND-INS (the Electron binary is not here): the
 * shell is a recorder, the event carries the sender frame Electron would give.
 * The same lookup across a real child process: tests/electron-media-forward.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { type HostService, startHostService } from '../main/electron/host-service.ts';
import { CallFailed, type FileLocation } from '../main/electron/parent-calls.ts';
import { type RevealDeps, revealFile, revealFileHandler } from '../main/electron/reveal-file.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

const CONFIG = ({ captures, dataDir }: { captures: string; dataDir: string }) => `
site: desktop-reveal
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 100ms
reconcileInterval: 0
defaultAction: { action: skip, reason: nothing matched }
`;

const ours = { senderFrame: { url: 'app://edge-capture/index.html', parent: null } };

describe('electron: reveal a queued file in the file manager (main-process checks)', () => {
  let site: Site;
  let service: HostService;
  let shown: string[];
  let asked: number[];
  let deps: RevealDeps;

  const idOf = (relPath: string) =>
    waitFor(() => {
      for (let id = 1; id <= 20; id += 1) {
        const where = service.fileLocation(id);
        if (where.found && where.relPath === relPath) return id;
      }
      return undefined;
    }, `${relPath} in the queue`);

  beforeAll(async () => {
    site = await makeSite(CONFIG);
    service = await startHostService({
      site: { kind: 'config', path: site.configPath },
      engineVersion: '0.1.0-reveal',
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await site?.cleanup();
  });

  const reset = () => {
    shown = [];
    asked = [];
    deps = {
      locate: async (fileId) => {
        asked.push(fileId);
        return service.fileLocation(fileId);
      },
      showItemInFolder: (path) => shown.push(path), // STAND-IN for shell.showItemInFolder
    };
  };

  test('our own window gets the file shown; anyone else gets a refusal and nothing is looked up', async () => {
    reset();
    await dropFile(join(site.captures, 'day1', 'frame.jpg'), 'not really a jpeg');
    const id = await idOf('day1/frame.jpg');
    const rejected: string[] = [];
    const handle = revealFileHandler(deps, (channel, url) => rejected.push(`${channel} ${url}`), 'reveal');

    const real = await realpath(join(site.captures, 'day1', 'frame.jpg'));
    assert.deepEqual(await handle(ours, id), { ok: true, path: real });
    assert.deepEqual(shown, [real]);

    for (const event of [
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { senderFrame: { url: 'app://edge-capture/index.html', parent: {} } },
      { senderFrame: { url: 'file:///etc/passwd', parent: null } },
      { senderFrame: null },
    ]) {
      const outcome = await handle(event, id);
      assert.deepEqual(outcome, {
        ok: false,
        message: 'Refused: this request did not come from the Edge Capture window.',
      });
    }
    assert.deepEqual(asked, [id], 'only the trusted request reached the engine');
    assert.deepEqual(shown, [real]);
    assert.deepEqual(rejected, [
      'reveal https://evil.example/',
      'reveal app://edge-capture/index.html',
      'reveal file:///etc/passwd',
      'reveal (frame gone)',
    ]);
  });

  test('only a queue id is accepted: a path, a fraction or zero never reaches the engine', async () => {
    reset();
    for (const bad of ['/etc/passwd', 0, -3, 1.5, Number.NaN, '1', null, { id: 1 }]) {
      assert.deepEqual(await revealFile(bad, deps), {
        ok: false,
        message: 'fileId must be a queue id (a whole number above 0).',
      });
    }
    assert.deepEqual(asked, []);
    assert.deepEqual(await revealFile(424242, deps), { ok: false, message: 'The queue has no file 424242.' });
    assert.deepEqual(shown, []);
  });

  test('a file that left its folder through a link, or a folder no longer watched, is not shown', async () => {
    reset();
    const elsewhere = join(site.root, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await dropFile(join(elsewhere, 'secret.txt'), 'outside the capture folder');
    await dropFile(join(site.captures, 'day2', 'log.txt'), 'inside');
    const id = await idOf('day2/log.txt');
    // The capture subfolder is swapped for a link leading out after the engine recorded the file.
    await import('node:fs/promises').then((fs) =>
      fs.rename(join(site.captures, 'day2'), join(site.root, 'day2-moved')),
    );
    await symlink(join(site.root, 'day2-moved'), join(site.captures, 'day2'));
    const outcome = await revealFile(id, deps);
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.ok ? '' : outcome.message,
      /day2\/log\.txt leads out of its folder .*; it is not opened\./,
    );
    assert.deepEqual(shown, []);
  });

  test('what the host may say instead of a path becomes a sentence', async () => {
    reset();
    const say = (where: FileLocation | Error): RevealDeps => ({
      locate: async () => {
        if (where instanceof Error) throw where;
        return where;
      },
      showItemInFolder: (path) => shown.push(path),
    });
    assert.deepEqual(
      await revealFile(5, say({ found: true, relPath: 'cam1/a.jpg', objectKey: 'site/cam1/a.jpg' })),
      {
        ok: false,
        message:
          'The local copy of cam1/a.jpg was removed after upload (the store has it at site/cam1/a.jpg).',
      },
    );
    assert.deepEqual(
      await revealFile(5, say({ found: true, relPath: 'old/a.jpg', path: '/data/old/a.jpg' })),
      {
        ok: false,
        message: '/data/old/a.jpg is not in a capture folder this engine watches now; it is not opened.',
      },
    );
    assert.deepEqual(
      await revealFile(
        5,
        say({ found: true, relPath: 'x.jpg', path: '/data/cam/x.jpg', within: site.captures }),
      ),
      { ok: false, message: 'The file is gone from /data/cam/x.jpg.' },
    );
    assert.deepEqual(
      await revealFile(
        5,
        say(
          new CallFailed(
            'The engine is not running (it is being restarted); try again in a moment.',
            'closed',
          ),
        ),
      ),
      {
        ok: false,
        message:
          'The engine could not say where the file is: The engine is not running (it is being restarted); try again in a moment.',
      },
    );
    assert.deepEqual(shown, []);
  });
});
