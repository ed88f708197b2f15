/** Renders a scene to a camera-like JPEG with sharp (librsvg draws the SVG, mozjpeg encodes it). */
import sharp from 'sharp';
import { type ExifFields, withExif } from './jpeg.ts';
import type { Scene } from './scene.ts';
import { sceneToSvg } from './scene-svg.ts';

/** Typical of a surveillance camera's stream: small files, visible but harmless artefacts. */
const JPEG_QUALITY = 80;

export async function renderSceneJpeg(scene: Scene, exif: ExifFields): Promise<Buffer> {
  const jpeg = await sharp(Buffer.from(sceneToSvg(scene)))
    .flatten({ background: '#000000' })
    .jpeg({ quality: JPEG_QUALITY, mozjpeg: false })
    .toBuffer();
  return withExif(jpeg, exif);
}
