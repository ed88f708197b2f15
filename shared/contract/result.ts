import type { ContractError } from './errors.ts';

/** Validation outcome: the typed value, or a contract error. Never throws across the boundary. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: ContractError };

export const accepted = <T>(value: T): Checked<T> => ({ ok: true, value });
export const refused = <T = never>(error: ContractError): Checked<T> => ({ ok: false, error });
