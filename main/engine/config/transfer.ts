import { type RetentionScopeConfig, scopeIssues } from '../retention/scopes.ts';
import { archiveDirIssue, resolveRetentionSettings, retentionConfigIssues } from '../retention/settings.ts';
import { reviewDestinationIssue } from '../review/settings.ts';
import { resolveUploadSettings, uploadConfigIssues } from '../upload/settings.ts';
import { checkRoutes, resolveDestinations } from './destinations.ts';
import type { IssueList } from './errors.ts';
import type { CoreConfig, ResolvedConfig } from './types.ts';

/**
 * The destination, upload and retention sections: their own semantic checks (the schema has
 * already run), defaults, and paths made absolute against the config file's folder.
 */
export function resolveTransfer(
  core: CoreConfig,
  baseDir: string,
  issues: IssueList,
): ResolvedConfig | undefined {
  const raw = core.raw;
  // Folders and rules may each set their own retention; resolved folder ids line up with raw.folders.
  const scopes: RetentionScopeConfig = {
    folders: core.folders.map((folder, i) => ({ id: folder.id, retention: raw.folders[i]?.retention })),
    rules: core.rules,
  };
  for (const issue of [
    ...uploadConfigIssues(raw.upload),
    ...retentionConfigIssues(raw.retention),
    ...scopeIssues(scopes),
  ]) {
    issues.add(issue.path, issue.message, issue.hint);
  }
  const { destinations, defaults } = resolveDestinations(raw, baseDir, issues);
  checkRoutes(raw, destinations, defaults, issues, core.warnings);
  const review = reviewDestinationIssue(raw.review?.destination, destinations);
  if (review) issues.add('/review/destination', review.message, review.hint);
  if (!issues.empty) return undefined;
  const config: ResolvedConfig = {
    ...core,
    upload: resolveUploadSettings(raw.upload),
    retention: resolveRetentionSettings(raw.retention, core.dataDir, baseDir, scopes),
    destination: destinations[0]?.config,
    destinations,
    defaultDestinations: defaults,
  };
  const overlap = archiveDirIssue(config.retention, config.folders);
  if (overlap) issues.add(overlap.path, overlap.message, overlap.hint);
  return config;
}
