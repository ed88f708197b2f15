/** Makes one thumbnail with sharp, with limits that keep a hostile or broken picture from hurting the engine. */
import type SharpModule from 'sharp';
import { type MediaResult, mediaError, mediaOk } from './errors.ts';

export interface RenderLimits {
  /** Longest side of the thumbnail, in pixels. */
  longSide: number;
  /** Pictures claiming more pixels than this are refused before decoding (a decompression bomb is tiny on disk). */
  limitInputPixels: number;
}

/**
 * sharp (libvips) loads with the first thumbnail, not with the engine: ~13-19 MB of RSS that an
 * engine nobody reviews never needs (measured for item 21).
 */
let sharpLoading: Promise<typeof SharpModule> | undefined;
function loadSharp(): Promise<typeof SharpModule> {
  sharpLoading ??= import('sharp').then((module) => module.default);
  return sharpLoading;
}

export async function renderThumbnail(source: Buffer, limits: RenderLimits): Promise<MediaResult<Buffer>> {
  // Outside the try: sharp missing or broken is the engine's problem, not the picture's.
  const sharp = await loadSharp();
  try {
    const webp = await sharp(source, {
      limitInputPixels: limits.limitInputPixels,
      // A truncated or damaged frame is an error here, not a half-grey thumbnail.
      failOn: 'warning',
      animated: false,
    })
      .rotate() // upright, as the Exif orientation says
      .resize({ width: limits.longSide, height: limits.longSide, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer();
    return mediaOk(webp);
  } catch (error) {
    const detail = (error as Error).message;
    if (/pixel limit/i.test(detail)) {
      return mediaError(
        'too_large',
        `The picture has more than ${limits.limitInputPixels.toLocaleString('en')} pixels, so no thumbnail is made from it.`,
      );
    }
    return mediaError(
      'undecodable',
      `The picture cannot be decoded (${firstLine(detail)}); it may be damaged.`,
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim().slice(0, 160);
}
