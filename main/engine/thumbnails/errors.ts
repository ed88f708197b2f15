/**
 * Why a capture's picture or thumbnail cannot be shown: a stable code, the HTTP status browser mode
 * answers with, and one sentence for the reviewer. Returned as values, never thrown past this module.
 */
import type { MediaErrorCode } from '../../../shared/contract/media.ts';

export type { MediaErrorCode };

export interface MediaError {
  code: MediaErrorCode;
  /** The status browser mode answers with. */
  status: number;
  message: string;
}

export type MediaResult<T> = { ok: true; value: T } | { ok: false; error: MediaError };

const STATUS: Record<MediaErrorCode, number> = {
  unknown_file: 404,
  not_inspected: 409,
  not_an_image: 415,
  not_text: 415,
  not_served: 403,
  gone: 410,
  changed: 409,
  outside_folders: 403,
  too_large: 413,
  undecodable: 422,
  io: 500,
};

export function mediaError(code: MediaErrorCode, message: string): { ok: false; error: MediaError } {
  return { ok: false, error: { code, status: STATUS[code], message } };
}

export const mediaOk = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
