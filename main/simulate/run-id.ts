/**
 * Run ids keep file names from colliding across runs in one folder. Unseeded runs take a random id.
 * Seeded runs derive it from the seed (same seed, same names) and claim it with an exclusive-create
 * marker under `.edge-simulate/`, so a second run with the same seed in the same folder moves on to
 * the next id in the seed's sequence. The marker lives in a dot-folder, which watchers skip as temporary.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hash32 } from './random.ts';

export const CLAIM_DIR = '.edge-simulate';

function toId(n: number): string {
  return n.toString(36).padStart(7, '0').slice(-7);
}

export function seededRunId(seed: number, attempt: number): string {
  return toId(hash32(`run:${seed}:${attempt}`));
}

export function randomRunId(): string {
  return toId(randomBytes(4).readUInt32BE(0));
}

/** Claims the first free id of the seed's sequence in `root`. */
export async function claimSeededRunId(root: string, seed: number): Promise<string> {
  const claims = join(root, CLAIM_DIR);
  await mkdir(claims, { recursive: true });
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const id = seededRunId(seed, attempt);
    try {
      await writeFile(
        join(claims, id),
        `${JSON.stringify({ seed, attempt, startedAt: new Date().toISOString() })}\n`,
        {
          flag: 'wx',
        },
      );
      return id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`simulate: every run id for seed ${seed} in ${root} is taken; use another seed or folder`);
}
