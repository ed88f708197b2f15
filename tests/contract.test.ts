import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  CONTRACT_VERSION,
  checkHello,
  decodeClientMessage,
  decodeHostMessage,
  encodeError,
  encodeEvent,
  encodeReply,
  encodeWelcome,
  MAX_MESSAGE_CHARS,
  type RequestName,
} from '../shared/contract/index.ts';

const request = (id: number, method: string, params: unknown) =>
  JSON.stringify({ type: 'request', id, method, params });

describe('contract: what the host accepts from a UI', () => {
  test('a valid request comes out typed, with defaults untouched', () => {
    const decoded = decodeClientMessage(
      request(7, 'queue.list', { limit: 50, states: ['queued', 'failed'] }),
    );
    assert.equal(decoded.ok, true);
    if (!decoded.ok || decoded.value.type !== 'request') return;
    assert.equal(decoded.value.method, 'queue.list');
    assert.deepEqual(decoded.value.params, { limit: 50, states: ['queued', 'failed'] });
  });

  test('each kind of bad message gets its own code, a sentence, and the request id when known', () => {
    const cases: [unknown, string, number | undefined, RegExp][] = [
      ['{not json', 'malformed', undefined, /not valid JSON/],
      [42, 'malformed', undefined, /JSON text/],
      [
        JSON.stringify({ type: 'request', id: 0, method: 'queue.counts', params: {} }),
        'malformed',
        undefined,
        /id/,
      ],
      [JSON.stringify([1, 2]), 'malformed', undefined, /Not a hello or a request/],
      [
        request(3, 'files.delete_everything', {}),
        'unknown_method',
        3,
        /no request "files.delete_everything"/,
      ],
      [request(4, 'queue.list', { limit: 5000 }), 'invalid_params', 4, /queue\.list: limit/],
      [request(5, 'queue.list', { limit: 10, states: ['exploded'] }), 'invalid_params', 5, /states/],
      [request(6, 'queue.counts', { sneaky: true }), 'invalid_params', 6, /queue\.counts/],
      [request(8, 'files.retry', { ids: [] }), 'invalid_params', 8, /ids/],
      ['x'.repeat(MAX_MESSAGE_CHARS + 1), 'too_large', undefined, /over the/],
    ];
    for (const [text, code, id, message] of cases) {
      const decoded = decodeClientMessage(text);
      assert.equal(decoded.ok, false, `accepted: ${String(text).slice(0, 80)}`);
      if (decoded.ok) continue;
      assert.equal(decoded.error.code, code, String(text).slice(0, 80));
      assert.equal(decoded.error.requestId, id);
      assert.match(decoded.error.message, message);
    }
  });

  test('the handshake names which side is out of date', () => {
    const hello = { type: 'hello' as const, contractVersion: CONTRACT_VERSION, client: 'test' };
    assert.equal(checkHello(hello, '0.1.0').ok, true);
    const older = checkHello({ ...hello, contractVersion: CONTRACT_VERSION - 1 }, '0.1.0');
    assert.equal(older.ok, false);
    if (!older.ok) {
      assert.equal(older.error.code, 'version_mismatch');
      assert.match(older.error.message, /the UI is older than the engine/);
    }
    const newer = checkHello({ ...hello, contractVersion: CONTRACT_VERSION + 1 }, '0.1.0');
    assert.equal(!newer.ok && newer.error.message.includes('the engine is older than the UI'), true);
  });
});

describe('contract: what a UI accepts from the host', () => {
  const pending = new Map<number, RequestName>([
    [1, 'queue.counts'],
    [2, 'files.retry'],
  ]);
  const methodOf = (id: number) => pending.get(id);

  test('replies are checked against the schema of the request they answer', () => {
    const good = decodeHostMessage(encodeReply('files.retry', 2, { changed: 3 }), methodOf);
    assert.deepEqual(good, { ok: true, value: { type: 'reply', id: 2, ok: true, result: { changed: 3 } } });
    // A result that is valid JSON but wrong for its request is turned into an error reply, not passed on.
    const wrong = decodeHostMessage(
      JSON.stringify({ type: 'reply', id: 1, ok: true, result: { counts: { queued: 'many' } } }),
      methodOf,
    );
    assert.equal(
      wrong.ok && wrong.value.type === 'reply' && !wrong.value.ok && wrong.value.error.code,
      'invalid_result',
    );
    const unsolicited = decodeHostMessage(encodeReply('files.retry', 99, { changed: 0 }), methodOf);
    assert.equal(unsolicited.ok, false);
  });

  test('the host refuses to send a reply that breaks its own schema', () => {
    const text = encodeReply('queue.counts', 1, { counts: { queued: -1 } } as never);
    const decoded = decodeHostMessage(text, methodOf);
    assert.equal(
      decoded.ok && decoded.value.type === 'reply' && !decoded.value.ok && decoded.value.error.code,
      'invalid_result',
    );
  });

  test('events and the welcome are validated; unknown events are refused', () => {
    const event = decodeHostMessage(
      encodeEvent('queue.counts', { counts: { queued: 3, uploaded: 10 } }),
      methodOf,
    );
    assert.deepEqual(event, {
      ok: true,
      value: { type: 'event', name: 'queue.counts', payload: { counts: { queued: 3, uploaded: 10 } } },
    });
    const unknown = decodeHostMessage(
      JSON.stringify({ type: 'event', name: 'mystery', payload: {} }),
      methodOf,
    );
    assert.equal(!unknown.ok && unknown.error.code, 'invalid_event');
    const badPayload = decodeHostMessage(
      JSON.stringify({ type: 'event', name: 'problem', payload: { at: 1 } }),
      methodOf,
    );
    assert.equal(!badPayload.ok && badPayload.error.code, 'invalid_event');
    const welcome = decodeHostMessage(
      encodeWelcome({ contractVersion: CONTRACT_VERSION, engineVersion: '0.1.0', lastSeq: 12 }),
      methodOf,
    );
    assert.equal(welcome.ok && welcome.value.type, 'welcome');
  });

  test('error replies keep a known code and map an unknown one to "failed"', () => {
    const known = decodeHostMessage(
      encodeError(1, { code: 'not_ready', message: 'Say hello first.' }),
      methodOf,
    );
    assert.equal(
      known.ok && known.value.type === 'reply' && !known.value.ok && known.value.error.code,
      'not_ready',
    );
    const odd = decodeHostMessage(
      JSON.stringify({ type: 'reply', id: 1, ok: false, error: { code: 'weird', message: 'x' } }),
      methodOf,
    );
    assert.equal(odd.ok && odd.value.type === 'reply' && !odd.value.ok && odd.value.error.code, 'failed');
  });
});
