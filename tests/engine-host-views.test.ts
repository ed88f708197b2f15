import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadConfig } from '../main/engine/config/load.ts';
import { CaptureEngine } from '../main/engine/engine.ts';
import type { FileRecord } from '../main/engine/queue/types.ts';
import { type ClientSession, EngineHost } from '../main/host/engine-host.ts';
import { replaceRules, rulesSection } from '../main/host/site-control.ts';
import { CONTRACT_VERSION, decodeClientMessage } from '../shared/contract/index.ts';
import { dropFile, makeSite, type Site, waitFor } from './support/engine-fixtures.ts';

/**
 * The Rules, Activity and queue-action requests against a real engine on a real site file: rules in
 * words, validation with lines and fixes, a save that keeps the admin's comments and changes the
 * next decision without a restart, a dry run that queues nothing, the activity log, throughput.
 */
const CONFIG = ({
  captures,
  dataDir,
}: {
  captures: string;
  dataDir: string;
}) => `# Test site: comments here must survive a save.
site: views-site
device: gw-1
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
    ignore: ["**/thumbs/**"]
reconcileInterval: 0

# Rules are tried top to bottom.
rules:
  # Personal data never leaves the site.
  - name: personal-data
    when: { tags: { any: ["pii:*"] } }
    action: quarantine
    reason: Contains personal data

  - name: logs
    when:
      extension: [log, csv]
      size: { max: 1MiB }
    action: upload
    priority: 5

  - name: images
    when: { extension: jpg }
    action: skip
    reason: Images are not wanted yet

defaultAction: { action: skip, reason: nothing matched }
# Trailing comment.
`;

class Client {
  readonly received: Record<string, unknown>[] = [];
  session!: ClientSession;
  private nextId = 1;
  send = (text: string) => this.received.push(JSON.parse(text));
  close = () => undefined;
  async request(method: string, params: unknown) {
    const id = this.nextId++;
    await this.session.receive(JSON.stringify({ type: 'request', id, method, params }));
    const reply = this.received.findLast((m) => m['type'] === 'reply' && m['id'] === id) as
      | { ok: boolean; result?: Record<string, unknown>; error?: { code: string; message: string } }
      | undefined;
    assert.ok(reply, `no reply to ${method}`);
    return reply;
  }
  async ok(method: string, params: unknown = {}) {
    const reply = await this.request(method, params);
    assert.equal(reply.ok, true, `${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result as Record<string, unknown>;
  }
}

describe('engine host: rules, dry run, activity and file actions on a real engine', () => {
  let site: Site;
  let engine: CaptureEngine;
  let host: EngineHost;
  let client: Client;

  const settled = (path: string, states: string[]) =>
    waitFor(
      () => {
        const found = engine.queue.getByPath(path);
        return found && states.includes(found.state) ? found : undefined;
      },
      `${path} in ${states.join('/')}`,
    ) as Promise<FileRecord>;

  beforeAll(async () => {
    site = await makeSite(CONFIG);
    engine = new CaptureEngine(await loadConfig(site.configPath), { inspectWorkers: 0 });
    await engine.start();
    host = new EngineHost(engine, {
      engineVersion: '0.1.0-test',
      flushIntervalMs: 20,
      throughputIntervalMs: 20,
    });
    client = new Client();
    client.session = host.open(client);
    await client.session.receive(
      JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 't' }),
    );
  });
  afterAll(async () => {
    client.session.closed();
    host.close();
    await engine.stop();
    await site.cleanup();
  });

  test('the rules in words, and the rules section as written (comments included) for the editor', async () => {
    const info = await client.ok('site.info');
    assert.equal(info['site'], 'views-site');
    assert.equal(info['demo'], false);
    assert.equal(info['configFile'], site.configPath);
    const config = await client.ok('config.get');
    const rules = config['rules'] as {
      name: string;
      conditions: string[];
      action: string;
      priority: number;
    }[];
    assert.deepEqual(
      rules.map((rule) => [rule.name, rule.action, rule.priority, rule.conditions]),
      [
        ['personal-data', 'quarantine', 0, ['tagged pii:*']],
        ['logs', 'upload', 5, ['extension is .log or .csv', 'size at most 1MiB']],
        ['images', 'skip', 0, ['extension is .jpg']],
      ],
    );
    assert.equal(config['editable'], true);
    assert.equal(config['fileMatchesEngine'], true);
    const text = config['rulesText'] as string;
    assert.match(text, /^# Personal data never leaves the site\.\n- name: personal-data\n/);
    assert.match(text, /\n\n- name: logs\n {2}when:\n {4}extension: \[log, csv\]/);
  });

  test('an invalid edit is refused with the field, its line in the editor, and the fix; nothing changes', async () => {
    const before = await readFile(site.configPath, 'utf8');
    const { rulesText, revision } = await client.ok('config.get');
    const broken = (rulesText as string).replace('size: { max: 1MiB }', 'size: { max: 1 megabyte }');
    const checked = await client.ok('rules.check', { text: broken });
    assert.equal(checked['ok'], false);
    const [issue] = checked['issues'] as { path: string; line?: number; message: string; hint: string }[];
    assert.equal(issue?.path, '/rules/1/when/size/max');
    const brokenLine = broken.split('\n').findIndex((line) => line.includes('1 megabyte')) + 1;
    assert.equal(issue?.line, brokenLine);
    assert.match(issue?.message ?? '', /1 megabyte/);
    assert.ok((issue?.hint ?? '').length > 0);
    const saved = await client.ok('rules.update', { text: broken, revision });
    assert.equal(saved['ok'], false);
    assert.equal(await readFile(site.configPath, 'utf8'), before, 'the file is untouched');
    const syntax = await client.ok('rules.check', { text: '- name: x\n  action: [upload\n' });
    assert.equal(syntax['ok'], false);
    assert.match((syntax['issues'] as { message: string }[])[0]?.message ?? '', /YAML syntax error/);
    const notAList = await client.ok('rules.check', { text: 'name: x\naction: upload\n' });
    assert.match((notAList['issues'] as { message: string }[])[0]?.message ?? '', /must be a list/);
    // The engine still decides by the old rules.
    await dropFile(join(site.captures, 'before.jpg'), 'jpeg-ish');
    const decided = await settled(join(site.captures, 'before.jpg'), ['skipped']);
    assert.equal(decided.rule, 'images');
  });

  test('a dry run decides with draft rules and queues nothing; paths outside the folders are refused', async () => {
    await dropFile(join(site.captures, 'sub', 'a.log'), 'line\n');
    // At rest (uploaded to the embedded store and kept), so the counts below can only change by the dry run.
    await settled(join(site.captures, 'sub', 'a.log'), ['retained']);
    const counts = engine.queue.counts();
    const seq = engine.queue.lastSeq();
    const { rulesText } = await client.ok('config.get');
    const draft = (rulesText as string).replace(
      'action: skip\n  reason: Images are not wanted yet',
      'action: hold\n  reason: Review images first',
    );
    const dry = await client.ok('rules.dryRun', { folderId: 'cam', text: draft });
    const rows = dry['rows'] as { relPath: string; action: string; rule?: string; reason: string }[];
    const jpg = rows.find((row) => row.relPath === 'before.jpg');
    assert.equal(jpg?.action, 'hold');
    assert.equal(jpg?.reason, 'Review images first');
    assert.equal(rows.find((row) => row.relPath === 'sub/a.log')?.rule, 'logs');
    const byPath = await client.ok('rules.dryRun', {
      paths: ['cam/sub/a.log', '/etc/passwd', 'missing.txt'],
    });
    assert.deepEqual(
      (byPath['rows'] as { relPath: string }[]).map((row) => row.relPath),
      ['sub/a.log'],
    );
    const notes = byPath['notes'] as string[];
    assert.match(notes[0] ?? '', /\/etc\/passwd: not inside a capture folder/);
    assert.match(notes[1] ?? '', /missing\.txt: no such file/);
    const invalid = await client.ok('rules.dryRun', { text: '- name: x\n  action: upload-now\n' });
    assert.equal((invalid['rows'] as unknown[]).length, 0);
    assert.equal((invalid['issues'] as { line?: number }[])[0]?.line, 2);
    assert.deepEqual(engine.queue.counts(), counts, 'nothing queued');
    assert.equal(engine.queue.lastSeq(), seq, 'nothing logged');
  });

  test('a valid save rewrites only the rules (comments kept) and decides the next file without a restart', async () => {
    const before = await readFile(site.configPath, 'utf8');
    const { rulesText, revision } = await client.ok('config.get');
    const draft = (rulesText as string).replace(
      'action: skip\n  reason: Images are not wanted yet',
      'action: hold\n  reason: Review images first',
    );
    const saved = await client.ok('rules.update', { text: draft, revision });
    assert.equal(saved['ok'], true, JSON.stringify(saved['issues']));
    const after = await readFile(site.configPath, 'utf8');
    assert.equal(
      after,
      before.replace(
        'action: skip\n    reason: Images are not wanted yet',
        'action: hold\n    reason: Review images first',
      ),
      'only the edited lines changed; comments and layout elsewhere are as written',
    );
    const reloaded = client.received.filter((m) => m['type'] === 'event' && m['name'] === 'config.reloaded');
    assert.equal(reloaded.length, 1);
    await dropFile(join(site.captures, 'after.jpg'), 'jpeg-ish-2');
    const decided = await settled(join(site.captures, 'after.jpg'), ['held']);
    assert.equal(decided.reason, 'Review images first');
    // The older file keeps its decision; the file re-read by `edge-capture validate` is valid.
    assert.equal(engine.queue.getByPath(join(site.captures, 'before.jpg'))?.state, 'skipped');
    await loadConfig(site.configPath);
    // A save from an editor opened before this one is refused.
    const stale = await client.ok('rules.update', { text: rulesText as string, revision });
    assert.equal(stale['ok'], false);
    assert.match(
      (stale['issues'] as { message: string }[])[0]?.message ?? '',
      /changed since you opened them/,
    );
    assert.equal(await readFile(site.configPath, 'utf8'), after);
  });

  test('splicing rules into YAML: flow lists, no rules key, and JSON files', () => {
    const flow = 'site: s\nrules: []\ndefaultAction: { action: skip }\n';
    const draft = '- name: a\n  action: upload\n';
    const spliced = replaceRules(flow, 'x.yaml', [{ name: 'a', action: 'upload' }], draft);
    assert.equal(
      spliced,
      'site: s\nrules:\n  - name: a\n    action: upload\ndefaultAction: { action: skip }\n',
    );
    const none = replaceRules('site: s # keep\n', 'x.yaml', [{ name: 'a', action: 'upload' }], draft);
    assert.equal(none, 'site: s # keep\n\nrules:\n  - name: a\n    action: upload\n');
    const json = replaceRules('{"site":"s","rules":[]}', 'x.json', [{ name: 'a', action: 'upload' }], draft);
    assert.deepEqual(JSON.parse(json), { site: 's', rules: [{ name: 'a', action: 'upload' }] });
    assert.equal(rulesSection(spliced, 'x.yaml').text, draft);
  });

  test('activity: newest first, filtered by words and kinds, paged', async () => {
    const all = await client.ok('activity.list', { limit: 500 });
    const items = all['items'] as {
      seq: number;
      kind: string;
      category: string;
      relPath?: string;
      detail?: string;
    }[];
    assert.ok(items.length > 5);
    assert.deepEqual(
      items.map((item) => item.seq),
      [...items.map((item) => item.seq)].sort((a, b) => b - a),
    );
    assert.ok(items.some((item) => item.kind === 'rules-changed' && item.category === 'engine'));
    const found = await client.ok('activity.list', { limit: 50, text: 'after.jpg held' });
    const hits = found['items'] as { relPath?: string; to?: string }[];
    assert.ok(hits.length >= 1);
    assert.ok(hits.every((item) => item.relPath === 'after.jpg'));
    const engineOnly = await client.ok('activity.list', { limit: 50, kinds: ['engine'] });
    assert.ok((engineOnly['items'] as { category: string }[]).every((item) => item.category === 'engine'));
    const first = await client.ok('activity.list', { limit: 2 });
    const second = await client.ok('activity.list', { limit: 2, before: first['nextBefore'] });
    assert.ok((second['items'] as { seq: number }[])[0]!.seq < (first['items'] as { seq: number }[])[1]!.seq);
    const literal = await client.ok('activity.list', { limit: 5, text: '100%_' });
    assert.equal((literal['items'] as unknown[]).length, 0);
  });

  test('actions: re-queue a skipped file, release a quarantined one, bump priority; others refused', async () => {
    const skipped = engine.queue.getByPath(join(site.captures, 'before.jpg'))!;
    const requeued = await client.ok('files.requeue', { ids: [skipped.id] });
    assert.deepEqual(requeued, { changed: 1, refused: [] });
    const queued = await settled(skipped.absPath, ['queued', 'uploading', 'uploaded', 'retained']);
    assert.match(queued.objectKey ?? '', /^views-site\/gw-1\/\d{4}\/\d{2}\/\d{2}\/before\.jpg$/);
    await settled(skipped.absPath, ['uploaded', 'retained']);
    await dropFile(join(site.captures, 'id.csv'), 'name,email\nA,someone@example.com\n');
    const pii = await settled(join(site.captures, 'id.csv'), ['quarantined']);
    const held = engine.queue.getByPath(join(site.captures, 'after.jpg'))!;
    const refused = await client.ok('files.requeue', { ids: [held.id] });
    assert.equal(refused['changed'], 0);
    assert.match((refused['refused'] as { why: string }[])[0]?.why ?? '', /Only skipped files/);
    const released = await client.ok('files.release', { ids: [pii.id] });
    assert.deepEqual(released, { changed: 1, refused: [] });
    const out = await settled(pii.absPath, ['queued', 'uploading', 'uploaded', 'retained']);
    assert.match(out.reason ?? '', /Released from quarantine by an operator/);
    const bumpRefused = await client.ok('files.bumpPriority', { ids: [held.id], by: 10 });
    assert.match((bumpRefused['refused'] as { why: string }[])[0]?.why ?? '', /waiting to upload/);
  });

  test('throughput: uploads counted per minute over the last hour, pushed as an event', async () => {
    const series = await client.ok('stats.throughput');
    const buckets = series['buckets'] as { files: number; bytes: number }[];
    assert.equal(buckets.length, 60);
    const uploaded = engine.queue.counts();
    const total = buckets.reduce((sum, bucket) => sum + bucket.files, 0);
    assert.equal(total, (uploaded.uploaded ?? 0) + (uploaded.retained ?? 0) + (uploaded.removed ?? 0));
    assert.ok(buckets.reduce((sum, bucket) => sum + bucket.bytes, 0) > 0);
    await waitFor(
      () => client.received.some((m) => m['type'] === 'event' && m['name'] === 'throughput'),
      'a throughput event',
    );
    // A fresh host (a restart) reads the same numbers back from the change log.
    const again = new EngineHost(engine, { engineVersion: 'x' });
    const fresh = new Client();
    fresh.session = again.open(fresh);
    await fresh.session.receive(
      JSON.stringify({ type: 'hello', contractVersion: CONTRACT_VERSION, client: 't' }),
    );
    const reread = (await fresh.ok('stats.throughput'))['buckets'] as { files: number }[];
    assert.equal(
      reread.reduce((sum, bucket) => sum + bucket.files, 0),
      total,
    );
    again.close();
  });

  test('contract: the new requests refuse bad parameters before any handler runs', () => {
    const bad = [
      ['activity.list', { limit: 0 }],
      ['activity.list', { limit: 10, kinds: ['everything'] }],
      ['files.bumpPriority', { ids: [1], by: 5000 }],
      ['files.requeue', { ids: [] }],
      ['rules.update', { revision: 'x' }],
      ['rules.dryRun', { paths: 'cam' }],
      ['config.get', { extra: true }],
    ] as const;
    for (const [method, params] of bad) {
      const decoded = decodeClientMessage(JSON.stringify({ type: 'request', id: 1, method, params }));
      assert.equal(decoded.ok, false, `${method} ${JSON.stringify(params)}`);
      if (!decoded.ok) assert.equal(decoded.error.code, 'invalid_params');
    }
  });
});
