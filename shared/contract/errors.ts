/**
 * Errors that cross the contract boundary: a stable code a program can switch on and one sentence a
 * person can act on. Nothing else (no stack, no raw exception text) leaves the engine host.
 */
export const CONTRACT_ERROR_CODES = [
  'malformed', // not JSON, not an object, or not one of the message kinds
  'too_large', // over the transport's size limit
  'unknown_method', // a request name the engine does not serve
  'invalid_params', // the request's parameters do not match its schema
  'invalid_result', // the engine's reply did not match its schema (a bug on the engine side)
  'invalid_event', // an event's payload did not match its schema
  'version_mismatch', // UI and engine speak different contract versions
  'not_ready', // a request arrived before the version handshake
  'unauthorized', // missing or wrong access token (browser mode)
  'failed', // the engine understood the request but could not do it; the message says why
] as const;
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

export interface ContractError {
  code: ContractErrorCode;
  message: string;
}

export function contractError(code: ContractErrorCode, message: string): ContractError {
  return { code, message };
}

export function isContractErrorCode(value: unknown): value is ContractErrorCode {
  return typeof value === 'string' && (CONTRACT_ERROR_CODES as readonly string[]).includes(value);
}
