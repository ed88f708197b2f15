import type { Box } from './types.ts';

/** One image of a COCO export, with the objects the reviewers settled on. */
export interface CocoImageInput {
  id: number;
  fileName: string;
  width: number;
  height: number;
  /** Extra fields a pipeline may join on (kept beside COCO's own). */
  sha256: string;
  objects: { label: string; box: Box }[];
}

export interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoInfo {
  description: string;
  /** ISO time the export was made. */
  dateCreated: string;
  version: string;
}

/**
 * Writes a COCO detection file piece by piece: `images`, then `annotations`, then `categories`.
 * `images` is called twice (once per section), so a caller can stream rows from the database twice
 * instead of holding a day's corrections in memory. Boxes are COCO's `[x, y, width, height]` in
 * pixels from the top-left corner; `area` is width × height (boxes, not segmentations).
 */
export async function* cocoChunks(
  info: CocoInfo,
  categories: readonly CocoCategory[],
  images: () => AsyncIterable<CocoImageInput> | Iterable<CocoImageInput>,
): AsyncGenerator<string> {
  const categoryId = new Map(categories.map((c) => [c.name, c.id]));
  yield `{"info":${JSON.stringify({ description: info.description, version: info.version, date_created: info.dateCreated })},"licenses":[],"images":[`;
  let first = true;
  for await (const image of images()) {
    const entry = {
      id: image.id,
      file_name: image.fileName,
      width: image.width,
      height: image.height,
      sha256: image.sha256,
    };
    yield `${first ? '' : ','}${JSON.stringify(entry)}`;
    first = false;
  }
  yield '],"annotations":[';
  first = true;
  let annotationId = 0;
  for await (const image of images()) {
    for (const object of image.objects) {
      const category = categoryId.get(object.label);
      if (category === undefined) throw new Error(`COCO export: class "${object.label}" has no category id`);
      annotationId += 1;
      const { x, y, w, h } = object.box;
      const entry = {
        id: annotationId,
        image_id: image.id,
        category_id: category,
        bbox: [x, y, w, h],
        area: w * h,
        iscrowd: 0,
      };
      yield `${first ? '' : ','}${JSON.stringify(entry)}`;
      first = false;
    }
  }
  yield `],"categories":${JSON.stringify(categories.map((c) => ({ id: c.id, name: c.name, supercategory: 'object' })))}}`;
}

/** Collects a generator's text (tests, small exports). */
export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}
