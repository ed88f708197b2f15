import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ConfigError, type ConfigIssue } from '../main/engine/config/errors.ts';
import { loadConfig } from '../main/engine/config/load.ts';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'edge-config-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the text as a config file, loads it and returns the issues (failing if it loads). */
async function issuesOf(text: string, ext = 'yaml'): Promise<ConfigIssue[]> {
  const file = path.join(dir, `site-${++counter}.${ext}`);
  await writeFile(file, text);
  try {
    await loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.issues;
  }
  return assert.fail('expected the config to be rejected');
}

/** The one issue at `pointer`, checked for words in its message and hint. */
async function expectIssue(
  text: string,
  pointer: string,
  expected: { message: RegExp; hint: RegExp; line?: number },
): Promise<ConfigIssue> {
  const issues = await issuesOf(text);
  const issue = issues.find((i) => i.path === pointer);
  assert.ok(issue, `no issue at ${pointer}; got ${JSON.stringify(issues, null, 2)}`);
  assert.match(issue.message, expected.message);
  assert.match(issue.hint, expected.hint);
  if (expected.line !== undefined) assert.equal(issue.line, expected.line);
  return issue;
}

const head = 'site: plant-7\nfolders:\n  - id: cam\n    path: /srv/cam\n  - id: logs\n    path: /srv/logs\n';
/** A config with one rule whose body is given (indented under "- name: r"). */
const withRule = (body: string) => `${head}rules:\n  - name: r\n${body.replace(/^/gm, '    ')}\n`;

describe('schema problems in operator words', () => {
  test('a typo in a key suggests the right one and lists the allowed keys', async () => {
    const issue = await expectIssue(
      withRule('action: upload\nwhen:\n  exension: jpg'),
      '/rules/0/when/exension',
      {
        message: /unknown key "exension"/,
        hint: /Did you mean "extension"\? Allowed keys here: folder, glob, extension/,
        line: 11,
      },
    );
    assert.equal(issue.column, 7, 'points at the key');
  });

  test('a bad action lists the valid ones', async () => {
    await expectIssue(withRule('action: uplaod'), '/rules/0/action', {
      message: /"uplaod" is not one of: upload, skip, quarantine, hold/,
      hint: /Did you mean "upload"\?/,
      line: 9,
    });
  });

  test('a wrong type names what was expected and what was found', async () => {
    await expectIssue(`${head}    recursive: "no"\n`, '/folders/1/recursive', {
      message: /expected true or false, got the text "no"/,
      hint: /sub-folders/,
      line: 7,
    });
  });

  test('a missing required key says what it is for', async () => {
    await expectIssue('folders:\n  - path: /srv/cam\n', '/site', {
      message: /"site" is required/,
      hint: /Add site\. Site name/,
      line: 1,
    });
  });

  test('a size that is not a size', async () => {
    await expectIssue(
      withRule('action: skip\nwhen:\n  size: { min: 4 kilobytes }'),
      '/rules/0/when/size/min',
      {
        message: /^"4 kilobytes" is not a size\.$/,
        hint: /"4KiB", "10MB"/,
        line: 11,
      },
    );
  });

  test('a time of day past 23:59', async () => {
    await expectIssue(
      withRule('action: skip\nwhen:\n  timeOfDay: { from: "25:00", to: "06:00" }'),
      '/rules/0/when/timeOfDay/from',
      {
        message: /"25:00" is not a time of day/,
        hint: /24-hour "HH:MM"/,
      },
    );
  });

  test('a score band outside 0..1', async () => {
    await expectIssue(
      withRule('action: upload\nwhen:\n  prediction: { score: { min: 1.5 } }'),
      '/rules/0/when/prediction/score/min',
      {
        message: /1\.5 is above the maximum 1/,
        hint: /0\.\.1/,
      },
    );
  });

  test('a sample outside 0..100', async () => {
    await expectIssue(withRule('action: upload\nwhen:\n  sample: 150'), '/rules/0/when/sample', {
      message: /150 is above the maximum 100/,
      hint: /Percentage \(0\.\.100\)/,
    });
  });

  test('a weekday typo suggests the short name', async () => {
    await expectIssue(
      withRule('action: upload\nwhen:\n  timeOfDay: { from: "22:00", to: "06:00", days: [monday] }'),
      '/rules/0/when/timeOfDay/days/0',
      { message: /"monday" is not one of: mon, tue/, hint: /Did you mean "mon"\?/ },
    );
  });

  test('an empty folder list', async () => {
    await expectIssue('site: s\nfolders: []\n', '/folders', {
      message: /at least 1 item/,
      hint: /Capture folders/,
    });
  });

  test('a rate cap of zero', async () => {
    await expectIssue(withRule('action: upload\nrate: { perHour: 0 }'), '/rules/0/rate/perHour', {
      message: /0 is below the minimum 1/,
      hint: /per hour/,
    });
  });

  test('all problems are reported at once', async () => {
    const issues = await issuesOf('site: "bad site"\nfolders:\n  - pth: /srv\ndurability: fast\n');
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/site', '/folders/0/path', '/folders/0/pth', '/durability'],
    );
  });
});

describe('problems found after the schema', () => {
  test('duplicate folder ids', async () => {
    await expectIssue('site: s\nfolders:\n  - path: /a/cam\n  - path: /b/cam\n', '/folders/1/path', {
      message: /folder id "cam" is already used by folder 0/,
      hint: /give this one an explicit id/,
      line: 4,
    });
  });

  test('duplicate rule names', async () => {
    await expectIssue(
      `${head}rules:\n  - { name: r, action: skip }\n  - { name: r, action: upload }\n`,
      '/rules/1/name',
      {
        message: /rule name "r" is already used by rule 0/,
        hint: /unique name/,
        line: 9,
      },
    );
  });

  test('a rule naming an unknown folder', async () => {
    await expectIssue(withRule('action: upload\nwhen:\n  folder: [cam, log]'), '/rules/0/when/folder/1', {
      message: /no folder has the id "log"/,
      hint: /Did you mean "logs"\? Folder ids here: cam, logs/,
    });
  });

  test('a bad regex in a custom PII pattern', async () => {
    await expectIssue(
      `${head}inspect:\n  pii:\n    custom:\n      - { tag: "pii:badge", pattern: "BADGE-(\\\\d+" }\n`,
      '/inspect/pii/custom/0/pattern',
      {
        message: /"BADGE-\(\\\\d\+" is not a valid regular expression \(.*Unterminated group\)/,
        hint: /single-quote the pattern/,
        line: 10,
      },
    );
  });

  test('a bad glob', async () => {
    await expectIssue(withRule('action: upload\nwhen:\n  glob: "night/[ab/*.jpg"'), '/rules/0/when/glob', {
      message: /glob "night\/\[ab\/\*\.jpg" has an unclosed "\["/,
      hint: /Close the character class/,
    });
  });

  test('min above max', async () => {
    await expectIssue(
      withRule('action: skip\nwhen:\n  size: { min: 10MB, max: 1KB }'),
      '/rules/0/when/size',
      {
        message: /min 10MB is larger than max 1KB/,
        hint: /Swap them/,
      },
    );
    await expectIssue(withRule('action: skip\nwhen:\n  age: { min: 2h, max: 30m }'), '/rules/0/when/age', {
      message: /min 2h is larger than max 30m/,
      hint: /Swap them/,
    });
  });

  test('near without within', async () => {
    await expectIssue(
      withRule('action: upload\nwhen:\n  prediction: { score: { near: 0.5 } }'),
      '/rules/0/when/prediction/score',
      {
        message: /near and within go together/,
        hint: /within: 0\.1/,
      },
    );
  });

  test('an unknown key template placeholder', async () => {
    await expectIssue(withRule('action: upload\nkey: "{site}/{year}/{name}"'), '/rules/0/key', {
      message: /unknown placeholder \{year\}/,
      hint: /\{yyyy\}/,
      line: 10,
    });
    await expectIssue(
      `${head}defaultAction: { action: upload }\ndefaultKey: "{site}/{filename}"\n`,
      '/defaultKey',
      {
        message: /unknown placeholder \{filename\}/,
        hint: /\{name\}/,
      },
    );
  });

  test('an empty time window', async () => {
    await expectIssue(
      withRule('action: upload\nwhen:\n  timeOfDay: { from: "06:00", to: "06:00" }'),
      '/rules/0/when/timeOfDay',
      {
        message: /window is empty/,
        hint: /wraps past midnight/,
      },
    );
  });

  test('a folder inside another, and the data directory inside a folder', async () => {
    await expectIssue(
      'site: s\nfolders:\n  - path: /srv/cams\n  - path: /srv/cams/north\n',
      '/folders/1/path',
      {
        message: /inside folder "cams".*captured twice/,
        hint: /recursive: false/,
      },
    );
    await expectIssue('site: s\ndataDir: /srv/cams/.state\nfolders:\n  - path: /srv/cams\n', '/dataDir', {
      message: /queue database would be captured/,
      hint: /outside the capture folders/,
    });
  });

  test('a sidecar pattern that would name one file for all', async () => {
    await expectIssue(`${head}inspect:\n  sidecarPattern: predictions.json\n`, '/inspect/sidecarPattern', {
      message: /same sidecar for every file/,
      hint: /\{stem\}/,
    });
  });
});

describe('syntax errors', () => {
  test('YAML syntax errors name the line and column', async () => {
    const issues = await issuesOf('site: s\nfolders:\n  - path: /srv/a\n\tid: a\n');
    assert.deepEqual(
      issues.map((i) => [i.line, i.column, i.message, i.hint]),
      [[4, 1, 'YAML syntax error: Tabs are not allowed as indentation.', 'Indent with spaces, not tabs.']],
    );
  });

  test('an unclosed quote says so', async () => {
    const issues = await issuesOf('site: s\nfolders:\n  - path: /srv/a\n    id: "unterminated\n');
    assert.match(issues[0]?.message ?? '', /^YAML syntax error: Missing closing "quote/);
    assert.match(issues[0]?.hint ?? '', /quote, bracket or brace is not closed/);
  });

  test('a bad indent says to check indentation', async () => {
    const issues = await issuesOf('site: s\nfolders:\n  - path: /srv/a\n   id: a\n');
    assert.equal(issues[0]?.line, 4);
    assert.match(issues[0]?.hint ?? '', /indent/i);
  });

  test('a key given twice is a YAML error with its line', async () => {
    const issues = await issuesOf('site: s\nsite: t\nfolders: [{ path: /srv/a }]\n');
    assert.equal(issues[0]?.line, 2);
    assert.match(issues[0]?.hint ?? '', /Each key may appear once/);
  });

  test('JSON syntax errors name the line', async () => {
    const issues = await issuesOf('{\n  "site": "s",\n  "folders": [],\n}\n', 'json');
    assert.match(issues[0]?.message ?? '', /^JSON syntax error: /);
    assert.equal(issues[0]?.line, 4);
    assert.match(issues[0]?.hint ?? '', /none after the last/);
  });

  test('an empty file says what a config needs', async () => {
    const issues = await issuesOf('# nothing yet\n');
    assert.deepEqual(
      issues.map((i) => [i.path, i.message]),
      [['', 'the configuration is empty.']],
    );
    assert.match(issues[0]?.hint ?? '', /site and folders/);
  });
});
