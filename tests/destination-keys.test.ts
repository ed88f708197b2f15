import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  candidateKeys,
  joinKey,
  type KeyState,
  MAX_CONFLICT_SUFFIX,
  normalizePrefix,
  resolveTargetKey,
  suffixKey,
} from '../main/engine/upload/destinations/object-keys.ts';
import { effectivePartSize } from '../main/engine/upload/destinations/s3-multipart.ts';
import { expectUploadError, MIB } from './support/destination-fixtures.ts';

describe('object keys', () => {
  it('puts the conflict suffix before the extension of the file name only', () => {
    assert.equal(suffixKey('a/b.jpg', 1), 'a/b-1.jpg');
    assert.equal(suffixKey('a/b', 2), 'a/b-2');
    assert.equal(suffixKey('a.dir/b', 3), 'a.dir/b-3');
    assert.equal(suffixKey('a/.hidden', 4), 'a/.hidden-4');
    assert.equal(suffixKey('b.tar.gz', 5), 'b.tar-5.gz');
    assert.equal(candidateKeys('x.bin').length, MAX_CONFLICT_SUFFIX + 1);
  });

  it('joins prefix and key with exactly one slash and none in front', () => {
    assert.equal(joinKey('edge', 'a/b.jpg'), 'edge/a/b.jpg');
    assert.equal(joinKey('edge/', '/a/b.jpg'), 'edge/a/b.jpg');
    assert.equal(joinKey('/edge', 'b'), 'edge/b');
    assert.equal(joinKey(undefined, '//b'), 'b');
    assert.equal(normalizePrefix(''), '');
    assert.equal(normalizePrefix('/'), '');
  });

  it('resolves to the first free or same key, and reports when every suffix is taken', async () => {
    const taken = new Set(['k.bin', 'k-1.bin']);
    const stateOf = async (key: string): Promise<KeyState> => (taken.has(key) ? 'different' : 'absent');
    assert.deepEqual(await resolveTargetKey('k.bin', 'suffix', stateOf), {
      key: 'k-2.bin',
      alreadyPresent: false,
    });
    assert.deepEqual(
      await resolveTargetKey('k.bin', 'suffix', async (key) => (key === 'k-1.bin' ? 'same' : 'different')),
      {
        key: 'k-1.bin',
        alreadyPresent: true,
      },
    );
    await expectUploadError(resolveTargetKey('k.bin', 'report', stateOf), 'conflict');
    const full = await expectUploadError(
      resolveTargetKey('k.bin', 'suffix', async () => 'different'),
      'conflict',
    );
    assert.match(full.message, /100 suffixed variants/);
  });

  it('grows the part size in whole MiB when a file would need more than 10,000 parts', () => {
    assert.equal(effectivePartSize(100 * MIB, 16 * MIB), 16 * MIB);
    assert.equal(effectivePartSize(10_000 * 16 * MIB, 16 * MIB), 16 * MIB);
    const grown = effectivePartSize(10_000 * 16 * MIB + 1, 16 * MIB);
    assert.equal(grown, 17 * MIB);
    assert.ok(Math.ceil((10_000 * 16 * MIB + 1) / grown) <= 10_000);
  });
});
