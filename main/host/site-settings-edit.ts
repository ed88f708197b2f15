import { readFile, stat } from 'node:fs/promises';
import type {
  ConfigIssueMessage,
  SettingChange,
  SettingEdit,
  SettingsSaved,
} from '../../shared/contract/index.ts';
import { checkConfigText } from '../engine/config/load.ts';
import type { ResolvedConfig, ResolvedFolder } from '../engine/config/types.ts';
import { type ConfigDiff, diffConfigs } from '../engine/reconfigure.ts';
import type { HostContext } from './handlers/types.ts';
import type { HostedEngine } from './hosted-engine.ts';
import { type FolderPresence, settingChanges } from './settings-changes.ts';
import { DEMO_SOURCE, revisionOf, type SiteControl } from './site-control.ts';
import { applySettingEdits, writeAtomically } from './site-file.ts';

/**
 * settings.check and settings.update: edits by JSON pointer made in the site file's text (comments
 * and layout kept, see site-file.ts), the whole file validated exactly as `edge-capture validate`
 * does, then written and applied to the running engine (CaptureEngine.reconfigure). A rejected
 * change leaves file and engine as they were.
 */

interface Prepared {
  issues: ConfigIssueMessage[];
  warnings: string[];
  changes: SettingChange[];
  config?: ResolvedConfig;
  text?: string;
  diff?: ConfigDiff;
}

const RESTART_HINT =
  'Put the old value back to save your other changes; to change this one, edit the site file and restart the engine.';

function nowhereToSave(site: SiteControl): ConfigIssueMessage {
  return site.config.source === DEMO_SOURCE
    ? {
        path: '',
        message: 'the demo runs on built-in settings, so there is no site file to save them into.',
        hint: 'Set up a site file (see the first-run panel) and run the engine on it to change settings.',
      }
    : {
        path: '',
        message: 'these settings did not come from a file, so there is nowhere to save them.',
        hint: 'Run the engine on a site file (edge-capture run --config FILE) to change settings here.',
      };
}

/** A folder path that is a file, or that the engine cannot read, is refused; a missing one is a warning. */
async function folderIssues(
  before: ResolvedConfig,
  after: ResolvedConfig,
  warnings: string[],
): Promise<{ issues: ConfigIssueMessage[]; presence: Map<string, 'watching' | 'missing'> }> {
  const issues: ConfigIssueMessage[] = [];
  const presence = new Map<string, 'watching' | 'missing'>();
  for (const [index, folder] of after.folders.entries()) {
    const old = before.folders.find((f) => f.id === folder.id);
    if (old && old.path === folder.path) continue;
    const info = await stat(folder.path).catch((error: NodeJS.ErrnoException) => error);
    const path = `/folders/${index}/path`;
    if (info instanceof Error) {
      if (info.code === 'ENOENT') {
        presence.set(folder.id, 'missing');
        warnings.push(`${path}: ${folder.path} does not exist yet; it is watched as soon as it appears.`);
      } else {
        issues.push({
          path,
          message: `${folder.path} cannot be read by the engine (${info.code ?? info.message}).`,
          hint: "Give the engine's user read and execute access to the folder, or choose another one.",
        });
      }
    } else if (!info.isDirectory()) {
      issues.push({
        path,
        message: `${folder.path} is a file, not a folder.`,
        hint: 'Give the path of the folder the files are written into (its parent, if this is one of them).',
      });
    } else presence.set(folder.id, 'watching');
  }
  return { issues, presence };
}

async function prepare(
  site: SiteControl,
  file: string,
  fileText: string,
  edits: readonly SettingEdit[],
): Promise<Prepared> {
  const edited = applySettingEdits(fileText, file, edits);
  if ('problem' in edited) return { issues: [edited.problem], warnings: [], changes: [] };
  // The same reading and checks as `edge-capture validate`, on the file as it would be written.
  const checked = checkConfigText(edited.text, file);
  if (!checked.config || checked.issues.length > 0) {
    return {
      issues: checked.issues.map(({ path, message, hint }) => ({ path, message, hint })),
      warnings: [],
      changes: [],
    };
  }
  const config = checked.config;
  const before = site.config;
  const warnings = config.warnings.map((w) => `${w.path}: ${w.message}`);
  const folders = await folderIssues(before, config, warnings);
  const diff = diffConfigs(before, config);
  const issues = [
    ...folders.issues,
    ...diff.restartOnly.map(({ path, why }) =>
      edits.some((e) => e.path === path || e.path.startsWith(`${path}/`))
        ? {
            path,
            message: `${path.slice(1)} cannot change while the engine runs: ${why}.`,
            hint: RESTART_HINT,
          }
        : {
            path,
            message: `the site file's ${path.slice(1)} differs from the one the engine runs with (it was edited by hand), and it cannot change while the engine runs: ${why}.`,
            hint: 'Restart the engine to use the site file as it is, or put the old value back in the file.',
          },
    ),
  ];
  const presence: FolderPresence = (folder: ResolvedFolder) => folders.presence.get(folder.id) ?? 'watching';
  return {
    issues,
    warnings,
    changes: settingChanges(before, config, presence),
    config,
    text: edited.text,
    diff,
  };
}

export async function checkSettings(site: SiteControl, edits: readonly SettingEdit[]) {
  const file = site.file;
  if (!file) return { ok: false, issues: [nowhereToSave(site)], warnings: [], changes: [] };
  const prepared = await prepare(site, file, await readFile(file, 'utf8'), edits);
  return {
    ok: prepared.issues.length === 0,
    issues: prepared.issues,
    warnings: prepared.warnings,
    changes: prepared.changes,
  };
}

function refused(
  issues: ConfigIssueMessage[],
  message: string,
  extra: Partial<SettingsSaved> = {},
): SettingsSaved {
  return { ok: false, issues, warnings: [], changes: [], saved: false, applied: false, message, ...extra };
}

/** One save at a time, shared with rule and bandwidth saves. */
export function updateSettings(
  engine: HostedEngine,
  site: SiteControl,
  host: HostContext,
  edits: readonly SettingEdit[],
  revision: string | undefined,
): Promise<SettingsSaved> {
  return site.exclusive(() => save(engine, site, host, edits, revision));
}

async function save(
  engine: HostedEngine,
  site: SiteControl,
  host: HostContext,
  edits: readonly SettingEdit[],
  revision: string | undefined,
): Promise<SettingsSaved> {
  const file = site.file;
  if (!file) return refused([nowhereToSave(site)], 'Not saved: there is no site file to save settings into.');
  const fileText = await readFile(file, 'utf8');
  const onDisk = revisionOf(fileText);
  if (revision !== undefined && revision !== onDisk) {
    return refused(
      [
        {
          path: '',
          message: `the site file ${file} changed since you opened Settings (it was edited by hand, or saved from another window).`,
          hint: 'Reload Settings to see the file as it is now, then make your change again.',
        },
      ],
      'Not saved: the site file changed on disk since you opened Settings. Nothing was written or applied.',
      { revision: onDisk, stale: true },
    );
  }
  const prepared = await prepare(site, file, fileText, edits);
  const { issues, warnings, changes, config, text, diff } = prepared;
  if (issues.length > 0 || !config || text === undefined || !diff) {
    return refused(
      issues,
      'Not saved: fix the settings marked. The site file and the engine are unchanged.',
      {
        warnings,
        revision: onDisk,
      },
    );
  }
  if (text === fileText) {
    return {
      ok: true,
      issues: [],
      warnings,
      changes: [],
      saved: false,
      applied: false,
      revision: onDisk,
      message: 'Nothing to change: the site file already says this.',
    };
  }
  try {
    await writeAtomically(file, text);
  } catch (error) {
    return refused(
      [
        {
          path: '',
          message: `the site file could not be written: ${(error as Error).message}.`,
          hint: `Give the engine's user write access to ${file} (and its folder), then save again.`,
        },
      ],
      'Not saved: the site file could not be written. The engine is unchanged.',
      { warnings, revision: onDisk },
    );
  }
  let applied = false;
  if (!diff.none && engine.reconfigure) {
    try {
      await engine.reconfigure(config);
      applied = true;
    } catch (error) {
      const back = await writeAtomically(file, fileText).then(
        () => 'The site file and the engine are back as they were.',
        (again: Error) =>
          `The engine is back on its settings, but the site file could not be put back (${again.message}): it now holds the change that was refused.`,
      );
      engine.queue.note('problem', `settings change from the UI not applied: ${(error as Error).message}`);
      return refused(
        [
          {
            path: '',
            message: `the engine could not apply it: ${(error as Error).message}.`,
            hint: 'Check the settings named, then save again.',
          },
        ],
        `Not applied: ${(error as Error).message}. ${back}`,
        { warnings, changes, revision: onDisk },
      );
    }
  }
  site.adopt(config);
  const words = changes.map((c) => c.words);
  engine.queue.note(
    'settings-changed',
    `settings changed from the UI${words.length > 0 ? `: ${words.join('; ')}` : ''}`,
  );
  host.broadcast('config.reloaded', { at: Date.now(), warnings });
  const live = engine.reconfigure
    ? 'applied without a restart'
    : 'this engine cannot apply settings live: they apply when it restarts';
  return {
    ok: true,
    issues: [],
    warnings,
    changes,
    saved: true,
    applied,
    revision: revisionOf(text),
    message: diff.none
      ? 'Saved to the site file; the engine runs exactly as before (nothing it uses changed).'
      : `Saved to the site file and ${live}: ${changes.length} change(s).`,
  };
}
