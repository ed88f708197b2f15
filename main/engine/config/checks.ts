import path from 'node:path';
import { globProblem } from '../rules/glob.ts';
import type { IssueList } from './errors.ts';
import type { CoreConfig } from './types.ts';

/** Cross-field checks on a config that passed the schema: ids, paths, regexes, name patterns. */
export function checkConfig(config: CoreConfig, issues: IssueList): void {
  checkFolders(config, issues);
  checkInspect(config, issues);
  checkRules(config, issues);
}

/**
 * No rules sends every file to the default action, which is "skip" unless set: a site that
 * captures nothing, silently. Refused unless the default action is written out, then only warned.
 */
function checkRules(config: CoreConfig, issues: IssueList): void {
  if (config.rules.length > 0) return;
  const { action, reason } = config.defaultAction;
  if (config.raw.defaultAction === undefined) {
    issues.add(
      '/rules',
      'there are no rules, so every file would get the default action "skip": kept on this machine, never uploaded.',
      'Add rules, e.g. "rules: [{ name: images, when: { contentType: image/* }, action: upload }]", or, if every file should be treated alike, say so with an explicit default action, e.g. "defaultAction: { action: upload }".',
    );
    return;
  }
  config.warnings.push({
    path: '/rules',
    message: `There are no rules: every file gets the default action "${action}" (${reason}).`,
  });
}

const isInside = (child: string, parent: string): boolean => {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

function checkFolders(config: CoreConfig, issues: IssueList): void {
  const raw = config.raw.folders;
  const idAt = (i: number) => (raw[i]?.id === undefined ? `/folders/${i}/path` : `/folders/${i}/id`);
  config.folders.forEach((folder, i) => {
    if (folder.id === '') {
      issues.add(idAt(i), 'this folder has no name to use as its id.', 'Add an id, e.g. id: cam-1.');
    }
    const first = config.folders.findIndex((other) => other.id === folder.id);
    if (first < i) {
      issues.add(
        idAt(i),
        `folder id "${folder.id}" is already used by folder ${first}.`,
        raw[i]?.id === undefined
          ? 'Two folders have the same name, so give this one an explicit id, e.g. id: cam-2.'
          : 'Give each folder a unique id: rules and object keys refer to it.',
      );
    }
    const samePath = config.folders.findIndex((other) => other.path === folder.path);
    if (samePath < i) {
      issues.add(
        `/folders/${i}/path`,
        `${folder.path} is already watched by folder ${samePath}.`,
        'List each folder once.',
      );
    }
    const outer = config.folders.find((other) => other.recursive && isInside(folder.path, other.path));
    if (outer) {
      issues.add(
        `/folders/${i}/path`,
        `${folder.path} is inside folder "${outer.id}" (${outer.path}), which is watched recursively, so its files would be captured twice.`,
        `Remove one of them, or set recursive: false on "${outer.id}".`,
      );
    }
    if (config.dataDir === folder.path || (folder.recursive && isInside(config.dataDir, folder.path))) {
      issues.add(
        config.raw.dataDir === undefined ? `/folders/${i}/path` : '/dataDir',
        `the data directory ${config.dataDir} is inside capture folder "${folder.id}", so the queue database would be captured.`,
        'Set dataDir to a directory outside the capture folders.',
      );
    }
    folder.ignore.forEach((glob, j) => {
      const problem = globProblem(glob);
      if (problem) issues.add(`/folders/${i}/ignore/${j}`, problem.message, problem.hint);
    });
  });
}

function checkInspect(config: CoreConfig, issues: IssueList): void {
  const { sidecarPattern, pii } = config.inspect;
  const unknown = [...sidecarPattern.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1])
    .filter((name) => name !== 'stem' && name !== 'name');
  if (unknown.length > 0) {
    issues.add(
      '/inspect/sidecarPattern',
      `unknown placeholder {${unknown[0]}} in ${JSON.stringify(sidecarPattern)}.`,
      'Use {stem} (name without extension) or {name} (full name), e.g. "{stem}.pred.json".',
    );
  } else if (!sidecarPattern.includes('{stem}') && !sidecarPattern.includes('{name}')) {
    issues.add(
      '/inspect/sidecarPattern',
      `${JSON.stringify(sidecarPattern)} names the same sidecar for every file.`,
      'Include {stem} or {name}, e.g. "{stem}.pred.json".',
    );
  }
  pii.custom.forEach((custom, i) => {
    try {
      new RegExp(custom.pattern, custom.flags);
    } catch (err) {
      const why = (err as Error).message.replace(/^Invalid regular expression: /, '');
      const flagsAt = /flags/i.test(why) && custom.flags !== undefined;
      issues.add(
        `/inspect/pii/custom/${i}/${flagsAt ? 'flags' : 'pattern'}`,
        `${JSON.stringify(flagsAt ? custom.flags : custom.pattern)} is not a valid regular expression (${why}).`,
        flagsAt
          ? 'Use each flag once, from d, i, m, s, u, v, y.'
          : 'Check brackets and escape special characters with \\; in YAML, single-quote the pattern so backslashes stay as typed.',
      );
    }
  });
}
