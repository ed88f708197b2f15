import { execFile, execFileSync } from 'node:child_process';
import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const SCRIPT = new URL('./ceph-rgw.sh', import.meta.url).pathname;
const INSTALL_HINT =
  'run `bash tests/support/install-ceph.sh` as root (installs Debian ceph-mon ceph-osd radosgw)';

export interface RgwDaemonPids {
  mon: number;
  osd: number;
  rgw: number;
}

export interface RgwServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Cluster state, logs and sockets; removed by stop(). */
  dir: string;
  pids: RgwDaemonPids;
  stop(): Promise<void>;
}

async function onPath(binary: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, binary), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

async function readPid(dir: string, name: keyof RgwDaemonPids): Promise<number> {
  const text = await readFile(join(dir, `${name}.pid`), 'utf8');
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad pid file ${dir}/${name}.pid: "${text}"`);
  return pid;
}

/** Throws, saying how to install them, when the Ceph binaries ceph-rgw.sh runs are missing. */
export async function assertCephInstalled(): Promise<void> {
  for (const binary of [
    'radosgw',
    'radosgw-admin',
    'ceph-mon',
    'ceph-osd',
    'ceph',
    'ceph-authtool',
    'monmaptool',
  ]) {
    if (!(await onPath(binary))) throw new Error(`${binary} is not installed: ${INSTALL_HINT}`);
  }
}

/**
 * Starts a throwaway one-node Ceph cluster with radosgw on loopback (see
 * ceph-rgw.sh). Throws, telling how to install Ceph, when radosgw is missing.
 */
export async function startRgw(): Promise<RgwServer> {
  await assertCephInstalled();
  const dir = await mkdtemp(join(tmpdir(), 'edge-rgw-'));
  const env = {
    ...process.env,
    RGW_PORT: String(await freeLoopbackPort()),
    MON_PORT: String(await freeLoopbackPort()),
  };
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('bash', [SCRIPT, 'start', dir], { env, timeout: 180_000 }));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    // The directory is kept so its logs can be read.
    throw new Error(`ceph-rgw.sh start failed (state and logs kept in ${dir}):\n${stderr}`);
  }
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  const credentials = JSON.parse(lastLine) as Omit<RgwServer, 'dir' | 'pids' | 'stop'>;
  const pids = {
    mon: await readPid(dir, 'mon'),
    osd: await readPid(dir, 'osd'),
    rgw: await readPid(dir, 'rgw'),
  };

  // If the test process exits without stop(), do not leave daemons behind.
  const stopOnExit = () => {
    try {
      execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  };
  process.once('exit', stopOnExit);

  let stopping: Promise<void> | undefined;
  return {
    ...credentials,
    dir,
    pids,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', stopOnExit);
        await execFileAsync('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
