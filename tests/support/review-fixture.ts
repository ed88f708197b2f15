import type { CaptureQueue } from '../../main/engine/queue/queue.ts';
import type { Decision } from '../../shared/decision.ts';
import type { Inspection, Prediction } from '../../shared/inspection.ts';
import type { FileState } from '../../shared/status.ts';

export interface PredictedCapture {
  name: string;
  predictions?: Prediction[];
  modelVersion?: string;
  /** Where the rule sends it: held, queued (upload), skipped. */
  state?: Extract<FileState, 'held' | 'queued' | 'skipped'>;
  rule?: string;
  folderId?: string;
  sha256?: string;
  width?: number;
  height?: number;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

/**
 * Puts a capture through the queue as the pipeline does (discover → inspection → decision), so the
 * review triggers see exactly what they see in the engine.
 */
export function addCapture(queue: CaptureQueue, capture: PredictedCapture, seq: number): number {
  const folderId = capture.folderId ?? 'cam';
  const { id } = queue.discover({
    folderId,
    relPath: capture.name,
    absPath: `/captures/${folderId}/${capture.name}`,
    size: 1000 + seq,
    mtimeMs: 1_700_000_000_000 + seq,
  });
  const inspection: Inspection = {
    size: 1000 + seq,
    mtimeMs: 1_700_000_000_000 + seq,
    sha256: capture.sha256 ?? hex(seq + 1),
    contentType: 'image/jpeg',
    contentTypeSource: 'magic',
    tags: {},
    warnings: [],
    exif: { ImageWidth: capture.width ?? 640, ImageHeight: capture.height ?? 480 },
    ...(capture.predictions
      ? { predictions: { modelVersion: capture.modelVersion ?? 'm1', items: capture.predictions } }
      : {}),
  };
  const state = capture.state ?? 'queued';
  queue.transaction(() => {
    queue.saveInspection(id, inspection);
    const decision: Decision = {
      action: state === 'queued' ? 'upload' : state === 'held' ? 'hold' : 'skip',
      rule: capture.rule ?? 'frames',
      ruleIndex: 0,
      reason: state === 'held' ? 'Held for a person: uncertain frame' : 'test',
      priority: 0,
      objectKey: state === 'queued' ? `site/cam/${capture.name}` : undefined,
      metadata: {},
      trace: [],
      decidedAt: 1_700_000_000_000,
    };
    queue.saveDecision(id, decision, state);
  });
  return id;
}

export const box = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });
