/**
 * Writing an inspector plugin
 * ---------------------------
 * A plugin is an ES module listed under `inspect.plugins` in the config. Relative paths are resolved
 * against the config file's folder (createInspector's `baseDir`); bare names are loaded as npm
 * packages. The module's default
 * export (or a named export `plugin`) must be an object:
 *
 *   export default {
 *     name: 'thermal-range',
 *     // Optional filter; when it returns false, inspect() is not called for this file.
 *     appliesTo: (ctx) => ctx.contentType === 'image/tiff',
 *     async inspect(ctx) {
 *       return { tags: { 'thermal:hot': 1 }, warnings: [], exif: { SensorTemp: 41.5 } };
 *     },
 *   };
 *
 * `ctx` holds what the engine already read (the file is read once, never again for plugins):
 *   absPath, relPath, folderId  where the file is (relPath uses `/` and is relative to the folder)
 *   size, contentType           size in bytes; MIME type from magic bytes or the extension
 *   head                        the first 64 KiB (fewer for smaller files)
 *   text                        for text-like files: the first `inspect.pii.maxScanBytes`, decoded
 *
 * The result is merged into the file's inspection: tag counts are added, warnings appended, exif
 * fields added (a plugin's value wins over EXIF's), and predictions appended to the sidecar's
 * (or used as-is when there is no sidecar). Plugins run one after another in config order.
 * A plugin that throws, or takes longer than 30 s, costs a warning on the file, never the file.
 */

import type { Predictions, Tags } from '../../../shared/inspection.ts';

export interface PluginContext {
  absPath: string;
  relPath: string;
  folderId: string;
  size: number;
  contentType: string;
  head: Uint8Array;
  text?: string;
}

export interface PluginResult {
  tags?: Tags;
  warnings?: string[];
  exif?: Record<string, string | number | boolean>;
  predictions?: Predictions;
}

export interface InspectorPlugin {
  name: string;
  appliesTo?(ctx: PluginContext): boolean;
  inspect(ctx: PluginContext): Promise<PluginResult> | PluginResult;
}
