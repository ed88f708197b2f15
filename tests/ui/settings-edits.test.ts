import { describe, expect, test } from 'vitest';
import {
  editsFor,
  entryFrom,
  formFromRaw,
  isStaleRefusal,
  issuesByField,
  pointer,
} from '../../renderer/src/views/settings/edits.ts';
import {
  addDestinationEdits,
  addFolderEdits,
  destinationEdits,
  destinationPlace,
  draftFrom,
  folderPlace,
  removeDestinationEdits,
} from '../../renderer/src/views/settings/entries.ts';
import {
  FOLDER_FIELDS,
  FOLDER_ID_FIELD,
  S3_FIELDS,
  UPLOAD_FIELDS,
} from '../../renderer/src/views/settings/fields.ts';
import type { ConfigIssueMessage } from '../../shared/contract/index.ts';

/**
 * The Settings forms ↔ the site file: prefilled as written, only what changed sent back (an emptied
 * field removed, back to its default), Object Lock as one object, new folders and destinations
 * appended where the file keeps them, and each of the host's problems put under the field it names.
 */
describe('form → edits', () => {
  const written = { concurrency: 4, partSize: '16MiB', sidecars: false, requestTimeout: '2m' };

  test('the form starts from the file as written, flags at their default when unset', () => {
    const form = formFromRaw(UPLOAD_FIELDS, written);
    expect(form.concurrency).toBe('4');
    expect(form.partSize).toBe('16MiB');
    expect(form.multipartThreshold).toBe('');
    expect(form.order).toBe('');
    expect(form.sidecars).toBe(false);
    expect(formFromRaw(UPLOAD_FIELDS, {}).sidecars).toBe(true);
  });

  test('an untouched form sends nothing', () => {
    expect(editsFor('/upload', UPLOAD_FIELDS, written, formFromRaw(UPLOAD_FIELDS, written))).toEqual([]);
    // A size written as a plain number and shown as such is not a change either.
    const bytes = { partSize: 16_777_216 };
    expect(editsFor('/upload', UPLOAD_FIELDS, bytes, formFromRaw(UPLOAD_FIELDS, bytes))).toEqual([]);
  });

  test('changed fields only: counts as numbers, units as typed, emptied and default flags removed', () => {
    const form = {
      ...formFromRaw(UPLOAD_FIELDS, written),
      concurrency: ' 8 ',
      multipartThreshold: '128M',
      order: 'newest',
      requestTimeout: '',
      sidecars: true,
    };
    expect(editsFor('/upload', UPLOAD_FIELDS, written, form)).toEqual([
      { path: '/upload/concurrency', value: 8 },
      { path: '/upload/multipartThreshold', value: '128M' },
      { path: '/upload/order', value: 'newest' },
      { path: '/upload/requestTimeout' },
      { path: '/upload/sidecars' },
    ]);
  });

  test('a count that is not a number is sent as typed, for the host to name the field', () => {
    const form = { ...formFromRaw(UPLOAD_FIELDS, written), concurrency: 'lots' };
    expect(editsFor('/upload', UPLOAD_FIELDS, written, form)).toEqual([
      { path: '/upload/concurrency', value: 'lots' },
    ]);
  });

  test('nested keys become nested pointers', () => {
    const specs = [{ key: 'diskGuard/maxBytes', label: 'Most', kind: 'size' as const }];
    expect(editsFor('/retention', specs, {}, { 'diskGuard/maxBytes': '200GiB' })).toEqual([
      { path: '/retention/diskGuard/maxBytes', value: '200GiB' },
    ]);
    expect(pointer('folders', 2, 'a/b~c')).toBe('/folders/2/a~1b~0c');
  });
});

describe('folders and destinations in the file', () => {
  const file = {
    folders: [{ id: 'cam', path: '/data/cam' }, { path: '/data/lidar/' }],
    destinations: [
      { name: 'share', type: 'filesystem', path: '/mnt/share' },
      { name: 'cold', type: 's3', bucket: 'b', objectLock: { mode: 'GOVERNANCE', days: 30 } },
    ],
  };

  test('a folder is found by its id, or by its folder name when it has none', () => {
    expect(folderPlace(file, 'cam')?.base).toBe('/folders/0');
    expect(folderPlace(file, 'lidar')?.base).toBe('/folders/1');
    expect(folderPlace(file, 'nope')).toBeUndefined();
  });

  test('a new folder is appended with only the fields filled in', () => {
    const specs = [FOLDER_ID_FIELD, ...FOLDER_FIELDS];
    const form = { ...formFromRaw(specs, {}), id: 'cam2', path: '/data/cam2', stableWindow: '200ms' };
    expect(addFolderEdits(entryFrom(specs, form))).toEqual([
      { path: '/folders/-', value: { id: 'cam2', path: '/data/cam2', stableWindow: '200ms' } },
    ]);
  });

  test('Object Lock is written as one object, and removed when turned off', () => {
    const place = destinationPlace(file, 'cold');
    expect(place?.base).toBe('/destinations/1');
    const entry = place?.entry ?? {};
    const form = formFromRaw(S3_FIELDS, entry);
    expect(form['objectLock/mode']).toBe('GOVERNANCE');
    expect(form['objectLock/days']).toBe('30');
    expect(destinationEdits('/destinations/1', S3_FIELDS, entry, form)).toEqual([]);
    expect(
      destinationEdits('/destinations/1', S3_FIELDS, entry, {
        ...form,
        'objectLock/mode': 'COMPLIANCE',
        'objectLock/days': '365',
      }),
    ).toEqual([{ path: '/destinations/1/objectLock', value: { mode: 'COMPLIANCE', days: 365 } }]);
    expect(destinationEdits('/destinations/1', S3_FIELDS, entry, { ...form, 'objectLock/mode': '' })).toEqual(
      [{ path: '/destinations/1/objectLock' }],
    );
  });

  test('a second destination turns the single `destination:` into a list', () => {
    const single = { destination: { type: 'filesystem', path: '/mnt/a' } };
    const added = { name: 'cold', type: 'local' };
    expect(destinationPlace(single, 'default')?.base).toBe('/destination');
    expect(addDestinationEdits(single, added)).toEqual([
      { path: '/destination' },
      {
        path: '/destinations',
        value: [{ name: 'default', type: 'filesystem', path: '/mnt/a' }, added],
      },
    ]);
    expect(addDestinationEdits(file, added)).toEqual([{ path: '/destinations/-', value: added }]);
    expect(addDestinationEdits({}, added)).toEqual([{ path: '/destinations', value: [added] }]);
    expect(removeDestinationEdits(file, 'share')).toEqual([{ path: '/destinations/0' }]);
  });

  test('Test connection drafts carry the edited values, and need a bucket or a folder', () => {
    const form = {
      ...formFromRaw(S3_FIELDS, {}),
      bucket: 'captures',
      endpoint: 'http://127.0.0.1:7480 ',
      forcePathStyle: 'no',
      'objectLock/mode': 'GOVERNANCE',
      'objectLock/days': '7',
    };
    expect(draftFrom('cold', 's3', form)).toEqual({
      type: 's3',
      name: 'cold',
      bucket: 'captures',
      endpoint: 'http://127.0.0.1:7480',
      forcePathStyle: false,
      objectLock: { mode: 'GOVERNANCE', days: 7 },
    });
    expect(draftFrom('cold', 's3', { ...form, bucket: ' ' })).toBeUndefined();
    expect(draftFrom('share', 'filesystem', { path: '' })).toBeUndefined();
  });
});

describe('issues → fields', () => {
  const issue = (path: string): ConfigIssueMessage => ({ path, message: `bad ${path}`, hint: 'fix it' });

  test('each issue under the field it names; the rest shown apart', () => {
    const { byField, other } = issuesByField(
      [
        issue('/destinations/1/objectLock/days'),
        issue('/destinations/1/objectLock'),
        issue('/destinations/1/bucket'),
        issue('/destinations/10/bucket'),
        issue('/rules/2/to'),
      ],
      ['/destinations/1'],
      S3_FIELDS,
    );
    expect(byField.get('objectLock/days')?.map((i) => i.path)).toEqual(['/destinations/1/objectLock/days']);
    // A problem with Object Lock as a whole goes to its first field.
    expect(byField.get('objectLock/mode')?.map((i) => i.path)).toEqual(['/destinations/1/objectLock']);
    expect(byField.get('bucket')?.map((i) => i.path)).toEqual(['/destinations/1/bucket']);
    expect(other.map((i) => i.path)).toEqual(['/destinations/10/bucket', '/rules/2/to']);
  });

  test("a new folder's issues, named by `-` or by the index it would get", () => {
    const specs = [FOLDER_ID_FIELD, ...FOLDER_FIELDS];
    const { byField, other } = issuesByField(
      [issue('/folders/2/path'), issue('/folders/-/id'), issue('/folders/2')],
      ['/folders/-', '/folders/2'],
      specs,
    );
    expect([...byField.keys()].sort()).toEqual(['id', 'path']);
    expect(other.map((i) => i.path)).toEqual(['/folders/2']);
  });

  test('a save refused because the file changed on disk is told apart from a bad value', () => {
    expect(
      isStaleRefusal({
        ok: false,
        issues: [issue('')],
        message: 'Not saved: the site file changed since you opened it.',
      }),
    ).toBe(true);
    expect(isStaleRefusal({ ok: false, issues: [], stale: true })).toBe(true);
    expect(isStaleRefusal({ ok: false, issues: [issue('/upload/concurrency')], message: 'Not saved.' })).toBe(
      false,
    );
  });
});
