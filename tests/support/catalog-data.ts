import type { CaptureQueue } from '../../main/engine/queue/queue.ts';
import type { Decision } from '../../shared/decision.ts';
import type { Inspection, Prediction } from '../../shared/inspection.ts';
import type { FileState } from '../../shared/status.ts';

/** One generated capture, as the test's reference filter sees it. */
export interface GeneratedFile {
  id: number;
  folderId: string;
  relPath: string;
  size: number;
  capturedAt: number;
  contentType: string;
  state: FileState;
  /** Best score per predicted class. */
  labels: Map<string, number>;
  topScore?: number;
  tags: string[];
}

export const FOLDERS = ['cam-a', 'cam-b', 'lidar', 'logs'];
/** The site config's devices: two cameras share one device. */
export const FOLDER_DEVICES = new Map([
  ['cam-a', 'gate-1'],
  ['cam-b', 'gate-1'],
  ['lidar', 'mast-2'],
  ['logs', 'mast-2'],
]);
export const LABELS = ['person', 'car', 'truck', 'bicycle', 'dog', 'forklift'];
const TYPES = ['image/jpeg', 'image/png', 'text/csv', 'application/json', 'text/plain'];
const TAG_POOL = [
  'pii:email',
  'pii:iban',
  'pii:phone',
  'file:corrupt',
  'file:empty',
  'site:north',
  'custom:night',
];
const STATES: FileState[] = ['uploaded', 'retained', 'queued', 'skipped', 'held', 'quarantined', 'inspected'];
export const T0 = Date.UTC(2026, 0, 1);

/** A small deterministic PRNG (mulberry32): the same data every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The facts of capture number i (the bench builds its million rows from the same recipe). */
export function captureFacts(i: number, rand: () => number) {
  const folderId = FOLDERS[Math.floor(rand() * FOLDERS.length)]!;
  const contentType = TYPES[Math.floor(rand() * TYPES.length)]!;
  // Captures are not written in id order: mtime wanders around i minutes, so the two orders differ.
  const capturedAt = T0 + i * 60_000 + Math.floor((rand() - 0.5) * 3_600_000);
  const size = Math.floor(rand() ** 3 * 8_000_000) + 1;
  const labels = new Map<string, number>();
  const items: Prediction[] = [];
  if (contentType.startsWith('image/') && rand() < 0.85) {
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const label = LABELS[Math.floor(rand() ** 1.5 * LABELS.length)]!;
      const score = Math.round(rand() * 1000) / 1000;
      items.push({ label, score, box: { x: k * 60, y: k * 40, w: 50 + k, h: 80 } });
      labels.set(label, Math.max(labels.get(label) ?? 0, score));
    }
  }
  const tags: string[] = [];
  for (const tag of TAG_POOL) if (rand() < 0.08) tags.push(tag);
  const state = STATES[Math.floor(rand() * STATES.length)]!;
  const ext = contentType.split('/')[1] === 'jpeg' ? 'jpg' : contentType.split('/')[1]!;
  const relPath = `${folderId === 'logs' ? 'night' : 'day'}/${i % 7 === 0 ? 'dock' : 'yard'}/frame_${String(i).padStart(7, '0')}.${ext}`;
  const inspection: Inspection = {
    size,
    mtimeMs: capturedAt,
    sha256: `${i.toString(16).padStart(8, '0')}c0ffee`.repeat(5).slice(0, 64).padEnd(64, '0'),
    contentType,
    contentTypeSource: 'magic',
    tags: Object.fromEntries(tags.map((tag) => [tag, 1])),
    warnings: [],
    ...(items.length > 0 ? { predictions: { modelVersion: `det-v${1 + (i % 3)}`, items } } : {}),
  };
  const topScore = items.length > 0 ? Math.max(...items.map((item) => item.score)) : undefined;
  return { folderId, contentType, capturedAt, size, labels, tags, state, relPath, inspection, topScore };
}

function decision(state: FileState, key: string, now: number): Decision {
  const action =
    state === 'skipped'
      ? 'skip'
      : state === 'held'
        ? 'hold'
        : state === 'quarantined'
          ? 'quarantine'
          : 'upload';
  return {
    action,
    rule: action === 'upload' ? 'keep' : `${action}-rule`,
    ruleIndex: 0,
    reason: `generated: ${action}`,
    priority: 0,
    ...(action === 'upload' ? { objectKey: key } : {}),
    metadata: {},
    trace: [],
    decidedAt: now,
  };
}

/**
 * Fills a real queue with `count` varied captures through its own API (discover, inspect, decide,
 * upload), so the catalog is filled the way the engine fills it: marked by triggers, then indexed.
 */
export function generateQueue(
  queue: CaptureQueue,
  count: number,
  seed = 7,
  root = '/captures',
): GeneratedFile[] {
  const rand = random(seed);
  const files: GeneratedFile[] = [];
  queue.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const facts = captureFacts(i, rand);
      const { id } = queue.discover({
        folderId: facts.folderId,
        relPath: facts.relPath,
        absPath: `${root}/${facts.folderId}/${facts.relPath}`,
        size: facts.size,
        mtimeMs: facts.capturedAt,
      });
      queue.saveInspection(id, facts.inspection);
      const key = `site/${facts.folderId}/${facts.relPath}`;
      if (facts.state !== 'inspected') {
        const to = facts.state === 'uploaded' || facts.state === 'retained' ? 'queued' : facts.state;
        queue.saveDecision(id, decision(facts.state, key, T0), to);
        if (to === 'queued' && facts.state !== 'queued') {
          queue.transition(id, 'uploading');
          queue.transition(id, 'uploaded');
          if (facts.state === 'retained') queue.transition(id, 'retained');
        }
      }
      files.push({ id, ...facts });
    }
  });
  // What the engine's indexer does within its interval (a search indexes only a bounded batch first).
  queue.catchUpIndexes();
  return files;
}
