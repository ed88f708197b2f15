import { createServer, isIP, connect as netConnect, type Server, type Socket } from 'node:net';

/**
 * What the proxy does, switchable while tests run:
 * - pass: forward both ways.
 * - reset: accept new connections and reset them at once (client sees ECONNRESET).
 * - refuse: stop listening, so connecting fails with ECONNREFUSED.
 * - delay: hold every chunk, either way, `ms` before forwarding it.
 * - stall: forward nothing (either way) until the mode changes; data is held, not lost.
 * - cut: forward `afterBytes` more bytes upstream on each connection, then reset both sides.
 * reset and refuse touch only new connections; cutAllConnections() ends live ones.
 */
export type FaultMode =
  | { mode: 'pass' }
  | { mode: 'reset' }
  | { mode: 'refuse' }
  | { mode: 'delay'; ms: number }
  | { mode: 'stall' }
  | { mode: 'cut'; afterBytes: number };

export interface FaultProxy {
  host: '127.0.0.1';
  port: number;
  /** http://127.0.0.1:PORT, for clients that want an endpoint URL. */
  endpoint: string;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): Promise<void>;
  /** Resets every live connection, both sides. */
  cutAllConnections(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  readonly activeConnections: number;
  /** Bytes forwarded client → target, and target → client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  close(): Promise<void>;
}

const MAX_CONNECTIONS = 256;
const MAX_DELAY_MS = 60_000;

interface Connection {
  client: Socket;
  upstream: Socket;
  bytesUp: number;
  /** bytesUp when the current cut mode began. */
  cutBase: number;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function validateMode(mode: FaultMode): void {
  if (mode.mode === 'delay' && !(Number.isInteger(mode.ms) && mode.ms >= 0 && mode.ms <= MAX_DELAY_MS)) {
    throw new Error(`fault proxy: delay.ms must be an integer from 0 to ${MAX_DELAY_MS}, got ${mode.ms}`);
  }
  if (mode.mode === 'cut' && !(Number.isInteger(mode.afterBytes) && mode.afterBytes >= 0)) {
    throw new Error(`fault proxy: cut.afterBytes must be a non-negative integer, got ${mode.afterBytes}`);
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('fault proxy: no TCP address'));
      else resolve(address.port);
    });
  });
}

/** A TCP proxy on 127.0.0.1 (free port) in front of a loopback target. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  if (!isLoopback(target.host)) {
    throw new Error(
      `fault proxy: target.host must be a loopback address (127.x, ::1, localhost), got ${target.host}`,
    );
  }
  if (!(Number.isInteger(target.port) && target.port > 0 && target.port < 65536)) {
    throw new Error(`fault proxy: target.port must be a TCP port 1-65535, got ${target.port}`);
  }

  let mode: FaultMode = { mode: 'pass' };
  let modeChanged = Promise.withResolvers<void>();
  const live = new Set<Connection>();
  const counters = { connections: 0, bytesUp: 0, bytesDown: 0 };
  let closed = false;

  // A fault (or a socket error) resets both sides at once.
  const endConnection = (conn: Connection) => {
    for (const socket of [conn.client, conn.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
    live.delete(conn);
  };

  // Forwards one chunk, obeying the mode as it is at each step.
  const forward = async (conn: Connection, chunk: Buffer, up: boolean): Promise<void> => {
    const isGone = () => conn.client.destroyed || conn.upstream.destroyed;
    while (mode.mode === 'stall' && !isGone()) await modeChanged.promise;
    if (mode.mode === 'delay') {
      const { ms } = mode;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    if (isGone()) return;
    let data = chunk;
    let cutAfter = false;
    if (up && mode.mode === 'cut') {
      const allowed = Math.max(0, mode.afterBytes - (conn.bytesUp - conn.cutBase));
      if (data.length >= allowed) {
        data = data.subarray(0, allowed);
        cutAfter = true;
      }
    }
    const destination = up ? conn.upstream : conn.client;
    if (data.length > 0) {
      if (up) {
        conn.bytesUp += data.length;
        counters.bytesUp += data.length;
      } else {
        counters.bytesDown += data.length;
      }
      await new Promise<void>((resolve) => destination.write(data, () => resolve()));
    }
    if (cutAfter) endConnection(conn);
  };

  // One chunk in flight per direction: order is kept (end included) and memory stays bounded.
  const pump = (conn: Connection, source: Socket, up: boolean) => {
    const destination = up ? conn.upstream : conn.client;
    let tail = Promise.resolve();
    source.on('data', (chunk: Buffer) => {
      source.pause();
      tail = tail
        .then(() => forward(conn, chunk, up))
        .then(() => {
          if (!source.destroyed) source.resume();
        });
    });
    source.on('end', () => {
      tail = tail.then(() => {
        if (!destination.destroyed) destination.end();
      });
    });
  };

  const onConnection = (client: Socket) => {
    counters.connections += 1;
    if (closed || mode.mode === 'reset' || mode.mode === 'refuse') {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = netConnect({ host: target.host, port: target.port, allowHalfOpen: true });
    const conn: Connection = { client, upstream, bytesUp: 0, cutBase: 0 };
    live.add(conn);
    client.on('error', () => endConnection(conn));
    upstream.on('error', () => endConnection(conn));
    // Normal closes travel as 'end' through pump(), after any data still queued.
    const forgetWhenBothClosed = () => {
      if (client.destroyed && upstream.destroyed) live.delete(conn);
    };
    client.on('close', forgetWhenBothClosed);
    upstream.on('close', forgetWhenBothClosed);
    pump(conn, client, true);
    pump(conn, upstream, false);
  };

  let server = createServer({ allowHalfOpen: true }, onConnection);
  server.maxConnections = MAX_CONNECTIONS;
  const port = await listen(server, 0);

  const proxy: FaultProxy = {
    host: '127.0.0.1',
    port,
    endpoint: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    async setMode(next: FaultMode) {
      validateMode(next);
      if (closed) throw new Error('fault proxy: setMode() after close()');
      const wasRefusing = mode.mode === 'refuse';
      mode = { ...next };
      if (next.mode === 'cut') {
        for (const conn of live) conn.cutBase = conn.bytesUp;
      }
      if (next.mode === 'refuse' && !wasRefusing) {
        // close() stops accepting at once; its callback would wait for live connections.
        server.close();
      } else if (next.mode !== 'refuse' && wasRefusing) {
        server = createServer({ allowHalfOpen: true }, onConnection);
        server.maxConnections = MAX_CONNECTIONS;
        await listen(server, port);
      }
      const waiting = modeChanged;
      modeChanged = Promise.withResolvers<void>();
      waiting.resolve();
    },
    cutAllConnections() {
      for (const conn of [...live]) endConnection(conn);
    },
    get connections() {
      return counters.connections;
    },
    get activeConnections() {
      return live.size;
    },
    get bytesUp() {
      return counters.bytesUp;
    },
    get bytesDown() {
      return counters.bytesDown;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const conn of [...live]) endConnection(conn);
      modeChanged.resolve();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
