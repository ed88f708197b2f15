import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'vitest';
import { classifyName, finalNameForTemp, finalNamesForTemp } from '../main/engine/watch/index.ts';
import { toRelPosix } from '../main/engine/watch/names.ts';
import { folderAt } from './support/fs-helpers.ts';

describe('classifyName', () => {
  const folder = folderAt('/data/cam', { ignore: ['*.xmp', 'thumbs/**', 'raw/*.dng'] });

  test('temp suffixes and prefixes, case-insensitive suffixes', () => {
    for (const name of [
      'a.jpg.part',
      'a.JPG.PART',
      'b.tmp',
      'c.crdownload',
      'd.jpg~',
      '~$report.docx',
      '.~lock.x#',
    ]) {
      assert.equal(classifyName(folder, name), 'temp', name);
      assert.equal(classifyName(folder, `sub/${name}`), 'temp', `sub/${name}`);
    }
  });

  test('dotfiles are temp when ignoreDotfiles, candidates otherwise; files in hidden folders are ignored', () => {
    assert.equal(classifyName(folder, '.hidden.jpg'), 'temp');
    assert.equal(classifyName(folder, '.cache/a.jpg'), 'ignored');
    const showDots = folderAt('/data/cam', { ignoreDotfiles: false });
    assert.equal(classifyName(showDots, '.hidden.jpg'), 'candidate');
    assert.equal(classifyName(showDots, '.cache/a.jpg'), 'candidate');
  });

  test('ignore globs: base-name globs match at any depth, dir/** covers the folder', () => {
    assert.equal(classifyName(folder, 'x.xmp'), 'ignored');
    assert.equal(classifyName(folder, 'a/b/x.xmp'), 'ignored');
    assert.equal(classifyName(folder, 'thumbs/a.jpg'), 'ignored');
    assert.equal(classifyName(folder, 'thumbs'), 'ignored');
    assert.equal(classifyName(folder, 'raw/x.dng'), 'ignored');
    assert.equal(classifyName(folder, 'raw/deeper/x.dng'), 'candidate');
    assert.equal(classifyName(folder, 'other/thumbs.jpg'), 'candidate');
  });

  test('ordinary names are candidates', () => {
    for (const name of ['a.jpg', 'sub/dir/b.png', 'part', 'tmp/x.csv', 'notes~draft.txt']) {
      assert.equal(classifyName(folder, name), 'candidate', name);
    }
  });
});

describe('finalNameForTemp', () => {
  const folder = folderAt('/data/cam');

  test('strips suffixes, prefixes and leading dots', () => {
    assert.equal(finalNameForTemp(folder, 'x.jpg.part'), 'x.jpg');
    assert.equal(finalNameForTemp(folder, 'x.jpg~'), 'x.jpg');
    assert.equal(finalNameForTemp(folder, '~$x.docx'), 'x.docx');
    assert.equal(finalNameForTemp(folder, '.x.jpg'), 'x.jpg');
    assert.equal(finalNameForTemp(folder, '.x.jpg.part'), 'x.jpg');
  });

  test('recognises rsync temp names', () => {
    assert.equal(finalNameForTemp(folder, '.clip.mp4.a1B2c3'), 'clip.mp4');
    assert.ok(finalNamesForTemp(folder, '.clip.mp4.a1B2c3').includes('clip.mp4.a1B2c3'));
  });

  test('gives nothing for a name that is not temp', () => {
    assert.equal(finalNameForTemp(folder, 'x.jpg'), undefined);
    assert.equal(finalNameForTemp(folderAt('/data/cam', { ignoreDotfiles: false }), '.x.jpg'), undefined);
  });
});

describe('toRelPosix', () => {
  test('agrees with path.relative for paths inside, outside, unnormalized and at the root', () => {
    const roots = ['/data/cam', '/data/cam/', '/', '/data/./cam', 'rel/cam'];
    const paths = [
      '/data/cam/a.jpg',
      '/data/cam/sub/b.jpg',
      '/data/cam/.hidden/c.jpg',
      '/data/cam/..hidden',
      '/data/cam',
      '/data/camera/a.jpg',
      '/data/cam/../other/a.jpg',
      '/data/cam/./a.jpg',
      '/data/cam//a.jpg',
      '/data/cam/sub/',
      '/data/cam/sub/..',
      '/data/cam/sub/.',
      'rel/cam/a.jpg',
      '/elsewhere/a.jpg',
    ];
    for (const root of roots) {
      for (const p of paths) assert.equal(toRelPosix(root, p), path.relative(root, p), `${root} ${p}`);
    }
  });
});
