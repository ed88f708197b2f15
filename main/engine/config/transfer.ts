import os from 'node:os';
import path from 'node:path';
import type { DestinationConfig } from '../../../shared/upload-config.ts';
import { type RetentionScopeConfig, scopeIssues } from '../retention/scopes.ts';
import { archiveDirIssue, resolveRetentionSettings, retentionConfigIssues } from '../retention/settings.ts';
import { resolveUploadSettings, uploadConfigIssues } from '../upload/settings.ts';
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
  if (!issues.empty) return undefined;
  const config: ResolvedConfig = {
    ...core,
    upload: resolveUploadSettings(raw.upload),
    retention: resolveRetentionSettings(raw.retention, core.dataDir, baseDir, scopes),
    destination: resolveDestinationPaths(raw.destination, baseDir),
  };
  const overlap = archiveDirIssue(config.retention, config.folders);
  if (overlap) issues.add(overlap.path, overlap.message, overlap.hint);
  return config;
}

function resolveDestinationPaths(
  destination: DestinationConfig | undefined,
  baseDir: string,
): DestinationConfig | undefined {
  if (!destination) return undefined;
  const resolve = (value: string) =>
    value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : path.resolve(baseDir, value);
  switch (destination.type) {
    case 's3':
      return destination.caBundle ? { ...destination, caBundle: resolve(destination.caBundle) } : destination;
    case 'filesystem':
      return { ...destination, path: resolve(destination.path) };
    case 'local':
      return destination.path ? { ...destination, path: resolve(destination.path) } : destination;
  }
}
