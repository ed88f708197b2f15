/** The files every tool in the upload benchmark uploads: the same bytes on disk for all of them. */
import { randomFillSync } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILES_PER_DIR = 1000;

/** One small sensor log: CSV text, so Edge Capture's PII scan reads it as it would a real one. */
function csvLog(index: number, bytes: number): Buffer {
  const lines: string[] = ['time_ms,sensor,temp_c,humidity_pct,status'];
  let length = lines[0]!.length + 1;
  for (let row = 0; length < bytes; row++) {
    const line = `${1_700_000_000_000 + index * 1000 + row},s${(index + row) % 97},${(20 + (row % 50) / 10).toFixed(1)},${40 + (index % 30)},ok`;
    lines.push(line);
    length += line.length + 1;
  }
  const text = Buffer.from(`${lines.join('\n')}\n`);
  return text.subarray(0, bytes);
}

/** `count` CSV files of `bytes` each, 1000 per sub-folder; every file's content is different. */
export async function writeSmallFiles(dir: string, count: number, bytes: number): Promise<void> {
  for (let d = 0; d * FILES_PER_DIR < count; d++) {
    const sub = join(dir, `d${String(d).padStart(3, '0')}`);
    await mkdir(sub, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * FILES_PER_DIR; i < Math.min(count, (d + 1) * FILES_PER_DIR); i++) {
      writes.push(writeFile(join(sub, `log-${String(i).padStart(6, '0')}.csv`), csvLog(i, bytes)));
    }
    await Promise.all(writes);
  }
}

/** One file of random bytes (nothing for a store or a link to compress or deduplicate). */
export async function writeBigFile(path: string, bytes: number): Promise<void> {
  const chunk = Buffer.allocUnsafe(16 * 1024 * 1024);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const length = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, length);
      await handle.write(chunk, 0, length, written);
      written += length;
    }
  } finally {
    await handle.close();
  }
}
