export type { CaptureGate, DiskSpace, GuardReport, StatfsLike, StatfsReader } from './disk-guard.ts';
export type { Removal } from './removal.ts';
export {
  type AfterUploadResult,
  type RetentionContext,
  RetentionManager,
  type RetentionStatus,
  type SweepReport,
} from './retention.ts';
export {
  archiveDirIssue,
  type DiskGuardSettings,
  RETENTION_SCHEMA,
  type RetentionIssue,
  type RetentionSettings,
  resolveRetentionSettings,
  retentionConfigIssues,
} from './settings.ts';
