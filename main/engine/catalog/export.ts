import type { Prediction } from '../../../shared/inspection.ts';
import type { FileState } from '../../../shared/status.ts';
import type { ExportTarget, Written } from '../export/target.ts';
import { type CocoCategory, type CocoImageInput, cocoChunks } from '../review/coco.ts';
import type { CatalogReader } from './catalog.ts';
import type { Dataset, Datasets } from './datasets.ts';
import { STORED_STATES } from './types.ts';

const PAGE = 500;
const STORED = new Set<FileState>(STORED_STATES);

export interface ExportProgress {
  dataset: string;
  phase: 'queue' | 'manifest' | 'coco' | 'done';
  done: number;
  total: number;
}

export interface ExportOutcome {
  dataset: string;
  manifest: Written;
  /** Absent when no member is an image with boxes. */
  coco?: Written & { images: number; annotations: number; categories: number };
  /** Images left out of the COCO file: their pixel size is unknown (no local copy, no size recorded). */
  cocoSkipped: number;
  files: number;
}

/** A member as the exports describe it. */
interface Member {
  id: number;
  relPath: string;
  absPath: string;
  folderId: string;
  size: number;
  capturedAt: number;
  state: FileState;
  sha256?: string;
  contentType?: string;
  key?: string;
  stored: boolean;
  modelVersion?: string;
  predictions: Prediction[];
  corrections: CorrectionLine[];
  exif?: Record<string, unknown>;
}

interface CorrectionLine {
  id: string;
  reviewer: string;
  verdict: string;
  objects: { label: string; box?: { x: number; y: number; w: number; h: number } }[];
  createdAt: number;
  updatedAt: number;
  imageSize?: { width: number; height: number };
}

export interface ExportRequest {
  dataset: Dataset;
  datasets: Datasets;
  reader: CatalogReader;
  target: ExportTarget;
  /** The destination whose keys the manifest gives (the data set's). */
  destination: string;
  site: string;
  devices: ReadonlyMap<string, string>;
  now?: () => number;
  onProgress?: (progress: ExportProgress) => void;
}

/**
 * Writes a data set's manifest (JSON Lines: one member per line with its object key, sha256,
 * predicted labels and corrections) and, when members are images with boxes, a COCO file, under
 * `datasets/<site>/<name>/<time>/`. Both are generated from the frozen member list as they are sent,
 * so a failed attempt just generates them again.
 */
export async function exportDataset(request: ExportRequest): Promise<ExportOutcome> {
  const { dataset, target } = request;
  const now = request.now ?? Date.now;
  const startedAt = now();
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const base = `datasets/${request.site}/${dataset.name}/${stamp}`;
  const progress = (phase: ExportProgress['phase'], done: number) =>
    request.onProgress?.({ dataset: dataset.name, phase, done, total: dataset.members });
  const hasCorrections =
    request.reader.select("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'corrections'")
      .length > 0;
  const members = () => readMembers(request, hasCorrections);
  try {
    let files = 0;
    const manifest = await target.write(`${base}/manifest.jsonl`, 'application/x-ndjson', async function* () {
      files = 0;
      for await (const member of members()) {
        files += 1;
        if (files % PAGE === 0) progress('manifest', files);
        yield `${JSON.stringify(manifestLine(member, request))}\n`;
      }
    });
    progress('manifest', files);
    const coco = await writeCoco(request, members, `${base}/coco.json`, (done) => progress('coco', done));
    request.datasets.recordExport(dataset.id, startedAt, `exported ${files} files to ${target.description}`);
    progress('done', files);
    return { dataset: dataset.name, manifest, ...coco, files };
  } catch (error) {
    request.datasets.recordExport(
      dataset.id,
      startedAt,
      `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  }
}

function manifestLine(member: Member, request: ExportRequest) {
  return {
    id: member.id,
    key: member.key ?? null,
    sha256: member.sha256 ?? null,
    size: member.size,
    contentType: member.contentType ?? null,
    capturedAt: new Date(member.capturedAt).toISOString(),
    site: request.site,
    device: request.devices.get(member.folderId) ?? null,
    folder: member.folderId,
    path: member.relPath,
    state: member.state,
    stored: member.stored,
    modelVersion: member.modelVersion ?? null,
    labels: member.predictions,
    corrections: member.corrections,
  };
}

async function writeCoco(
  request: ExportRequest,
  members: () => AsyncIterable<Member>,
  key: string,
  progress: (done: number) => void,
): Promise<{ coco?: ExportOutcome['coco']; cocoSkipped: number }> {
  // First pass: the classes, and the images with a known size (sizes read once, kept by id).
  const sizes = new Map<number, { width: number; height: number }>();
  const labels = new Set<string>();
  let skipped = 0;
  let annotations = 0;
  for await (const member of members()) {
    const objects = objectsOf(member);
    if (!member.contentType?.startsWith('image/') || objects.length === 0) continue;
    const size = await imageSize(member);
    if (!size) {
      skipped += 1;
      continue;
    }
    sizes.set(member.id, size);
    annotations += objects.length;
    for (const object of objects) labels.add(object.label);
    if (sizes.size % PAGE === 0) progress(sizes.size);
  }
  if (sizes.size === 0) return { cocoSkipped: skipped };
  const categories: CocoCategory[] = [...labels].sort().map((name, index) => ({ id: index + 1, name }));
  const images = async function* (): AsyncGenerator<CocoImageInput> {
    for await (const member of members()) {
      const size = sizes.get(member.id);
      if (!size) continue;
      yield {
        id: member.id,
        fileName: member.key ?? member.relPath,
        width: size.width,
        height: size.height,
        sha256: member.sha256 ?? '',
        objects: objectsOf(member),
      };
    }
  };
  const info = {
    description: `Data set ${request.dataset.name} from ${request.site}`,
    dateCreated: new Date((request.now ?? Date.now)()).toISOString(),
    version: '1',
  };
  const written = await request.target.write(key, 'application/json', () =>
    cocoChunks(info, categories, images),
  );
  progress(sizes.size);
  return {
    coco: { ...written, images: sizes.size, annotations, categories: categories.length },
    cocoSkipped: skipped,
  };
}

/** A reviewer's current word when there is one (the latest), else the model's boxes. */
function objectsOf(member: Member): { label: string; box: { x: number; y: number; w: number; h: number } }[] {
  const latest = member.corrections.at(-1);
  const source = latest ? latest.objects : member.predictions;
  return source.flatMap((object) => (object.box ? [{ label: object.label, box: object.box }] : []));
}

async function imageSize(member: Member): Promise<{ width: number; height: number } | undefined> {
  const recorded = member.corrections.findLast((c) => c.imageSize)?.imageSize;
  if (recorded) return recorded;
  try {
    const { default: sharp } = await import('sharp');
    const meta = await sharp(member.absPath).metadata();
    if (meta.width && meta.height) return { width: meta.width, height: meta.height };
  } catch {
    // The local copy is gone (uploaded and removed) or unreadable: fall back to what EXIF said.
  }
  const width = Number(member.exif?.['ImageWidth'] ?? member.exif?.['ExifImageWidth']);
  const height = Number(member.exif?.['ImageHeight'] ?? member.exif?.['ExifImageHeight']);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

async function* readMembers(request: ExportRequest, hasCorrections: boolean): AsyncGenerator<Member> {
  let after = 0;
  for (;;) {
    const rows = request.reader.select(
      `SELECT f.id, f.rel_path, f.abs_path, f.folder_id, f.size, f.mtime_ms, f.state, f.sha256, f.content_type,
         f.inspection, f.object_key, dl.object_key AS destination_key, dl.state AS destination_state
       FROM dataset_members m CROSS JOIN files f ON f.id = m.file_id
       LEFT JOIN deliveries dl ON dl.file_id = f.id AND dl.destination = ?
       WHERE m.dataset_id = ? AND m.file_id > ? ORDER BY m.file_id LIMIT ?`,
      request.destination,
      request.dataset.id,
      after,
      PAGE,
    );
    if (rows.length === 0) return;
    const corrections = hasCorrections
      ? correctionsOf(
          request.reader,
          rows.map((row) => Number(row.id)),
        )
      : new Map();
    for (const row of rows) {
      const inspection = row.inspection == null ? undefined : JSON.parse(String(row.inspection));
      const state = row.state as FileState;
      const id = Number(row.id);
      yield {
        id,
        relPath: String(row.rel_path),
        absPath: String(row.abs_path),
        folderId: String(row.folder_id),
        size: Number(row.size),
        capturedAt: Number(row.mtime_ms),
        state,
        sha256: row.sha256 == null ? undefined : String(row.sha256),
        contentType: row.content_type == null ? undefined : String(row.content_type),
        key: String(row.destination_key ?? row.object_key ?? '') || undefined,
        stored: row.destination_state != null ? row.destination_state === 'uploaded' : STORED.has(state),
        modelVersion: inspection?.predictions?.modelVersion,
        predictions: inspection?.predictions?.items ?? [],
        corrections: corrections.get(id) ?? [],
        exif: inspection?.exif,
      };
    }
    after = Number(rows.at(-1)!.id);
  }
}

/** Current corrections (one per reviewer: superseded ones are left out), oldest first, per file. */
function correctionsOf(reader: CatalogReader, ids: number[]): Map<number, CorrectionLine[]> {
  const byFile = new Map<number, CorrectionLine[]>();
  const rows = reader.select(
    `SELECT file_id, id, reviewer, verdict, objects, created_at, updated_at, image_width, image_height
     FROM corrections WHERE superseded_by IS NULL AND file_id IN (SELECT value FROM json_each(?))
     ORDER BY file_id, updated_at, seq`,
    JSON.stringify(ids),
  );
  for (const row of rows) {
    const list = byFile.get(Number(row.file_id)) ?? [];
    list.push({
      id: String(row.id),
      reviewer: String(row.reviewer),
      verdict: String(row.verdict),
      objects: JSON.parse(String(row.objects)),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      ...(row.image_width != null && row.image_height != null
        ? { imageSize: { width: Number(row.image_width), height: Number(row.image_height) } }
        : {}),
    });
    byFile.set(Number(row.file_id), list);
  }
  return byFile;
}
