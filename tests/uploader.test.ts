/**
 * The upload scheduler on a real SQLite queue, real files and the real filesystem destination.
 * Failure modes come from FaultyDestination below: the real destination with faults injected
 * on purpose (a controlled fault, like pulling a cable), not a stand-in for the code under test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import type { FileRecord, QueueChange } from '../main/engine/queue/types.ts';
import { BandwidthSpecError } from '../main/engine/upload/bandwidth.ts';
import { createFilesystemDestination } from '../main/engine/upload/destinations/filesystem.ts';
import { ownerTagFor } from '../main/engine/upload/destinations/fs-paths.ts';
import { resolveUploadSettings } from '../main/engine/upload/settings.ts';
import {
  type Destination,
  type Leftovers,
  UploadError,
  type UploadOptions,
  type UploadResult,
  type UploadSource,
} from '../main/engine/upload/types.ts';
import { Uploader } from '../main/engine/upload/uploader.ts';
import type { UploadConfig } from '../shared/upload-config.ts';

type Fault = (source: UploadSource, call: number) => UploadError | undefined;

/** The real filesystem destination, with faults switched on and off by the test. */
class FaultyDestination implements Destination {
  readonly kind = 'filesystem';
  readonly label: string;
  readonly isLocalDemo = false;
  private readonly inner: Destination;
  /** The store is unreachable: uploads and probes fail with `offline`. */
  offline = false;
  /** The store refuses our credentials for everything, probes included. */
  badCredentials = false;
  /** Per object key: a fault for the nth call (1-based), or none. */
  readonly faults = new Map<string, Fault>();
  /** Uploads wait this long before copying, so several overlap. */
  delayMs = 0;
  /** Uploads wait until aborted (to stop or supersede them mid-flight). */
  hold = false;
  readonly sources: UploadSource[] = [];
  readonly callsByKey = new Map<string, number>();
  probes = 0;
  active = 0;
  maxActive = 0;

  constructor(inner: Destination) {
    this.inner = inner;
    this.label = inner.label;
  }

  async probe(signal?: AbortSignal): Promise<void> {
    this.probes++;
    if (this.offline) throw new UploadError('offline', 'connect ECONNREFUSED 127.0.0.1:9');
    if (this.badCredentials) throw new UploadError('auth', 'InvalidAccessKeyId: the key does not exist');
    return this.inner.probe(signal);
  }

  async upload(source: UploadSource, options: UploadOptions): Promise<UploadResult> {
    this.sources.push(source);
    const call = (this.callsByKey.get(source.objectKey) ?? 0) + 1;
    this.callsByKey.set(source.objectKey, call);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.hold) await waitForAbort(options.signal);
      if (this.offline) throw new UploadError('offline', 'connect ECONNREFUSED 127.0.0.1:9');
      if (this.badCredentials) throw new UploadError('auth', 'InvalidAccessKeyId: the key does not exist');
      const fault = this.faults.get(source.objectKey)?.(source, call);
      if (fault) throw fault;
      return await this.inner.upload(source, options);
    } finally {
      this.active--;
    }
  }

  abortOrphans(leftovers: Leftovers): Promise<number> {
    return this.inner.abortOrphans(leftovers);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  get uploadCalls(): number {
    return this.sources.length;
  }
}

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  dir: string;
  captures: string;
  store: string;
  queue: CaptureQueue;
  destination: FaultyDestination;
  uploader: Uploader;
  uploaded: FileRecord[];
  statusEvents: boolean[];
}

async function harness(
  options: { upload?: UploadConfig; onConflict?: 'report' | 'suffix'; dir?: string } = {},
): Promise<Harness> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'edge-uploader-')));
  if (!options.dir) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const captures = join(dir, 'captures');
  const store = join(dir, 'store');
  await mkdir(captures, { recursive: true });
  await mkdir(store, { recursive: true });
  const queue = new CaptureQueue(join(dir, 'queue.db'), { durability: 'normal' });
  const real = createFilesystemDestination({
    type: 'filesystem',
    path: store,
    fsync: false,
    onConflict: options.onConflict,
  });
  const destination = new FaultyDestination(real);
  const settings = resolveUploadSettings({
    backoff: { initial: 10, max: 40 },
    offlineProbeInterval: 100,
    requestTimeout: 5000,
    ...options.upload,
  });
  const uploaded: FileRecord[] = [];
  const uploader = new Uploader(queue, destination, settings, {
    site: 'plant-7',
    device: 'edge-1',
    onUploaded: (record) => uploaded.push(record),
  });
  const statusEvents: boolean[] = [];
  uploader.on('status', (status) => statusEvents.push(status.online));
  cleanups.push(async () => {
    await uploader.stop();
    queue.close();
  });
  return { dir, captures, store, queue, destination, uploader, uploaded, statusEvents };
}

/** Puts a real file through the real queue API up to `queued`, as the engine would. */
async function queueFile(
  h: { queue: CaptureQueue; captures: string },
  name: string,
  content: string,
  options: { priority?: number; key?: string; tags?: Record<string, number> } = {},
): Promise<number> {
  const absPath = join(h.captures, name);
  await mkdir(dirname(absPath), { recursive: true });
  await writeFile(absPath, content);
  const info = await stat(absPath);
  const { id } = h.queue.discover({
    folderId: 'cam',
    relPath: name,
    absPath,
    size: info.size,
    mtimeMs: info.mtimeMs,
  });
  h.queue.saveInspection(id, {
    size: info.size,
    mtimeMs: info.mtimeMs,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentType: 'text/plain',
    contentTypeSource: 'extension',
    tags: options.tags ?? {},
    warnings: [],
  });
  h.queue.saveDecision(
    id,
    {
      action: 'upload',
      rule: 'everything',
      ruleIndex: 0,
      reason: 'every file goes up',
      priority: options.priority ?? 0,
      objectKey: options.key ?? `plant-7/cam/${name}`,
      metadata: {},
      trace: [],
      decidedAt: Date.now(),
    },
    'queued',
  );
  return id;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stateOf = (h: Harness, id: number) => h.queue.get(id)?.state;
const allIn = (h: Harness, ids: number[], state: string) => ids.every((id) => stateOf(h, id) === state);

describe('Uploader: the happy path and scheduling', () => {
  test('a queued file is uploaded: states, key, detail, metadata and the copy at the store', async () => {
    const h = await harness();
    const id = await queueFile(h, 'shots/a.txt', 'hello', { tags: { 'pii:email': 2 } });
    const events: FileRecord[] = [];
    h.uploader.on('uploaded', (record) => events.push(record));
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'uploaded', 'the upload');

    const record = h.queue.get(id)!;
    assert.equal(record.objectKey, 'plant-7/cam/shots/a.txt');
    assert.equal(record.upload, undefined);
    assert.equal(record.attempts, 0);
    assert.equal(await readFile(join(h.store, 'plant-7/cam/shots/a.txt'), 'utf8'), 'hello');
    const history = h.queue.history(id).filter((change) => change.kind === 'state');
    assert.deepEqual(
      history.map((change) => change.to),
      ['inspected', 'queued', 'uploading', 'uploaded'],
    );
    assert.match(history.at(-1)!.detail!, /^uploaded 5 B as file plant-7\/cam\/shots\/a\.txt$/);
    assert.deepEqual(
      h.uploaded.map((r) => r.id),
      [id],
    );
    assert.deepEqual(
      events.map((r) => r.state),
      ['uploaded'],
    );

    const sent = h.destination.sources[0]!;
    assert.equal(sent.metadata.site, 'plant-7');
    assert.equal(sent.metadata.device, 'edge-1');
    assert.equal(sent.metadata.folder, 'cam');
    assert.equal(sent.metadata.sha256, record.sha256);
    assert.equal(sent.metadata.pii, 'email=2');
    assert.equal(sent.metadata.rule, 'everything');
    assert.equal(sent.tags?.pii, 'true');

    const status = h.uploader.status();
    assert.equal(status.online, true);
    assert.ok(status.lastSuccessAt);
    assert.deepEqual(status.inFlight, []);
    assert.equal(status.destination, h.destination.label);
    assert.equal(status.bandwidthLimit, undefined);
  });

  test('the same content already at the key counts as uploaded, and says so', async () => {
    const h = await harness();
    h.uploader.start();
    const first = await queueFile(h, 'a.txt', 'same bytes', { key: 'shared/key.txt' });
    await waitFor(() => stateOf(h, first) === 'uploaded', 'the first upload');
    const second = await queueFile(h, 'b.txt', 'same bytes', { key: 'shared/key.txt' });
    h.uploader.wake();
    await waitFor(() => stateOf(h, second) === 'uploaded', 'the second upload');
    assert.match(h.queue.history(second).at(-1)!.detail!, /as file shared\/key\.txt \(already present\)$/);
  });

  test('highest priority first, then oldest first (or newest, when configured)', async () => {
    for (const order of ['oldest', 'newest'] as const) {
      const h = await harness({ upload: { concurrency: 1, order } });
      const low = await queueFile(h, 'low.txt', 'l', { priority: 0 });
      const highOld = await queueFile(h, 'high-old.txt', 'ho', { priority: 5 });
      const mid = await queueFile(h, 'mid.txt', 'm', { priority: 1 });
      const highNew = await queueFile(h, 'high-new.txt', 'hn', { priority: 5 });
      h.uploader.start();
      await waitFor(() => allIn(h, [low, highOld, mid, highNew], 'uploaded'), 'all uploads');
      const highs = order === 'oldest' ? ['high-old.txt', 'high-new.txt'] : ['high-new.txt', 'high-old.txt'];
      assert.deepEqual(
        h.destination.sources.map((s) => s.objectKey.split('/').at(-1)),
        [...highs, 'mid.txt', 'low.txt'],
        order,
      );
    }
  });

  test('never more than `concurrency` uploads at once', async () => {
    const h = await harness({ upload: { concurrency: 2 } });
    h.destination.delayMs = 30;
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, i) => queueFile(h, `f${i}.txt`, `file ${i}`)),
    );
    let mostInFlight = 0;
    h.uploader.start();
    await waitFor(() => {
      mostInFlight = Math.max(mostInFlight, h.uploader.status().inFlight.length);
      return allIn(h, ids, 'uploaded');
    }, 'all uploads');
    assert.equal(h.destination.maxActive, 2);
    assert.ok(mostInFlight <= 2);
  });

  test('stop() mid-upload puts the file back in the queue, and the next start uploads it', async () => {
    const h = await harness();
    h.destination.hold = true;
    const id = await queueFile(h, 'a.txt', 'hello');
    h.uploader.start();
    await waitFor(() => h.uploader.status().inFlight.length === 1, 'the upload to start');
    assert.equal(stateOf(h, id), 'uploading');
    await h.uploader.stop();
    const record = h.queue.get(id)!;
    assert.equal(record.state, 'queued');
    assert.equal(record.attempts, 0);
    assert.match(h.queue.history(id).at(-1)!.detail!, /upload stopped with the engine/);
    h.destination.hold = false;
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'uploaded', 'the upload after restart');
  });

  test('after a crash, files left `uploading` are recovered and uploaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-uploader-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const before = await harness({ dir });
    const id = await queueFile(before, 'a.txt', 'hello');
    // The crash: the row was mid-upload when the process died, and nobody put it back.
    before.queue.transition(id, 'uploading');
    before.queue.close();

    const after = await harness({ dir });
    assert.equal(stateOf(after, id), 'uploading');
    after.uploader.start();
    await waitFor(() => stateOf(after, id) === 'uploaded', 'the recovered upload');
    const details = after.queue.history(id).map((change) => change.detail);
    assert.ok(details.includes('upload interrupted by a restart; resuming'));
  });

  test('a file moved on by someone else mid-upload is left as they put it', async () => {
    const h = await harness();
    h.destination.hold = true;
    const id = await queueFile(h, 'a.txt', 'hello');
    const other = await queueFile(h, 'b.txt', 'world');
    h.uploader.start();
    await waitFor(() => h.uploader.status().inFlight.length === 2, 'both uploads to start');
    h.queue.markVanished(join(h.captures, 'a.txt'));
    await waitFor(
      () => !h.uploader.status().inFlight.some((job) => job.fileId === id),
      'the upload to be dropped',
    );
    assert.equal(stateOf(h, id), 'vanished');
    h.destination.hold = false;
    await h.uploader.stop();
    assert.equal(stateOf(h, other), 'queued');
    h.uploader.start();
    await waitFor(() => stateOf(h, other) === 'uploaded', 'the other upload');
    assert.equal(stateOf(h, id), 'vanished');
  });
});

describe('Uploader: housekeeping', () => {
  test('the bandwidth limit can be changed at run time, and bad specs are refused', async () => {
    const h = await harness({ upload: { bandwidth: '10M' } });
    assert.equal(h.uploader.status().bandwidthLimit, 10 * 1024 * 1024);
    h.uploader.setBandwidth('512k');
    assert.equal(h.uploader.status().bandwidthLimit, 512 * 1024);
    h.uploader.setBandwidth('off');
    assert.equal(h.uploader.status().bandwidthLimit, undefined);
    assert.throws(() => h.uploader.setBandwidth('fast'), BandwidthSpecError);
  });

  test("leftovers of copies a crash interrupted are cleaned up at start; another engine's are not", async () => {
    const h = await harness();
    // A crash left this file mid-copy: it is still `uploading` when the uploader starts.
    const id = await queueFile(h, 'cut.txt', 'cut short', { key: 'plant-7/cam/cut.txt' });
    assert.ok(h.queue.moveIf(id, ['queued'], 'uploading'));
    const beside = join(h.store, 'plant-7', 'cam');
    const ours = join(beside, `.ec-${ownerTagFor(h.store)}-0123abcd.tmp`);
    const anotherEngines = join(beside, `.ec-${ownerTagFor('/another/site')}-4567ef01.tmp`);
    await mkdir(beside, { recursive: true });
    await writeFile(ours, 'half a copy');
    await writeFile(anotherEngines, 'another site copying into the same share');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(anotherEngines, twoHoursAgo, twoHoursAgo);
    h.uploader.start();
    await waitFor(() => !existsSync(ours), 'our leftover temp file to go');
    await waitFor(() => stateOf(h, id) === 'uploaded', 'the interrupted file to be uploaded again');
    assert.equal(existsSync(anotherEngines), true, "another engine's temp file is not ours to remove");
  });
});

describe('Uploader: failures', () => {
  test('offline: uploads pause, one probe per interval, attempts untouched, automatic resume', async () => {
    const h = await harness({ upload: { concurrency: 4, maxAttempts: 1, offlineProbeInterval: 100 } });
    h.destination.offline = true;
    const ids = await Promise.all(['a', 'b', 'c'].map((name) => queueFile(h, `${name}.txt`, name)));
    h.uploader.start();
    await waitFor(() => !h.uploader.status().online && allIn(h, ids, 'queued'), 'the uploader to go offline');
    const status = h.uploader.status();
    assert.equal(status.pausedFor, 'offline');
    assert.ok(status.offlineSince);
    assert.ok(status.nextProbeAt);
    assert.match(status.lastError ?? '', /ECONNREFUSED/);

    const uploadsBefore = h.destination.uploadCalls;
    const probesBefore = h.destination.probes;
    await sleep(550);
    // Not hammering: no upload is tried while offline, and probes come about once per interval.
    assert.equal(h.destination.uploadCalls, uploadsBefore);
    const probes = h.destination.probes - probesBefore;
    assert.ok(probes >= 1 && probes <= 10, `${probes} probes in 550 ms at a 100 ms interval`);
    for (const id of ids) {
      const record = h.queue.get(id)!;
      assert.equal(record.state, 'queued');
      assert.equal(record.attempts, 0, 'offline time does not count as attempts');
    }

    h.destination.offline = false;
    await waitFor(() => allIn(h, ids, 'uploaded'), 'uploads after the store came back');
    assert.equal(h.uploader.status().online, true);
    assert.deepEqual(h.statusEvents, [false, true]);
    const notes = h.queue.changesSince(0).filter((change: QueueChange) => change.kind === 'upload');
    assert.ok(notes.some((note) => /uploads paused \(offline\)/.test(note.detail ?? '')));
    assert.ok(notes.some((note) => /store answers again/.test(note.detail ?? '')));
  });

  test('throttled: retried after a backoff no shorter than Retry-After, without counting attempts', async () => {
    const h = await harness({ upload: { maxAttempts: 1 } });
    const thrownAt: number[] = [];
    h.destination.faults.set('plant-7/cam/busy.txt', (_, call) => {
      if (call > 2) return undefined;
      thrownAt.push(Date.now());
      return new UploadError('throttled', 'SlowDown: reduce your request rate', { retryAfterMs: 40 });
    });
    const id = await queueFile(h, 'busy.txt', 'busy');
    const waits: number[] = [];
    h.queue.on('change', (changes) => {
      for (const change of changes) {
        if (change.fileId === id && change.to === 'failed') {
          waits.push(h.queue.get(id)!.nextAttemptAt! - thrownAt[waits.length]!);
        }
      }
    });
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'uploaded', 'the upload after throttling');
    assert.equal(waits.length, 2);
    for (const wait of waits) assert.ok(wait >= 40, `retry ${wait} ms after the failure`);
    assert.equal(h.queue.get(id)!.attempts, 0);
    assert.equal(h.destination.callsByKey.get('plant-7/cam/busy.txt'), 3);
    const failures = h.queue.history(id).filter((change) => change.to === 'failed');
    assert.match(failures[0]!.detail!, /store busy: SlowDown/);
  });

  test('a poison file is quarantined after maxAttempts while the others upload', async () => {
    const h = await harness({ upload: { maxAttempts: 3, concurrency: 1 } });
    h.destination.faults.set(
      'plant-7/cam/poison.txt',
      () => new UploadError('bad_request', 'InvalidArgument: bad header'),
    );
    const poison = await queueFile(h, 'poison.txt', 'poison', { priority: 9 });
    const good = await Promise.all(['a', 'b', 'c'].map((name) => queueFile(h, `${name}.txt`, name)));
    h.uploader.start();
    await waitFor(
      () => stateOf(h, poison) === 'quarantined' && allIn(h, good, 'uploaded'),
      'the queue to settle',
    );
    const record = h.queue.get(poison)!;
    assert.equal(record.attempts, 3);
    assert.equal(record.lastError, 'InvalidArgument: bad header');
    assert.match(record.reason ?? '', /failed 3 times/);
    assert.equal(h.destination.callsByKey.get('plant-7/cam/poison.txt'), 3);
    const details = h.queue.history(poison).map((change) => change.detail ?? '');
    assert.ok(details.some((detail) => /attempt 1 of 3 failed \(bad_request\)/.test(detail)));
  });

  test('credentials refused for everything: the uploader pauses instead of quarantining the queue', async () => {
    const h = await harness({ upload: { maxAttempts: 1, offlineProbeInterval: 50 } });
    h.destination.badCredentials = true;
    const ids = await Promise.all(['a', 'b'].map((name) => queueFile(h, `${name}.txt`, name)));
    h.uploader.start();
    await waitFor(() => h.uploader.status().pausedFor === 'auth' && allIn(h, ids, 'queued'), 'the pause');
    await waitFor(() => h.destination.probes >= 3, 'a few probes');
    for (const id of ids) assert.equal(h.queue.get(id)!.attempts, 0);
    assert.match(h.uploader.status().lastError ?? '', /InvalidAccessKeyId/);
    h.destination.badCredentials = false;
    await waitFor(() => allIn(h, ids, 'uploaded'), 'uploads once the key is fixed');
  });

  test('permission refused for one key only counts against that file, not the store', async () => {
    const h = await harness({ upload: { maxAttempts: 2 } });
    h.destination.faults.set(
      'plant-7/cam/secret.txt',
      () => new UploadError('permission', 'AccessDenied on secret.txt'),
    );
    const secret = await queueFile(h, 'secret.txt', 'secret');
    const others = await Promise.all(['a', 'b'].map((name) => queueFile(h, `${name}.txt`, name)));
    h.uploader.start();
    await waitFor(
      () => stateOf(h, secret) === 'quarantined' && allIn(h, others, 'uploaded'),
      'the queue to settle',
    );
    assert.equal(h.queue.get(secret)!.attempts, 2);
    assert.deepEqual(h.statusEvents, [], 'the uploader never paused');
  });

  test('permission refused while the store is too busy to answer a probe: retried, nothing counted', async () => {
    const h = await harness({ upload: { maxAttempts: 1 } });
    let probeBusy = true;
    const realProbe = h.destination.probe.bind(h.destination);
    h.destination.probe = async (signal) => {
      if (probeBusy) throw new UploadError('server', 'InternalError: try again');
      return realProbe(signal);
    };
    h.destination.faults.set('plant-7/cam/a.txt', (_, call) =>
      call === 1 ? new UploadError('permission', 'AccessDenied') : undefined,
    );
    const id = await queueFile(h, 'a.txt', 'a');
    const failed = new Promise<void>((resolve) =>
      h.queue.on('change', (changes) => {
        if (changes.some((change) => change.fileId === id && change.to === 'failed')) resolve();
      }),
    );
    h.uploader.start();
    await failed;
    probeBusy = false;
    await waitFor(() => stateOf(h, id) === 'uploaded', 'the retry');
    assert.equal(h.queue.get(id)!.attempts, 0);
    assert.deepEqual(h.statusEvents, [], 'a busy store is not a reason to pause');
  });

  test('a different object at the key puts the file in `conflict`', async () => {
    const h = await harness({ onConflict: 'report' });
    await mkdir(join(h.store, 'plant-7/cam'), { recursive: true });
    await writeFile(join(h.store, 'plant-7/cam/c.txt'), 'someone else');
    const id = await queueFile(h, 'c.txt', 'ours');
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'conflict', 'the conflict');
    const record = h.queue.get(id)!;
    assert.ok(record.reason && record.reason.length > 0);
    assert.equal(await readFile(join(h.store, 'plant-7/cam/c.txt'), 'utf8'), 'someone else');
  });

  test('a file changed since inspection goes back to `discovered` to be looked at again', async () => {
    const h = await harness();
    const id = await queueFile(h, 'a.txt', 'first version');
    await writeFile(join(h.captures, 'a.txt'), 'second, longer version');
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'discovered', 'the revisit');
    assert.equal(h.queue.history(id).at(-1)!.detail, 'changed while uploading; looking at it again');
  });

  test('a file gone from disk becomes `vanished`', async () => {
    const h = await harness();
    const id = await queueFile(h, 'a.txt', 'soon gone');
    await rm(join(h.captures, 'a.txt'));
    h.uploader.start();
    await waitFor(() => stateOf(h, id) === 'vanished', 'the vanish');
    assert.equal(h.destination.uploadCalls, 1);
  });
});
