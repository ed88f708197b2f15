import { describe, expect, test } from 'vitest';
import { RevisionLineage, touchedBy } from '../../renderer/src/views/settings/revisions.ts';
import type { SettingsSaved } from '../../shared/contract/index.ts';

const saved = (revision: string): SettingsSaved => ({
  ok: true,
  issues: [],
  warnings: [],
  changes: [],
  saved: true,
  applied: true,
  revision,
  message: 'Saved',
});

describe('a form saves past this window’s own saves, never past a change to its own settings', () => {
  test('a save of other settings since the form opened: the form uses the newest revision', () => {
    const lineage = new RevisionLineage();
    lineage.record('r0', saved('r1'), [{ path: '/retention/keepFor', value: '3d' }]);
    lineage.record('r1', saved('r2'), [{ path: '/destinations/0/bucket', value: 'b' }]);
    expect(lineage.resolve('r0', [{ path: '/upload/concurrency', value: 8 }])).toBe('r2');
  });

  test('a save that touched the same setting stops the walk: the host then refuses the stale form', () => {
    const lineage = new RevisionLineage();
    lineage.record('r0', saved('r1'), [{ path: '/upload/concurrency', value: 5 }]);
    expect(lineage.resolve('r0', [{ path: '/upload/concurrency', value: 8 }])).toBe('r0');
    // A parent or child of the setting counts as the same setting.
    lineage.record('q0', saved('q1'), [{ path: '/upload', value: { concurrency: 2 } }]);
    expect(lineage.resolve('q0', [{ path: '/upload/partSize', value: '16M' }])).toBe('q0');
  });

  test('adding or removing a list entry touches the whole list (indices shift)', () => {
    expect(touchedBy({ path: '/folders/-', value: { id: 'x', path: '/x' } })).toBe('/folders');
    expect(touchedBy({ path: '/folders/1' })).toBe('/folders');
    expect(touchedBy({ path: '/folders/1/path', value: '/y' })).toBe('/folders/1/path');
    const lineage = new RevisionLineage();
    lineage.record('r0', saved('r1'), [{ path: '/folders/0' }]);
    expect(lineage.resolve('r0', [{ path: '/folders/1/path', value: '/z' }])).toBe('r0');
    expect(lineage.resolve('r0', [{ path: '/upload/concurrency', value: 3 }])).toBe('r1');
  });

  test('refused saves and unknown revisions leave the form at its own revision', () => {
    const lineage = new RevisionLineage();
    lineage.record('r0', { ...saved('r1'), ok: false, saved: false }, [{ path: '/a', value: 1 }]);
    expect(lineage.resolve('r0', [{ path: '/b', value: 1 }])).toBe('r0');
    expect(lineage.resolve(undefined, [{ path: '/b', value: 1 }])).toBeUndefined();
  });
});
