import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';

// A loopback echo server that also records what reached it.
let echo: Server;
let echoPort: number;
let echoReceived = 0;
let echoConnections = 0;
const echoSockets = new Set<Socket>();

beforeAll(async () => {
  echo = createServer((socket) => {
    echoConnections += 1;
    echoSockets.add(socket);
    socket.on('close', () => echoSockets.delete(socket));
    socket.on('data', (chunk) => {
      echoReceived += chunk.length;
      socket.write(chunk);
    });
    socket.on('error', () => {});
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => {
  for (const socket of echoSockets) socket.destroy();
  echo.close();
});

async function withProxy(test: (proxy: FaultProxy) => Promise<void>): Promise<void> {
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: echoPort });
  try {
    await test(proxy);
  } finally {
    await proxy.close();
  }
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** Resolves with the first `length` bytes the socket receives. */
function receive(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks).subarray(0, length));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`socket closed after ${size} of ${length} bytes`)));
  });
}

/** How the socket ends: 'reset' on ECONNRESET, 'closed' on a clean close. */
function ending(socket: Socket): Promise<'reset' | 'closed'> {
  return new Promise((resolve) => {
    let reset = false;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') reset = true;
    });
    socket.once('close', () => resolve(reset ? 'reset' : 'closed'));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault proxy', () => {
  it('pass: forwards both ways and counts connections and bytes', () =>
    withProxy(async (proxy) => {
      const socket = await open(proxy.port);
      socket.write('hello proxy');
      assert.equal((await receive(socket, 11)).toString(), 'hello proxy');
      assert.equal(proxy.connections, 1);
      assert.equal(proxy.bytesUp, 11);
      assert.equal(proxy.bytesDown, 11);
      socket.destroy();
    }));

  it('reset: accepts, then resets new connections without reaching the target', () =>
    withProxy(async (proxy) => {
      await proxy.setMode({ mode: 'reset' });
      const before = echoConnections;
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      assert.equal(await ending(socket), 'reset');
      assert.equal(proxy.connections, 1);
      assert.equal(echoConnections, before);
    }));

  it('refuse: connecting fails with ECONNREFUSED, and pass listens again on the same port', () =>
    withProxy(async (proxy) => {
      await proxy.setMode({ mode: 'refuse' });
      const refused = connect({ host: '127.0.0.1', port: proxy.port });
      const [error] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
      assert.equal(error.code, 'ECONNREFUSED');

      await proxy.setMode({ mode: 'pass' });
      const socket = await open(proxy.port);
      socket.write('back');
      assert.equal((await receive(socket, 4)).toString(), 'back');
      socket.destroy();
    }));

  it('refuse: leaves connections opened before it working', () =>
    withProxy(async (proxy) => {
      const socket = await open(proxy.port);
      await proxy.setMode({ mode: 'refuse' });
      socket.write('still here');
      assert.equal((await receive(socket, 10)).toString(), 'still here');
      socket.destroy();
    }));

  it('delay: holds each chunk at least the given time, then delivers it intact', () =>
    withProxy(async (proxy) => {
      await proxy.setMode({ mode: 'delay', ms: 150 });
      const socket = await open(proxy.port);
      const started = performance.now();
      socket.write('slow');
      assert.equal((await receive(socket, 4)).toString(), 'slow');
      // A lower bound only: the chunk passed the proxy twice (up and down).
      assert.ok(performance.now() - started >= 2 * 150 - 5, 'the echo came back before the injected delay');
      socket.destroy();
    }));

  it('stall: forwards nothing until the mode changes, then delivers what it held', () =>
    withProxy(async (proxy) => {
      const socket = await open(proxy.port);
      await proxy.setMode({ mode: 'stall' });
      const before = echoReceived;
      let got = '';
      socket.on('data', (chunk) => {
        got += chunk.toString();
      });
      socket.write('held');
      await sleep(200);
      assert.equal(got, '');
      assert.equal(echoReceived, before, 'the stalled bytes reached the target');

      await proxy.setMode({ mode: 'pass' });
      while (got.length < 4) await sleep(10);
      assert.equal(got, 'held');
      socket.destroy();
    }));

  it('cut: forwards exactly afterBytes upstream, then resets both sides', () =>
    withProxy(async (proxy) => {
      const socket = await open(proxy.port);
      await proxy.setMode({ mode: 'cut', afterBytes: 10 });
      const before = echoReceived;
      const ended = ending(socket);
      socket.write(Buffer.alloc(100, 1));
      assert.equal(await ended, 'reset');
      assert.equal(proxy.bytesUp, 10);
      while (echoReceived < before + 10) await sleep(10);
      await sleep(50);
      assert.equal(echoReceived, before + 10);
      assert.equal(proxy.activeConnections, 0);
    }));

  it('cut: counts from when the mode was set, per connection', () =>
    withProxy(async (proxy) => {
      const socket = await open(proxy.port);
      socket.write('0123456789');
      await receive(socket, 10);
      await proxy.setMode({ mode: 'cut', afterBytes: 5 });
      const ended = ending(socket);
      socket.write('abcdefgh');
      assert.equal(await ended, 'reset');
      assert.equal(proxy.bytesUp, 15);
    }));

  it('cutAllConnections: resets every live connection and new ones still work', () =>
    withProxy(async (proxy) => {
      const first = await open(proxy.port);
      const second = await open(proxy.port);
      while (proxy.activeConnections < 2) await sleep(10);
      const endings = [ending(first), ending(second)];
      proxy.cutAllConnections();
      assert.deepEqual(await Promise.all(endings), ['reset', 'reset']);
      assert.equal(proxy.activeConnections, 0);

      const third = await open(proxy.port);
      third.write('ok');
      assert.equal((await receive(third, 2)).toString(), 'ok');
      third.destroy();
    }));

  it('keeps the order of chunks and passes a half-close through', () =>
    withProxy(async (proxy) => {
      await proxy.setMode({ mode: 'delay', ms: 5 });
      const socket = await open(proxy.port);
      const payload = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251));
      const received = receive(socket, payload.length);
      for (let i = 0; i < payload.length; i += 100) socket.write(payload.subarray(i, i + 100));
      assert.deepEqual(await received, payload);
      socket.end();
      assert.equal(await ending(socket), 'closed');
    }));

  it('close: stops listening and ends live connections', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: echoPort });
    const socket = await open(proxy.port);
    const ended = ending(socket);
    await proxy.close();
    assert.equal(await ended, 'reset');
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    const [error] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('rejects a target that is not loopback, and bad mode parameters, naming the field', async () => {
    await assert.rejects(startFaultProxy({ host: '10.0.0.1', port: 80 }), /target\.host must be a loopback/);
    await assert.rejects(startFaultProxy({ host: '127.0.0.1', port: 0 }), /target\.port/);
    await withProxy(async (proxy) => {
      await assert.rejects(proxy.setMode({ mode: 'delay', ms: -1 }), /delay\.ms/);
      await assert.rejects(proxy.setMode({ mode: 'cut', afterBytes: 1.5 }), /cut\.afterBytes/);
      assert.deepEqual(proxy.mode, { mode: 'pass' });
    });
  });
});
