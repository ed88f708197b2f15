import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { CaptureQueue } from '../main/engine/queue/queue.ts';
import { dropFile, makeSite, waitFor } from './support/engine-fixtures.ts';

const CLI = join(import.meta.dirname, '..', 'main', 'cli', 'index.ts');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

const site = await makeSite(
  ({ captures, dataDir }) => `
site: cli-site
dataDir: ${dataDir}
folders:
  - id: cam
    path: ${captures}
    stableWindow: 200ms
rules:
  - name: personal-data
    when: { tags: { any: ["pii:*"] } }
    action: quarantine
    reason: Contains personal data
  - name: images
    when: { contentType: image/* }
    action: upload
defaultAction: { action: skip, reason: Not an image }
`,
);
afterAll(() => site.cleanup());

describe('edge-capture CLI', () => {
  test('--help and unknown commands', () => {
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: edge-capture <command>/);
    const unknown = cli('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const missing = cli('run');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--config FILE is required/);
  });

  test('validate: ok, and exit 3 naming the bad field', async () => {
    const ok = cli('validate', '--config', site.configPath);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /is valid: site "cli-site", 1 folder\(s\), 2 rule\(s\)/);
    const bad = await makeSite(
      ({ captures }) => `site: x\nfolders: [{path: ${captures}}]\nrules:\n  - name: r\n    action: uplaod\n`,
    );
    try {
      const result = cli('validate', '--config', bad.configPath);
      assert.equal(result.status, 3);
      assert.match(result.stderr, /site\.yaml:5:\d+ \/rules\/0\/action/);
      assert.match(result.stderr, /upload, skip, quarantine/);
    } finally {
      await bad.cleanup();
    }
  });

  test('simulate then dry-run shows every decision and queues nothing', () => {
    const sim = cli('simulate', '--to', site.captures, '--count', '30', '--seed', '3', '--rate', 'max');
    assert.equal(sim.status, 0, sim.stderr);
    assert.match(sim.stdout, /wrote 30 captures/);
    const dry = cli('dry-run', '--config', site.configPath, '--json');
    assert.equal(dry.status, 0, dry.stderr);
    const lines = dry.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.ok(lines.length >= 30, `${lines.length} decisions`);
    assert.ok(lines.some((line) => line.action === 'upload' && line.rule === 'images'));
    assert.ok(lines.every((line) => typeof line.reason === 'string' && line.reason.length > 0));
    assert.ok(
      !lines.some((line) => String(line.file).endsWith('.pred.json')),
      'sidecars are not decided alone',
    );
    const status = cli('status', '--config', site.configPath);
    assert.equal(status.status, 1, 'no queue exists after a dry run');
    assert.match(status.stderr, /No queue database/);
  });

  test('run, status, list, explain, bandwidth, and a clean stop on SIGTERM', async () => {
    const engine = spawn(process.execPath, [CLI, 'run', '--config', site.configPath, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    engine.stdout.on('data', (chunk) => (output += chunk));
    try {
      await waitFor(
        () => cli('status', '--config', site.configPath, '--require-running').status === 0,
        'the engine',
      );
      const pii = join(site.captures, 'contacts.csv');
      await dropFile(pii, 'name,email\nJane,jane.doe@example.com\n');
      await waitFor(
        () => /quarantined/.test(cli('list', '--config', site.configPath, '--state', 'quarantined').stdout),
        'the PII file',
      );

      const status = cli('status', '--config', site.configPath);
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /Engine: running/);
      assert.match(status.stdout, /Uploads: online to the LOCAL DEMO STORE/);
      const json = JSON.parse(cli('status', '--config', site.configPath, '--json').stdout);
      assert.equal(json.engine.running, true);
      assert.ok(json.counts.quarantined >= 1);

      const explain = cli('explain', '--config', site.configPath, pii);
      assert.equal(explain.status, 0, explain.stderr);
      assert.match(explain.stdout, /contacts\.csv: quarantined/);
      assert.match(explain.stdout, /Why: Contains personal data/);
      assert.match(explain.stdout, /pii:email×1/);

      const bandwidth = cli('bandwidth', '--config', site.configPath, '512k');
      assert.equal(bandwidth.status, 0, bandwidth.stderr);
      await waitFor(() => {
        const queue = new CaptureQueue(join(site.dataDir, 'queue.db'), { readOnly: true });
        try {
          return queue
            .changesSince(0, 100_000)
            .some((c) => /bandwidth limit set to "512k"/.test(c.detail ?? ''));
        } finally {
          queue.close();
        }
      }, 'the engine to apply the new limit');
      assert.equal(cli('bandwidth', '--config', site.configPath, 'fast').status, 2);
    } finally {
      engine.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => engine.once('exit', resolve));
    assert.equal(code, 0);
    assert.match(output, /"msg":"stopped"/);
    const after = cli('status', '--config', site.configPath, '--require-running');
    assert.equal(after.status, 4);
    assert.match(after.stdout, /Engine: not running/);
  });
});
