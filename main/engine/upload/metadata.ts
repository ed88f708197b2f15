import type { FileRecord } from '../queue/types.ts';

/**
 * What travels with each object so the core can find and filter captures without the queue:
 * user metadata (x-amz-meta-*) and, where the destination sends them, object tags.
 */

export interface MetadataContext {
  site: string;
  device: string;
}

/** S3 allows 2 KB of user metadata (keys + values); stay clear of it. */
export const METADATA_BUDGET_BYTES = 1900;
/** Values longer than this are cut so one long value cannot push out the rest. */
const MAX_VALUE_LENGTH = 512;
const MAX_TAGS = 10;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;

/** Core keys first: when the budget runs out, the rule's extra metadata goes before these do. */
export function buildObjectMetadata(record: FileRecord, ctx: MetadataContext): Record<string, string> {
  const inspection = record.inspection;
  const entries: [string, string | undefined][] = [
    ['sha256', record.sha256 ?? inspection?.sha256],
    ['site', ctx.site],
    ['device', ctx.device],
    ['folder', record.folderId],
    ['captured-at', new Date(record.mtimeMs).toISOString()],
    ['rule', record.rule ?? record.decision?.rule],
    ['content-type', record.contentType ?? inspection?.contentType],
    ...predictionSummary(record),
    ['pii', piiSummary(record)],
  ];
  for (const [key, value] of Object.entries(record.decision?.metadata ?? {})) entries.push([key, value]);

  const metadata: Record<string, string> = {};
  let used = 0;
  for (const [rawKey, rawValue] of entries) {
    const key = metadataKey(rawKey);
    if (!key || rawValue === undefined || key in metadata) continue;
    let value = asciiSafe(rawValue).slice(0, MAX_VALUE_LENGTH);
    const room = METADATA_BUDGET_BYTES - used - key.length;
    if (room <= 0) break;
    if (value.length > room) value = cutEncoded(value, room);
    metadata[key] = value;
    used += key.length + value.length;
  }
  return metadata;
}

/** Capture metadata keys a sidecar object repeats, so the core can file it without its capture. */
const SIDECAR_KEPT_KEYS = ['site', 'device', 'folder', 'captured-at', 'rule', 'model-version'];

/** A sidecar object's metadata: its own sha256, the capture's key, and the capture's context. */
export function sidecarMetadata(
  captureMetadata: Record<string, string>,
  sha256: string,
  captureKey: string,
): Record<string, string> {
  const metadata: Record<string, string> = {
    sha256,
    'sidecar-of': asciiSafe(captureKey).slice(0, MAX_VALUE_LENGTH),
  };
  for (const key of SIDECAR_KEPT_KEYS) {
    const value = captureMetadata[key];
    if (value !== undefined) metadata[key] = value;
  }
  return metadata;
}

/** Up to 10 tags (S3's limit) for lifecycle rules and search: site, device, folder, rule, PII, labels. */
export function buildObjectTags(record: FileRecord, ctx: MetadataContext): Record<string, string> {
  const pii = piiKinds(record);
  const predictions = record.inspection?.predictions;
  const top = topPrediction(record);
  const entries: [string, string | undefined][] = [
    ['site', ctx.site],
    ['device', ctx.device],
    ['folder', record.folderId],
    ['rule', record.rule ?? record.decision?.rule],
    ['content-type', record.contentType ?? record.inspection?.contentType],
    ['pii', pii.length > 0 ? 'true' : 'false'],
    ['pii-kinds', pii.length > 0 ? pii.join(' ') : undefined],
    ['top-label', top?.label],
    ['model-version', predictions?.modelVersion],
  ];
  for (const [key, value] of Object.entries(record.decision?.metadata ?? {})) entries.push([key, value]);

  const tags: Record<string, string> = {};
  for (const [rawKey, rawValue] of entries) {
    if (Object.keys(tags).length >= MAX_TAGS) break;
    const key = tagText(rawKey).slice(0, MAX_TAG_KEY);
    if (!key || key.startsWith('aws:') || rawValue === undefined || key in tags) continue;
    tags[key] = tagText(rawValue).slice(0, MAX_TAG_VALUE);
  }
  return tags;
}

function predictionSummary(record: FileRecord): [string, string | undefined][] {
  const predictions = record.inspection?.predictions;
  if (!predictions) return [];
  const top = topPrediction(record);
  return [
    ['model-version', predictions.modelVersion],
    ['prediction-count', String(predictions.items.length)],
    ['top-label', top?.label],
    ['top-score', top ? String(Math.round(top.score * 1000) / 1000) : undefined],
  ];
}

function topPrediction(record: FileRecord): { label: string; score: number } | undefined {
  let best: { label: string; score: number } | undefined;
  for (const item of record.inspection?.predictions?.items ?? []) {
    if (!best || item.score > best.score) best = item;
  }
  return best;
}

/** "email=3,phone=1" from the pii:* tags, or undefined when none were found. */
function piiSummary(record: FileRecord): string | undefined {
  const tags = record.inspection?.tags ?? {};
  const found = Object.keys(tags)
    .filter((tag) => tag.startsWith('pii:'))
    .sort()
    .map((tag) => `${tag.slice(4)}=${tags[tag]}`);
  return found.length > 0 ? found.join(',') : undefined;
}

function piiKinds(record: FileRecord): string[] {
  return Object.keys(record.inspection?.tags ?? {})
    .filter((tag) => tag.startsWith('pii:'))
    .map((tag) => tag.slice(4))
    .sort();
}

/** Lowercase letters, digits and dashes: what every S3-compatible store keeps intact in a header name. */
function metadataKey(key: string): string {
  return key
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * HTTP header values must be printable US-ASCII: anything else (and `%` itself, so decoding
 * is unambiguous) is percent-encoded as UTF-8, the way S3 clients commonly do it.
 */
export function asciiSafe(value: string): string {
  let out = '';
  for (const char of value.toWellFormed().trim()) {
    const code = char.codePointAt(0) ?? 0;
    out += code >= 0x20 && code <= 0x7e && char !== '%' ? char : encodeURIComponent(char);
  }
  return out;
}

/** Shortens without splitting a %XX escape. */
function cutEncoded(value: string, length: number): string {
  let cut = value.slice(0, length);
  const lastPercent = cut.lastIndexOf('%');
  if (lastPercent >= 0 && lastPercent > cut.length - 3) cut = cut.slice(0, lastPercent);
  return cut;
}

/** S3 tags allow letters, digits, spaces and + - = . _ : / @; anything else becomes `_`. */
function tagText(value: string): string {
  return value.trim().replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_');
}
