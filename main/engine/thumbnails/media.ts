/**
 * A capture's picture and thumbnail for the Review view, by queue id only. Browser mode's /media route
 * and (later) Electron's app:// handler both call this. The bytes handed out are always the content the
 * queue inspected: the file must be one the queue knows, its real path must stay inside its capture
 * folder (or the retention archive), and its sha256 must still match — so a link or a swapped file in
 * a capture folder cannot make the engine serve anything else.
 */
import { createHash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { FileState } from '../../../shared/status.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { ThumbnailCache, type ThumbnailSettings } from './cache.ts';
import { type MediaError, type MediaResult, mediaError, mediaOk } from './errors.ts';
import { BROWSER_IMAGE_TYPES, imageTypeOf, THUMBNAIL_SOURCE_TYPES } from './sniff.ts';

export interface MediaBytes {
  bytes: Buffer;
  contentType: string;
  /** Content hash of the capture (the thumbnail's source), for ETags. */
  sha256: string;
}

export interface MediaLibraryOptions {
  queue: Pick<CaptureQueue, 'get'>;
  /** The capture folders (config.folders): a file is read only from inside its own folder. */
  folders: readonly { id: string; path: string }[];
  /** Where retention moves kept copies (config.retention.archiveDir). */
  archiveDir?: string;
  /** Thumbnails go to `<dataDir>/thumbnails`. */
  dataDir: string;
  thumbnails?: Partial<Omit<ThumbnailSettings, 'dir'>>;
  /** Largest capture read for display or a thumbnail (default 64 MiB). */
  maxImageBytes?: number;
}

/** States whose bytes are never read: the engine refused them, or they are not there. */
const NOT_SERVED: ReadonlySet<FileState> = new Set(['link_refused', 'too_large', 'unreadable']);

export class MediaLibrary {
  readonly thumbnails: ThumbnailCache;
  private readonly options: MediaLibraryOptions;
  private readonly maxImageBytes: number;

  constructor(options: MediaLibraryOptions) {
    this.options = options;
    this.maxImageBytes = options.maxImageBytes ?? 64 * 1024 * 1024;
    this.thumbnails = new ThumbnailCache({ ...options.thumbnails, dir: join(options.dataDir, 'thumbnails') });
  }

  /** The content hash the bytes for `fileId` would have, without reading them (for If-None-Match). */
  contentHash(fileId: number): string | undefined {
    const file = this.options.queue.get(fileId);
    return file?.inspection?.sha256 ?? file?.sha256;
  }

  /** A WebP thumbnail (160 px long side by default), made on first request and cached by content. */
  async thumbnail(fileId: number): Promise<MediaResult<MediaBytes>> {
    const found = this.lookup(fileId);
    if (!found.ok) return found;
    const { file, sha256 } = found.value;
    const thumb = await this.thumbnails.get(sha256, async () => {
      const read = await this.readVerified(file, sha256);
      if (!read.ok) return read;
      const type = imageTypeOf(read.value);
      if (!type || !THUMBNAIL_SOURCE_TYPES.has(type)) return notAnImage(file);
      return read;
    });
    if (!thumb.ok) return thumb;
    return mediaOk({ bytes: thumb.value.bytes, contentType: 'image/webp', sha256 });
  }

  /** The capture's own bytes, for formats a browser shows as they are (JPEG, PNG, WebP, GIF). */
  async image(fileId: number): Promise<MediaResult<MediaBytes>> {
    const found = this.lookup(fileId);
    if (!found.ok) return found;
    const { file, sha256 } = found.value;
    const read = await this.readVerified(file, sha256);
    if (!read.ok) return read;
    const type = imageTypeOf(read.value);
    if (!type || !BROWSER_IMAGE_TYPES.has(type)) return notAnImage(file);
    return mediaOk({ bytes: read.value, contentType: type, sha256 });
  }

  private lookup(fileId: number): MediaResult<{ file: FileRecord; sha256: string }> {
    const file = Number.isSafeInteger(fileId) ? this.options.queue.get(fileId) : undefined;
    if (!file) return mediaError('unknown_file', `The queue has no file ${fileId}.`);
    if (NOT_SERVED.has(file.state)) {
      return mediaError(
        'not_served',
        `${file.relPath} is ${file.state.replace(/_/g, ' ')}; the engine does not read it.`,
      );
    }
    const sha256 = file.inspection?.sha256 ?? file.sha256;
    if (!sha256) return mediaError('not_inspected', `${file.relPath} has not been inspected yet.`);
    if (file.inspection && !file.inspection.contentType.startsWith('image/')) return notAnImage(file);
    return mediaOk({ file, sha256 });
  }

  /** Where the bytes are now: the capture folder, or the archive once retention moved them there. */
  private location(file: FileRecord): { path: string; root: string | undefined } {
    if (file.state === 'removed') {
      return file.archivedPath
        ? { path: file.archivedPath, root: this.options.archiveDir }
        : { path: '', root: undefined };
    }
    const folder = this.options.folders.find((f) => f.id === file.folderId);
    return { path: file.absPath, root: folder?.path };
  }

  private async readVerified(file: FileRecord, sha256: string): Promise<MediaResult<Buffer>> {
    const { path, root } = this.location(file);
    if (!path) {
      return mediaError(
        'gone',
        `The local copy of ${file.relPath} was removed after upload${keyNote(file)}.`,
      );
    }
    if (!root) {
      return mediaError(
        'outside_folders',
        `${file.relPath} is not in a capture folder this engine watches now.`,
      );
    }
    const inside = await confined(root, path);
    if (inside === 'missing')
      return mediaError('gone', `${file.relPath} is no longer on disk${keyNote(file)}.`);
    if (inside === 'outside') {
      return mediaError(
        'outside_folders',
        `${file.relPath} leads out of its capture folder; it is not served.`,
      );
    }
    let bytes: Buffer;
    try {
      const handle = await open(inside.real, 'r');
      try {
        const { size } = await handle.stat();
        if (size > this.maxImageBytes) {
          return mediaError(
            'too_large',
            `${file.relPath} is ${size.toLocaleString('en')} bytes, over the ${this.maxImageBytes.toLocaleString('en')}-byte limit for display.`,
          );
        }
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        return mediaError('gone', `${file.relPath} is no longer on disk${keyNote(file)}.`);
      return mediaError('io', `${file.relPath} could not be read (${code ?? 'unknown error'}).`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      return mediaError(
        'changed',
        `${file.relPath} changed on disk since it was inspected; it is not served.`,
      );
    }
    return mediaOk(bytes);
  }
}

/** The file's real path, if it stays inside the real `root`. */
async function confined(root: string, path: string): Promise<{ real: string } | 'outside' | 'missing'> {
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path);
  } catch {
    return 'missing';
  }
  const rel = relative(realRoot, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return 'outside';
  return { real };
}

function notAnImage(file: FileRecord): { ok: false; error: MediaError } {
  return mediaError('not_an_image', `${file.relPath} is not a picture that can be shown.`);
}

function keyNote(file: FileRecord): string {
  return file.objectKey ? ` (the store has it at ${file.objectKey})` : '';
}
