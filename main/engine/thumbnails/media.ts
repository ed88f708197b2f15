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
import type { ResolvedConfig } from '../config/types.ts';
import type { CaptureQueue } from '../queue/queue.ts';
import type { FileRecord } from '../queue/types.ts';
import { ThumbnailCache, type ThumbnailSettings } from './cache.ts';
import { type MediaError, type MediaResult, mediaError, mediaOk } from './errors.ts';
import { BROWSER_IMAGE_TYPES, imageTypeOf, THUMBNAIL_SOURCE_TYPES } from './sniff.ts';
import { isPreviewableText, TEXT_PREVIEW_BYTES, type TextPreview, textPreview } from './text.ts';

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
  /**
   * Largest text capture previewed (default 1 GiB): only its first 64 KiB are kept, but all of it is
   * hashed to check it is still the inspected content.
   */
  maxTextBytes?: number;
}

const isImageType = (contentType: string) => contentType.startsWith('image/');

/** States whose bytes are never read: the engine refused them, or they are not there. */
const NOT_SERVED: ReadonlySet<FileState> = new Set(['link_refused', 'too_large', 'unreadable']);

export class MediaLibrary {
  readonly thumbnails: ThumbnailCache;
  private readonly options: MediaLibraryOptions;
  private readonly maxImageBytes: number;
  private readonly maxTextBytes: number;

  constructor(options: MediaLibraryOptions) {
    this.options = options;
    this.maxImageBytes = options.maxImageBytes ?? 64 * 1024 * 1024;
    this.maxTextBytes = options.maxTextBytes ?? 1024 * 1024 * 1024;
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

  /**
   * The first 64 KiB of a text-like capture (CSV, JSON, NDJSON, logs, plain text; judged by the
   * inspected content type), decoded as UTF-8, with CSV split into rows and JSON pretty-printed.
   * The same checks as for pictures: a file the queue knows, inside its folder, still the inspected bytes.
   */
  async text(fileId: number): Promise<MediaResult<TextPreview>> {
    const found = this.lookup(fileId, 'text');
    if (!found.ok) return found;
    const { file, sha256 } = found.value;
    const contentType = file.inspection!.contentType;
    const read = await this.readVerified(file, sha256, TEXT_PREVIEW_BYTES);
    if (!read.ok) return read;
    const { bytes, size } = read.value;
    return mediaOk(textPreview(contentType, bytes, size > bytes.length));
  }

  private lookup(
    fileId: number,
    kind: 'image' | 'text' = 'image',
  ): MediaResult<{ file: FileRecord; sha256: string }> {
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
    if (kind === 'text') {
      // Only what inspection found in the bytes says a file is text; the name alone never does.
      if (!file.inspection) return mediaError('not_inspected', `${file.relPath} has not been inspected yet.`);
      if (!isPreviewableText(file.inspection.contentType)) {
        return mediaError(
          'not_text',
          `${file.relPath} is ${file.inspection.contentType}, not text that can be shown.`,
        );
      }
    } else if (file.inspection && !isImageType(file.inspection.contentType)) return notAnImage(file);
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

  private async readVerified(file: FileRecord, sha256: string): Promise<MediaResult<Buffer>>;
  /** Hashes all of the file but keeps only its first `keep` bytes (and says how long it was). */
  private async readVerified(
    file: FileRecord,
    sha256: string,
    keep: number,
  ): Promise<MediaResult<{ bytes: Buffer; size: number }>>;
  private async readVerified(
    file: FileRecord,
    sha256: string,
    keep?: number,
  ): Promise<MediaResult<Buffer | { bytes: Buffer; size: number }>> {
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
    const limit = keep === undefined ? this.maxImageBytes : this.maxTextBytes;
    let bytes: Buffer;
    let digest: string;
    let size: number;
    try {
      const handle = await open(inside.real, 'r');
      try {
        size = (await handle.stat()).size;
        if (size > limit) {
          return mediaError(
            'too_large',
            `${file.relPath} is ${size.toLocaleString('en')} bytes, over the ${limit.toLocaleString('en')}-byte limit for display.`,
          );
        }
        if (keep === undefined) {
          bytes = await handle.readFile();
          digest = createHash('sha256').update(bytes).digest('hex');
        } else {
          // Read through in chunks: the hash covers every byte, memory holds only the head.
          const hash = createHash('sha256');
          const chunk = Buffer.allocUnsafe(1024 * 1024);
          const head: Buffer[] = [];
          let kept = 0;
          size = 0;
          for (;;) {
            const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
            if (bytesRead === 0) break;
            const part = chunk.subarray(0, bytesRead);
            hash.update(part);
            size += bytesRead;
            if (kept < keep) {
              const take = Buffer.from(part.subarray(0, keep - kept));
              head.push(take);
              kept += take.length;
            }
          }
          bytes = Buffer.concat(head);
          digest = hash.digest('hex');
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        return mediaError('gone', `${file.relPath} is no longer on disk${keyNote(file)}.`);
      return mediaError('io', `${file.relPath} could not be read (${code ?? 'unknown error'}).`);
    }
    if (digest !== sha256) {
      return mediaError(
        'changed',
        `${file.relPath} changed on disk since it was inspected; it is not served.`,
      );
    }
    return mediaOk(keep === undefined ? bytes : { bytes, size });
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

/**
 * The media library of a running engine: capture folders and the archive folder are read at each
 * request, because Settings can change them without a restart.
 */
export function engineMediaLibrary(
  engine: { readonly queue: MediaLibraryOptions['queue']; readonly config: ResolvedConfig },
  extra: Pick<MediaLibraryOptions, 'maxImageBytes' | 'maxTextBytes' | 'thumbnails'> = {},
): MediaLibrary {
  return new MediaLibrary({
    ...extra,
    queue: engine.queue,
    get folders() {
      return engine.config.folders;
    },
    get archiveDir() {
      return engine.config.retention.archiveDir;
    },
    dataDir: engine.config.dataDir,
  });
}
