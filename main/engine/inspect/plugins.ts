import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Inspection } from '../../../shared/inspection.ts';
import type { InspectorPlugin, PluginContext, PluginResult } from './plugin-types.ts';

const PLUGIN_TIMEOUT_MS = 30_000;

const looksLikePath = (spec: string) =>
  spec.startsWith('.') || path.isAbsolute(spec) || spec.includes('/') || spec.includes('\\');

/** A file URL for paths (relative ones against baseDir); a resolved path for package names. */
function resolveSpecifier(spec: string, baseDir: string): string {
  if (looksLikePath(spec) && !spec.startsWith('@')) return pathToFileURL(path.resolve(baseDir, spec)).href;
  try {
    return pathToFileURL(createRequire(path.join(baseDir, 'noop.js')).resolve(spec)).href;
  } catch {
    return spec;
  }
}

function isPlugin(value: unknown): value is InspectorPlugin {
  const v = value as Partial<InspectorPlugin> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.inspect === 'function' &&
    (v.appliesTo === undefined || typeof v.appliesTo === 'function')
  );
}

/** Imports every module in `inspect.plugins`; throws naming the entry and what it must export. */
export async function loadPlugins(specs: string[], baseDir: string): Promise<InspectorPlugin[]> {
  const plugins: InspectorPlugin[] = [];
  for (const [i, spec] of specs.entries()) {
    const field = `inspect.plugins[${i}] "${spec}"`;
    let mod: Record<string, unknown>;
    try {
      mod = await import(resolveSpecifier(spec, baseDir));
    } catch (err) {
      throw new Error(
        `${field}: cannot load the module (${(err as Error).message}); paths are relative to ${baseDir}`,
      );
    }
    const candidate = isPlugin(mod['default']) ? mod['default'] : mod['plugin'];
    if (!isPlugin(candidate)) {
      throw new Error(`${field}: the module must export default { name: string, inspect(ctx) { ... } }`);
    }
    plugins.push(candidate);
  }
  return plugins;
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${PLUGIN_TIMEOUT_MS / 1000} s`)),
      PLUGIN_TIMEOUT_MS,
    );
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer)) as Promise<T>;
}

function merge(into: Inspection, result: PluginResult): void {
  for (const [tag, count] of Object.entries(result.tags ?? {})) {
    if (typeof count === 'number' && Number.isFinite(count)) into.tags[tag] = (into.tags[tag] ?? 0) + count;
  }
  into.warnings.push(...(result.warnings ?? []).map(String));
  if (result.exif) into.exif = { ...into.exif, ...result.exif };
  if (result.predictions && Array.isArray(result.predictions.items)) {
    into.predictions = into.predictions
      ? { ...into.predictions, items: [...into.predictions.items, ...result.predictions.items] }
      : result.predictions;
  }
}

/** Runs each plugin that applies, in order. A failing plugin costs a warning, not the file. */
export async function runPlugins(
  plugins: InspectorPlugin[],
  ctx: PluginContext,
  into: Inspection,
): Promise<void> {
  for (const plugin of plugins) {
    try {
      if (plugin.appliesTo && !plugin.appliesTo(ctx)) continue;
      const result = await withTimeout(Promise.resolve(plugin.inspect(ctx)));
      if (result) merge(into, result);
    } catch (err) {
      into.warnings.push(`plugin ${plugin.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
