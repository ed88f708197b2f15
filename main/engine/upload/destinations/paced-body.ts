import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { type Throttle, UploadError } from '../types.ts';

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
 * Pieces of a file in flight at once, per request. A piece's buffer is read into again only
 * this many pieces later: by then the socket has taken it (pipe() asks for the next piece only
 * after the request drained, and this stream holds one piece ahead), so a streamed body needs
 * this much memory, not a fresh buffer per piece for the garbage collector to find later.
 * Should the reuse ever overtake the socket, the store refuses the body (Content-MD5).
 */
const PIECES_IN_FLIGHT = 8;

async function* filePieces(absPath: string, length: number): AsyncGenerator<Uint8Array> {
  const handle = await open(absPath, 'r');
  try {
    const pool: Buffer[] = [];
    for (let offset = 0, n = 0; offset < length; n += 1) {
      if (pool.length < PIECES_IN_FLIGHT) pool.push(Buffer.allocUnsafe(PACE_CHUNK_BYTES));
      const buffer = pool[n % PIECES_IN_FLIGHT]!;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(PACE_CHUNK_BYTES, length - offset), offset);
      if (bytesRead === 0) {
        throw new UploadError('source_changed', `${absPath} shrank while it was being sent`);
      }
      offset += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The first `length` bytes of a file, read as they are sent (in pieces, never whole). Whether they
 * are still the inspected bytes is for the store to check (Content-MD5, computed beforehand).
 */
export function fileBody(absPath: string, length: number, pacing: Pacing): RequestBody {
  return { length, open: () => readable(filePieces(absPath, length), pacing) };
}
