import type { FileState } from '../../../shared/status.ts';
import type { DeliveryRecord, DeliveryState } from './delivery-types.ts';

/**
 * How a file's state summarises its deliveries: the first row whose state any delivery is in wins.
 * Work still going on comes first (a file is `uploading` while any destination is being sent to,
 * `queued` while any waits), then retries, then what needs a person, and `uploaded` only when every
 * destination the file was sent to has confirmed it, which is what lets retention act.
 */
export const SUMMARY_PRECEDENCE: readonly (readonly [DeliveryState, FileState])[] = [
  ['uploading', 'uploading'],
  ['queued', 'queued'],
  ['failed', 'failed'],
  ['quarantined', 'quarantined'],
  ['conflict', 'conflict'],
  ['uploaded', 'uploaded'],
];

/** The file's state and the delivery that decides it (its attempts, error and key are shown on the file). */
export function summarise(
  deliveries: readonly DeliveryRecord[],
): { state: FileState; decidedBy: DeliveryRecord } | undefined {
  for (const [deliveryState, fileState] of SUMMARY_PRECEDENCE) {
    const decidedBy = deliveries.find((d) => d.state === deliveryState);
    if (decidedBy) {
      // An uploaded file is known by its first destination's key.
      const first = fileState === 'uploaded' ? deliveries[0] : decidedBy;
      return { state: fileState, decidedBy: first ?? decidedBy };
    }
  }
  return undefined;
}
