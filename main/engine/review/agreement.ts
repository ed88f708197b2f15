import type { DatabaseSync } from 'node:sqlite';
import type { AgreementBucket } from './types.ts';

export const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;
export type BucketSize = keyof typeof BUCKETS;

export interface AgreementQuery {
  from: number;
  to: number;
  bucket: BucketSize;
  modelVersion?: string;
  label?: string;
}

/**
 * How often reviewers agreed with the model, per time bucket (UTC hours or days), model version
 * and class: each reviewer's current correction counts each predicted object once (agreed, changed
 * or deleted) and each object the model missed once, at the time the correction was made.
 */
export function agreement(db: DatabaseSync, query: AgreementQuery): AgreementBucket[] {
  const size = BUCKETS[query.bucket];
  const where = ['at >= ?', 'at < ?'];
  const values: (string | number)[] = [query.from, query.to];
  if (query.modelVersion !== undefined) {
    where.push('model_version = ?');
    values.push(query.modelVersion);
  }
  if (query.label !== undefined) {
    where.push('label = ?');
    values.push(query.label);
  }
  const rows = db
    .prepare(
      `SELECT (at / ${size}) * ${size} AS bucket, model_version, label,
         sum(outcome = 'agreed') AS agreed, sum(outcome = 'changed') AS changed,
         sum(outcome = 'deleted') AS deleted, sum(outcome = 'missed') AS missed
       FROM correction_outcomes WHERE ${where.join(' AND ')}
       GROUP BY bucket, model_version, label ORDER BY bucket, model_version, label`,
    )
    .all(...values);
  return rows.map((row) => {
    const agreed = Number(row['agreed']);
    const changed = Number(row['changed']);
    const deleted = Number(row['deleted']);
    const missed = Number(row['missed']);
    const total = agreed + changed + deleted + missed;
    return {
      at: Number(row['bucket']),
      modelVersion: String(row['model_version']),
      label: String(row['label']),
      agreed,
      changed,
      deleted,
      missed,
      rate: total > 0 ? agreed / total : 0,
    };
  });
}
