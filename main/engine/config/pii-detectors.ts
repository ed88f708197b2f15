/**
 * Names of the built-in PII detectors. A detector that finds something tags the file `pii:<name>`.
 * The inspector implements them; config validation uses this list so typos are caught.
 */
export const PII_DETECTORS = ['email', 'phone', 'credit-card', 'ssn', 'ip-address', 'iban'] as const;
export type PiiDetector = (typeof PII_DETECTORS)[number];
