import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import {
  type HostProcess,
  HostSupervisor,
  type ProcessLauncher,
  type RestartInfo,
} from '../main/electron/host-supervisor.ts';
import { waitFor } from './support/engine-fixtures.ts';

/**
 * STAND-IN for Electron's utilityProcess: REAL Node child processes (child_process.fork), killed for
 * real with SIGKILL. Node's IPC cannot transfer MessagePorts, so a "port" here is a string token the
 * child echoes back; the port hand-over itself is covered by tests/electron-host-service.test.ts.
 */
const CHILD = `
const mode = process.env.MODE ?? 'normal';
if (mode === 'fatal') {
  process.send({ type: 'fatal', message: 'config file not found' });
  setTimeout(() => process.exit(3), 20);
} else {
  process.send({ type: 'ready', engineVersion: 'test-' + process.pid });
  process.on('message', (message) => {
    if (message.type === 'connect') process.send({ type: 'connected', client: message.client, port: message.port });
    if (message.type === 'stop' && mode !== 'deaf') {
      setTimeout(() => { process.send({ type: 'stopped', clean: true, detail: 'done' }); process.exit(0); }, 100);
    }
  });
  setInterval(() => {}, 1000);
}
`;

class NodeLauncher implements ProcessLauncher<string> {
  readonly children: ChildProcess[] = [];
  readonly restarts: (RestartInfo | undefined)[] = [];
  readonly connected: { pid: number | undefined; port: string }[] = [];
  readonly launchedAt: number[] = [];
  mode: () => string = () => 'normal';
  private readonly script: string;
  constructor(script: string) {
    this.script = script;
  }
  launch(restart: RestartInfo | undefined): HostProcess<string> {
    this.restarts.push(restart);
    this.launchedAt.push(Date.now());
    const child = fork(this.script, [], { env: { ...process.env, MODE: this.mode() }, stdio: 'ignore' });
    this.children.push(child);
    child.on('message', (message: { type?: string; port?: string }) => {
      if (message.type === 'connected' && message.port)
        this.connected.push({ pid: child.pid, port: message.port });
    });
    return {
      pid: child.pid,
      post: (message, port) => child.send({ ...message, port }),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(code)),
      kill: () => child.kill('SIGKILL'),
    };
  }
  get current(): ChildProcess {
    const child = this.children.at(-1);
    assert.ok(child);
    return child;
  }
}

describe('electron host supervisor (real Node child processes standing in for utilityProcess)', () => {
  let dir: string;
  let script: string;
  const supervisors: HostSupervisor<string>[] = [];
  const make = (options: { stableAfterMs?: number } = {}) => {
    const launcher = new NodeLauncher(script);
    const closed: string[] = [];
    const supervisor = new HostSupervisor(launcher, (port) => closed.push(port), {
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      stableAfterMs: options.stableAfterMs ?? 60_000,
    });
    supervisors.push(supervisor);
    const events: string[] = [];
    supervisor.on('state', (state) => events.push(`state:${state}`));
    supervisor.on('exited', ({ exitCode, restartInMs }) => events.push(`exited:${exitCode}:${restartInMs}`));
    supervisor.on('restarted', (info) => events.push(`restarted:${info.count}`));
    return { launcher, supervisor, events, closed };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-supervisor-'));
    script = join(dir, 'host-child.cjs');
    await writeFile(script, CHILD);
  });
  afterEach(async () => {
    for (const supervisor of supervisors.splice(0)) await supervisor.stop(2000);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a host killed with SIGKILL is restarted after the backoff, and the restart is announced', async () => {
    const { launcher, supervisor, events } = make();
    supervisor.start();
    await waitFor(() => supervisor.state === 'running', 'the first host to be ready');
    const firstPid = launcher.current.pid;
    const killedAt = Date.now();
    launcher.current.kill('SIGKILL');
    await waitFor(
      () => supervisor.state === 'running' && launcher.children.length === 2,
      'the restarted host',
    );
    assert.notEqual(launcher.current.pid, firstPid);
    assert.ok((launcher.launchedAt[1] ?? 0) - killedAt >= 95, 'restarted only after the 100 ms backoff');
    const restart = launcher.restarts[1];
    assert.equal(restart?.count, 1);
    assert.equal(restart?.exitCode, null, 'killed, so no exit code');
    assert.ok((restart?.at ?? 0) >= killedAt);
    assert.deepEqual(events, [
      'state:starting',
      'state:running',
      'state:restarting',
      'exited:null:100',
      'restarted:1',
      'state:running',
    ]);
    assert.equal(supervisor.restarts, 1);
  });

  test('crashes in a row back off exponentially; a host that ran long enough starts the backoff over', async () => {
    const { launcher, supervisor, events } = make({ stableAfterMs: 1500 });
    supervisor.start();
    for (let crash = 1; crash <= 3; crash++) {
      await waitFor(
        () => supervisor.state === 'running' && launcher.children.length === crash,
        `host ${crash}`,
      );
      launcher.current.kill('SIGKILL');
    }
    await waitFor(() => supervisor.state === 'running' && launcher.children.length === 4, 'host 4');
    const gaps = [1, 2, 3].map((n) => (launcher.launchedAt[n] ?? 0) - (launcher.launchedAt[n - 1] ?? 0));
    assert.ok((gaps[1] ?? 0) >= 200 && (gaps[2] ?? 0) >= 400, `gaps ${gaps.join(', ')} ms`);
    assert.deepEqual(
      events.filter((event) => event.startsWith('exited')),
      ['exited:null:100', 'exited:null:200', 'exited:null:400'],
    );
    await new Promise((resolve) => setTimeout(resolve, 1600)); // a stable run
    launcher.current.kill('SIGKILL');
    await waitFor(() => launcher.children.length === 5, 'host 5');
    assert.equal(events.filter((event) => event.startsWith('exited')).at(-1), 'exited:null:100');
    assert.equal(launcher.restarts.at(-1)?.count, 4);
  });

  test("the host's last words (a fatal message) travel with the restart", async () => {
    const { launcher, supervisor } = make();
    let first = true;
    launcher.mode = () => {
      const mode = first ? 'fatal' : 'normal';
      first = false;
      return mode;
    };
    supervisor.start();
    await waitFor(() => supervisor.state === 'running', 'the host after a fatal start');
    assert.equal(launcher.restarts[1]?.reason, 'config file not found');
    assert.equal(launcher.restarts[1]?.exitCode, 3);
  });

  test('connections asked for while the host restarts are held and handed to the new host', async () => {
    const { launcher, supervisor } = make();
    supervisor.start();
    await waitFor(() => supervisor.state === 'running', 'the first host');
    supervisor.connect('port-a', 'renderer');
    await waitFor(() => launcher.connected.length === 1, 'port-a at the first host');
    launcher.current.kill('SIGKILL');
    await waitFor(() => supervisor.state === 'restarting', 'the restart to begin');
    supervisor.connect('port-b', 'renderer');
    await waitFor(() => launcher.connected.length === 2, 'port-b at the second host');
    assert.equal(launcher.connected[1]?.port, 'port-b');
    assert.equal(launcher.connected[1]?.pid, launcher.current.pid);
  });

  test('stop asks the host to stop, waits for it, and does not restart it', async () => {
    const { launcher, supervisor, events, closed } = make();
    supervisor.start();
    await waitFor(() => supervisor.state === 'running', 'the host');
    const child = launcher.current;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    assert.equal(await supervisor.stop(5000), true);
    assert.equal(await exited, 0, 'the host exited on its own, cleanly');
    assert.equal(supervisor.state, 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(launcher.children.length, 1, 'no restart after a requested stop');
    assert.ok(!events.some((event) => event.startsWith('exited')));
    supervisor.connect('late', 'renderer');
    assert.deepEqual(closed, ['late'], 'a connection after stop is closed, not held');
  });

  test('a host that ignores the stop request is killed after the grace period', async () => {
    const { launcher, supervisor } = make();
    launcher.mode = () => 'deaf';
    supervisor.start();
    await waitFor(() => supervisor.state === 'running', 'the host');
    const started = Date.now();
    assert.equal(await supervisor.stop(300), false);
    assert.ok(Date.now() - started >= 290);
    assert.equal(launcher.current.signalCode, 'SIGKILL');
    assert.equal(supervisor.state, 'stopped');
  });
});
