import path from 'node:path';
import type { FileFacts } from './types.ts';

/** Placeholders allowed in key and metadata templates, e.g. `{site}/{device}/{yyyy}/{mm}/{dd}/{path}`. */
export const TEMPLATE_PLACEHOLDERS: readonly string[] = [
  'site',
  'device',
  'folder',
  'path',
  'dir',
  'name',
  'stem',
  'ext',
  'yyyy',
  'mm',
  'dd',
  'hh',
  'min',
  'sha256',
  'sha8',
  'rule',
  'label',
];

export interface TemplateContext {
  site: string;
  now: Date;
  rule?: string;
}

type Resolver = (facts: FileFacts, ctx: TemplateContext) => string;
export type CompiledTemplate = (facts: FileFacts, ctx: TemplateContext) => string;

const PLACEHOLDER = /\{([^{}]*)\}/g;

const pad = (n: number): string => String(n).padStart(2, '0');
const posixRel = (facts: FileFacts): string => facts.relPath.replaceAll('\\', '/').replace(/^(\.\/|\/)+/, '');
const baseName = (facts: FileFacts): string => path.posix.basename(posixRel(facts));
/** Dates in keys come from the file's mtime (UTC) so re-deciding a file gives the same key. */
const fileDate = (facts: FileFacts, ctx: TemplateContext): Date => {
  const mtime = facts.inspection.mtimeMs;
  return Number.isFinite(mtime) && mtime > 0 ? new Date(mtime) : ctx.now;
};

function topLabel(facts: FileFacts): string {
  let best: { label: string; score: number } | undefined;
  for (const item of facts.inspection.predictions?.items ?? []) {
    if (!best || item.score > best.score) best = item;
  }
  // Labels come from a sidecar we do not control: keep them to one key segment.
  const label = best?.label.replace(/[/\\]/g, '_').trim();
  return label ? label : 'none';
}

const RESOLVERS: Record<string, Resolver> = {
  site: (_f, ctx) => ctx.site,
  device: (f) => f.device,
  folder: (f) => f.folderId,
  path: posixRel,
  dir: (f) => {
    const dir = path.posix.dirname(posixRel(f));
    return dir === '.' ? '' : dir;
  },
  name: baseName,
  stem: (f) => {
    const name = baseName(f);
    const ext = path.posix.extname(name);
    return ext ? name.slice(0, -ext.length) : name;
  },
  ext: (f) => path.posix.extname(baseName(f)).slice(1),
  yyyy: (f, ctx) => String(fileDate(f, ctx).getUTCFullYear()),
  mm: (f, ctx) => pad(fileDate(f, ctx).getUTCMonth() + 1),
  dd: (f, ctx) => pad(fileDate(f, ctx).getUTCDate()),
  hh: (f, ctx) => pad(fileDate(f, ctx).getUTCHours()),
  min: (f, ctx) => pad(fileDate(f, ctx).getUTCMinutes()),
  sha256: (f) => f.inspection.sha256,
  sha8: (f) => f.inspection.sha256.slice(0, 8),
  rule: (_f, ctx) => ctx.rule ?? 'default',
  label: topLabel,
};

/** Placeholder names in the template that are not in TEMPLATE_PLACEHOLDERS. */
export function unknownPlaceholders(template: string): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!(name in RESOLVERS) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

/** Parses the template once; throws on an unknown placeholder (config validation reports those first). */
export function compileTemplate(template: string): CompiledTemplate {
  const parts: (string | Resolver)[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    const resolver = RESOLVERS[name];
    if (!resolver) throw new Error(`Unknown placeholder {${name}} in template "${template}"`);
    if (match.index > last) parts.push(template.slice(last, match.index));
    parts.push(resolver);
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return (facts, ctx) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(facts, ctx);
    return out;
  };
}

const templateCache = new Map<string, CompiledTemplate>();

export function renderTemplate(template: string, facts: FileFacts, ctx: TemplateContext): string {
  let compiled = templateCache.get(template);
  if (!compiled) {
    compiled = compileTemplate(template);
    if (templateCache.size < 1000) templateCache.set(template, compiled);
  }
  return compiled(facts, ctx);
}

/**
 * Makes a rendered key safe for an object store: `/` separators only, no leading `/`, no empty,
 * `.` or `..` segments (so `//` collapses and nothing climbs out of the prefix), no control characters.
 */
export function safeObjectKey(key: string): string {
  return key
    .replaceAll('\\', '/')
    .replace(/\p{Cc}/gu, '_')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .join('/');
}

export function compileObjectKey(template: string): CompiledTemplate {
  const render = compileTemplate(template);
  return (facts, ctx) => {
    const key = safeObjectKey(render(facts, ctx));
    // A template such as "{dir}" can render empty for a file at the top of the folder.
    return key || safeObjectKey(baseName(facts)) || facts.inspection.sha256 || 'unnamed';
  };
}
