import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { toInspectFailure } from '../main/engine/inspect/errors.ts';
import {
  createInspector,
  InspectFailure,
  type InspectTarget,
  PII_DETECTOR_NAMES,
} from '../main/engine/inspect/index.ts';

function config(overrides: Partial<ResolvedInspect> = {}): ResolvedInspect {
  return {
    sidecarPattern: '{stem}.pred.json',
    maxFileSize: 1024 ** 3,
    pii: { enabled: true, maxScanBytes: 1024 * 1024, detectors: [...PII_DETECTOR_NAMES], custom: [] },
    plugins: [],
    ...overrides,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inspect-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(relPath: string, bytes: Uint8Array | string): Promise<InspectTarget> {
  const absPath = path.join(dir, relPath);
  await fs.mkdir(path.dirname(absPath), { recursive: true });
  await fs.writeFile(absPath, bytes);
  return { folderId: 'cam', absPath, relPath };
}

async function failureOf(promise: Promise<unknown>): Promise<InspectFailure> {
  const err = await promise.then(
    () => assert.fail('expected the inspection to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InspectFailure, `expected InspectFailure, got ${String(err)}`);
  return err;
}

async function writePlugin(name: string, source: string): Promise<string> {
  const file = path.join(dir, 'plugins', `${name}.mjs`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, source);
  return file;
}

describe('inspect: reading and hashing', () => {
  it('hashes small files exactly like node:crypto', async () => {
    const bytes = randomBytes(4096);
    const target = await write('small.bin', bytes);
    const result = await (await createInspector(config())).inspect(target);
    assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(result.size, 4096);
    assert.equal(result.contentType, 'application/octet-stream');
    assert.equal(result.contentTypeSource, 'unknown');
    assert.deepEqual(result.tags, {});
    const stat = await fs.stat(target.absPath);
    assert.equal(result.mtimeMs, stat.mtimeMs);
  });

  it('hashes files larger than one read chunk, and keeps their head for type detection', async () => {
    // 1 MiB + 17 bytes: several 256 KiB chunks and a short last one.
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1024 * 1024 + 8)]);
    const target = await write('large.pdf', bytes);
    const result = await (await createInspector(config())).inspect(target);
    assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(result.size, bytes.length);
    assert.equal(result.contentType, 'application/pdf');
    assert.equal(result.contentTypeSource, 'magic');
  });

  it('scans text beyond the first chunk up to maxScanBytes, and no further', async () => {
    const filler = 'reading,ok\n'.repeat(40_000); // ~440 KB, larger than one 256 KiB chunk
    const target = await write('big.csv', `${filler}contact,bob@example.com\n`);
    const scanAll = await (await createInspector(config())).inspect(target);
    assert.equal(scanAll.tags['pii:email'], 1);
    const shortScan = config();
    shortScan.pii.maxScanBytes = 64 * 1024;
    const scanHead = await (await createInspector(shortScan)).inspect(target);
    assert.equal(scanHead.tags['pii:email'], undefined);
  });

  it('tags an empty file and still hashes it', async () => {
    const target = await write('empty.csv', '');
    const result = await (await createInspector(config())).inspect(target);
    assert.deepEqual(result.tags, { 'file:empty': 1 });
    assert.equal(result.size, 0);
    assert.equal(result.sha256, createHash('sha256').digest('hex'));
    assert.equal(result.contentType, 'text/csv');
    assert.equal(result.contentTypeSource, 'extension');
  });

  it('runs no PII detection when pii.enabled is false', async () => {
    const target = await write('people.csv', 'name,email\nBob,bob@example.com\n');
    const cfg = config();
    cfg.pii.enabled = false;
    const result = await (await createInspector(cfg)).inspect(target);
    assert.deepEqual(result.tags, {});
  });
});

describe('inspect: failures', () => {
  it('reports vanished for a file deleted before inspection', async () => {
    const target = await write('gone.jpg', 'x');
    await fs.rm(target.absPath);
    const err = await failureOf((await createInspector(config())).inspect(target));
    assert.equal(err.kind, 'vanished');
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, /gone\.jpg no longer exists/);
  });

  it('reports too_large without reading a file above maxFileSize', async () => {
    const target = await write('huge.bin', randomBytes(2048));
    const err = await failureOf((await createInspector(config({ maxFileSize: 1024 }))).inspect(target));
    assert.equal(err.kind, 'too_large');
    assert.match(err.message, /2 KiB, above inspect\.maxFileSize \(1 KiB\); raise inspect\.maxFileSize/);
  });

  it('accepts a file of exactly maxFileSize', async () => {
    const target = await write('exact.bin', randomBytes(1024));
    const result = await (await createInspector(config({ maxFileSize: 1024 }))).inspect(target);
    assert.equal(result.size, 1024);
  });

  it('reports unreadable, with the reason, for a directory', async () => {
    await fs.mkdir(path.join(dir, 'a-directory.jpg'));
    const target = {
      folderId: 'cam',
      absPath: path.join(dir, 'a-directory.jpg'),
      relPath: 'a-directory.jpg',
    };
    const err = await failureOf((await createInspector(config())).inspect(target));
    assert.equal(err.kind, 'unreadable');
    assert.match(err.message, /it is a directory/);
  });

  it('reports unreadable for a named pipe instead of blocking on it', async () => {
    const absPath = path.join(dir, 'stream.fifo');
    execFileSync('mkfifo', [absPath]);
    const err = await failureOf(
      (await createInspector(config())).inspect({ folderId: 'cam', absPath, relPath: 'stream.fifo' }),
    );
    assert.equal(err.kind, 'unreadable');
    assert.match(err.message, /pipe, socket or device, not a regular file/);
  });

  it('maps errno codes to failures that say what to do, and leaves resource errors alone', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    const denied = toInspectFailure(errno('EACCES'), '/data/cam/a.jpg');
    assert.ok(denied instanceof InspectFailure);
    assert.equal(denied.kind, 'unreadable');
    assert.match(
      denied.message,
      /cannot read \/data\/cam\/a\.jpg: permission denied; give the capture service read access/,
    );
    const io = toInspectFailure(errno('EIO'), '/mnt/share/a.jpg') as InspectFailure;
    assert.equal(io.kind, 'unreadable');
    assert.match(io.message, /disk or network share may be failing/);
    assert.equal((toInspectFailure(errno('ENOTDIR'), '/x') as InspectFailure).kind, 'vanished');
    const tooManyFiles = errno('EMFILE');
    assert.equal(
      toInspectFailure(tooManyFiles, '/x'),
      tooManyFiles,
      'EMFILE is about the process, not the file',
    );
  });

  it('reports changed when the file grows during inspection', async () => {
    const plugin = await writePlugin(
      'appender',
      `import { appendFileSync } from 'node:fs';
       export default { name: 'appender', inspect(ctx) { appendFileSync(ctx.absPath, 'more'); return {}; } };`,
    );
    const target = await write('growing.log', 'line 1\n');
    const inspector = await createInspector(config({ plugins: [plugin] }));
    const err = await failureOf(inspector.inspect(target));
    assert.equal(err.kind, 'changed');
    assert.match(err.message, /changed size from 7 to 11 bytes while it was being inspected/);
  });

  it('reports changed when the file is rewritten in place (same size, new mtime)', async () => {
    const plugin = await writePlugin(
      'toucher',
      `import { utimesSync } from 'node:fs';
       export default { name: 'toucher', inspect(ctx) { utimesSync(ctx.absPath, new Date(), new Date(Date.now() + 5000)); return {}; } };`,
    );
    const target = await write('touched.log', 'line 1\n');
    const err = await failureOf((await createInspector(config({ plugins: [plugin] }))).inspect(target));
    assert.equal(err.kind, 'changed');
    assert.match(err.message, /was modified/);
  });

  it('reports changed when the file is replaced by another during inspection', async () => {
    const plugin = await writePlugin(
      'replacer',
      `import { renameSync, writeFileSync } from 'node:fs';
       export default { name: 'replacer', inspect(ctx) {
         writeFileSync(ctx.absPath + '.new', 'other 1\\n'); renameSync(ctx.absPath + '.new', ctx.absPath); return {};
       } };`,
    );
    const target = await write('replaced.log', 'line 1\n');
    const err = await failureOf((await createInspector(config({ plugins: [plugin] }))).inspect(target));
    assert.equal(err.kind, 'changed');
    assert.match(err.message, /was replaced by another file/);
  });
});

describe('inspect: plugins', () => {
  it('merges a plugin result and gives the plugin the head and text', async () => {
    // Loaded below by a path relative to baseDir, as a config file would name it.
    await writePlugin(
      'counter',
      `export default {
         name: 'line-counter',
         appliesTo: (ctx) => ctx.contentType === 'text/csv',
         inspect(ctx) {
           const lines = ctx.text.split('\\n').filter(Boolean).length;
           return { tags: { 'csv:rows': lines, 'pii:email': 1 }, exif: { HeadBytes: ctx.head.length, Folder: ctx.folderId }, warnings: ['looked'] };
         },
       };`,
    );
    const inspector = await createInspector(config({ plugins: ['./plugins/counter.mjs'] }), { baseDir: dir });
    const csv = await inspector.inspect(await write('rows.csv', 'a,b\n1,bob@example.com\n2,y\n'));
    assert.deepEqual(csv.tags, { 'csv:rows': 3, 'pii:email': 2 });
    assert.deepEqual(csv.exif, { HeadBytes: 26, Folder: 'cam' });
    assert.deepEqual(csv.warnings, ['looked']);
    const other = await inspector.inspect(await write('notes.txt', 'hello'));
    assert.deepEqual(other.tags, {}, 'appliesTo kept the plugin away from a text/plain file');
  });

  it('gives plugins UTF-8 text cut at maxScanBytes without garbling the last character', async () => {
    await writePlugin(
      'echo',
      `export default { name: 'echo', inspect: (ctx) => ({ exif: { Text: ctx.text } }) };`,
    );
    const cfg = config({ plugins: ['./plugins/echo.mjs'] });
    cfg.pii.maxScanBytes = 7; // 'é' is 2 bytes: the 4th one is cut in half
    const result = await (await createInspector(cfg, { baseDir: dir })).inspect(
      await write('accents.txt', 'éééééé'),
    );
    assert.equal(result.exif?.['Text'], 'ééé');
  });

  it('turns a throwing plugin into a warning', async () => {
    const plugin = await writePlugin(
      'broken',
      `export const plugin = { name: 'broken', inspect() { throw new Error('model file missing'); } };`,
    );
    const result = await (await createInspector(config({ plugins: [plugin] }))).inspect(
      await write('x.bin', 'abc'),
    );
    assert.deepEqual(result.warnings, ['plugin broken failed: model file missing']);
  });

  it('refuses a plugin module without a name and inspect function, naming the entry', async () => {
    const plugin = await writePlugin('empty', 'export default { inspect: 42 };');
    await assert.rejects(
      createInspector(config({ plugins: [plugin] })),
      /inspect\.plugins\[0\] .*must export default/,
    );
    await assert.rejects(
      createInspector(config({ plugins: ['./no-such-plugin.mjs'] }), { baseDir: dir }),
      /inspect\.plugins\[0\] "\.\/no-such-plugin\.mjs": cannot load the module/,
    );
  });
});

describe('inspect: configuration checks', () => {
  it('rejects an unknown PII detector and a bad custom pattern with the field name', async () => {
    const unknown = config();
    unknown.pii.detectors = ['email', 'emial'];
    await assert.rejects(createInspector(unknown), /inspect\.pii\.detectors\[1\]: unknown detector "emial"/);
    const badRegex = config();
    badRegex.pii.custom = [{ tag: 'pii:badge', pattern: 'BADGE-(' }];
    await assert.rejects(
      createInspector(badRegex),
      /inspect\.pii\.custom\[0\]\.pattern: .*not a valid regular expression/,
    );
  });

  it('rejects a sidecar pattern without {stem} or {name}', async () => {
    await assert.rejects(
      createInspector(config({ sidecarPattern: 'preds.json' })),
      /must contain \{stem\} or \{name\}/,
    );
  });
});
