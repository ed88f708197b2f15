import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseDocument } from 'yaml';
import { applySettingEdits } from '../main/host/site-file.ts';

/**
 * Settings edits by JSON pointer made in the site file's text: comments and layout outside the
 * edited values stay byte for byte, entries can be added (`/folders/-`) and removed, a pointer
 * that leads nowhere is a problem naming it, and JSON files are rewritten.
 */
const SITE = `# Plant 7 gateway. Ask Dana before changing anything here.
site: plant-7
folders:
  # The line camera writes here.
  - id: cam
    path: /data/cam # mounted from the camera NAS
    stableWindow: 2s
upload:
  concurrency: 4 # the uplink is shared
  partSize: 8M

# Keep a week, then delete.
retention:
  afterUpload: keep
  keepFor: 7d
rules: []
`;

const edit = (edits: { path: string; value?: unknown }[], text = SITE, file = 'site.yaml') => {
  const result = applySettingEdits(text, file, edits);
  if ('problem' in result) throw new Error(`${result.problem.path}: ${result.problem.message}`);
  return result.text;
};

describe('settings edits in the site file', () => {
  test('scalars: only the values change, every comment and line around them stays byte for byte', () => {
    const text = edit([
      { path: '/upload/concurrency', value: 8 },
      { path: '/retention/keepFor', value: '3d' },
    ]);
    assert.equal(
      text,
      SITE.replace('concurrency: 4 #', 'concurrency: 8 #').replace('keepFor: 7d', 'keepFor: "3d"'),
    );
  });

  test('a setting the file does not have yet is added under its section; a new section at the end', () => {
    const text = edit([
      { path: '/upload/maxAttempts', value: 5 },
      { path: '/reconcileInterval', value: '10m' },
      { path: '/retention/diskGuard/maxBytes', value: '20G' },
    ]);
    const data = parseDocument(text).toJS();
    assert.equal(data.upload.maxAttempts, 5);
    assert.equal(data.reconcileInterval, '10m');
    assert.equal(data.retention.diskGuard.maxBytes, '20G');
    for (const comment of [
      '# Plant 7 gateway',
      '# mounted from the camera NAS',
      '# the uplink is shared',
      '# Keep a week',
    ])
      assert.ok(text.includes(comment), `lost ${comment}`);
    assert.ok(text.startsWith(SITE.slice(0, SITE.indexOf('upload:'))), 'the lines before upload: changed');
  });

  test('a folder appended with /folders/-, another removed: comments on the others kept', () => {
    const added = edit([{ path: '/folders/-', value: { id: 'cam2', path: '/data/cam2' } }]);
    const data = parseDocument(added).toJS();
    assert.deepEqual(data.folders[1], { id: 'cam2', path: '/data/cam2' });
    assert.equal(data.folders[0].path, '/data/cam');
    assert.ok(added.includes('# The line camera writes here.'));
    assert.ok(added.includes('/data/cam # mounted from the camera NAS'));
    assert.ok(added.includes('concurrency: 4 # the uplink is shared'));

    const removed = edit([{ path: '/folders/0' }], added);
    assert.deepEqual(parseDocument(removed).toJS().folders, [{ id: 'cam2', path: '/data/cam2' }]);
    assert.ok(removed.includes('# Plant 7 gateway. Ask Dana before changing anything here.'));
    assert.ok(removed.includes('concurrency: 4 # the uplink is shared'));
  });

  test('a setting removed goes back to its default; an object replaces an entry', () => {
    const text = edit([
      { path: '/upload/partSize' },
      { path: '/destination', value: { type: 'filesystem', path: '/mnt/share' } },
    ]);
    const data = parseDocument(text).toJS();
    assert.equal(data.upload.partSize, undefined);
    assert.equal(data.upload.concurrency, 4);
    assert.deepEqual(data.destination, { type: 'filesystem', path: '/mnt/share' });
    assert.ok(text.includes('# the uplink is shared'));
  });

  test('a pointer that leads nowhere names itself and the fix', () => {
    const through = applySettingEdits(SITE, 'site.yaml', [{ path: '/upload/concurrency/max', value: 3 }]);
    assert.ok('problem' in through);
    assert.equal(through.problem.path, '/upload/concurrency/max');
    assert.match(through.problem.message, /\/upload\/concurrency is a single value/);
    const past = applySettingEdits(SITE, 'site.yaml', [{ path: '/folders/5/path', value: '/x' }]);
    assert.ok('problem' in past);
    assert.match(past.problem.message, /has 1 entry; there is no entry "5"/);
    assert.match(past.problem.hint, /"-" to add one at the end/);
  });

  test('JSON site files are rewritten as JSON with the edits made', () => {
    const json = `${JSON.stringify({ site: 'p', folders: [{ id: 'a', path: '/a' }], upload: { concurrency: 2 } }, null, 2)}\n`;
    const text = edit(
      [
        { path: '/upload/concurrency', value: 6 },
        { path: '/folders/-', value: { id: 'b', path: '/b' } },
        { path: '/retention/afterUpload', value: 'delete' },
      ],
      json,
      'site.json',
    );
    assert.deepEqual(JSON.parse(text), {
      site: 'p',
      folders: [
        { id: 'a', path: '/a' },
        { id: 'b', path: '/b' },
      ],
      upload: { concurrency: 6 },
      retention: { afterUpload: 'delete' },
    });
    assert.ok(text.endsWith('}\n'));
  });
});
