/**
 * Names of the built-in PII detectors (main/engine/inspect/pii-detectors.ts implements them; a test
 * keeps the two lists equal). A detector that finds something tags the file, e.g. `pii:email`.
 * Config validation uses this list so typos are caught; `pii:email` is accepted for `email` too.
 */
export const PII_DETECTORS = ['email', 'phone', 'card', 'iban', 'ssn', 'ip'] as const;
export type PiiDetector = (typeof PII_DETECTORS)[number];
