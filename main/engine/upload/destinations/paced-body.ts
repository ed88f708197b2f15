import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Throttle } from '../types.ts';

/**
 * Bytes go to the socket in pieces this big, each paid for at the bandwidth limiter first: the
 * limit then holds over short windows, not only on average (a whole part paid for at once would
 * go at line rate and then leave everything waiting).
 */
export const PACE_CHUNK_BYTES = 64 * 1024;

/** A request body that can be sent again (a retry opens it anew). */
export interface RequestBody {
  length: number;
  open(): Readable;
}

export interface Pacing {
  throttle: Throttle;
  signal: AbortSignal;
  /** Bytes handed to the socket, for progress and the rate meter. */
  onBytes?(bytes: number): void;
}

async function* paced(source: AsyncIterable<Uint8Array>, pacing: Pacing): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += PACE_CHUNK_BYTES) {
      const piece = chunk.subarray(at, at + PACE_CHUNK_BYTES);
      await pacing.throttle.take(piece.length, pacing.signal);
      pacing.onBytes?.(piece.length);
      yield piece;
    }
  }
}

function readable(source: AsyncIterable<Uint8Array>, pacing: Pacing): Readable {
  // One piece ahead at most: what waits in this stream has been paid for, what the socket takes is on the wire.
  return Readable.from(paced(source, pacing), { objectMode: false, highWaterMark: PACE_CHUNK_BYTES });
}

/** A body held in memory (a small file, a multipart part), sent in paced pieces. */
export function bufferBody(data: Buffer, pacing: Pacing): RequestBody {
  return {
    length: data.length,
    open: () =>
      readable(
        (async function* () {
          yield data;
        })(),
        pacing,
      ),
  };
}

/**
 * The first `length` bytes of a file, read as they are sent (in pieces, never whole). Whether they
 * are still the inspected bytes is for the store to check (Content-MD5, computed beforehand).
 */
export function fileBody(absPath: string, length: number, pacing: Pacing): RequestBody {
  return {
    length,
    open: () =>
      readable(
        length === 0
          ? Readable.from([])
          : createReadStream(absPath, { start: 0, end: length - 1, highWaterMark: PACE_CHUNK_BYTES }),
        pacing,
      ),
  };
}
