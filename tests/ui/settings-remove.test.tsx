import { describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { FoldersSection } from '../../renderer/src/views/settings/FoldersSection.tsx';
import type { SettingEdit, SettingsSaved, SiteSettings } from '../../shared/contract/index.ts';

/**
 * Removing a capture folder from the Settings view in Chromium: asked in place with "Keep it" focused
 * (keeping sends nothing); the host's refusal stays on the question in words, and a later save that
 * goes through closes it and shows what was saved. The transport is a stand-in answering as the host
 * does (the real host: tests/host-settings-edit).
 */
const FILE = {
  folders: [
    { id: 'cam', path: '/captures/cam' },
    { id: 'dock', path: '/captures/dock' },
  ],
};

const SETTINGS: SiteSettings = {
  editable: true,
  revision: 'r1',
  folders: FILE.folders.map((folder) => ({ ...folder, facts: [] })),
  destinations: [],
  bandwidth: [],
  upload: [],
  retention: [],
  diskGuard: [],
};

const refused: SettingsSaved = {
  ok: false,
  issues: [
    { path: '/rules/0/from', message: 'Rule "dock-logs" reads from dock.', hint: 'Change the rule first.' },
  ],
  warnings: [],
  changes: [],
  saved: false,
  applied: false,
  message: 'Not saved.',
};

const removed: SettingsSaved = {
  ok: true,
  issues: [],
  warnings: [],
  changes: [{ section: 'folders', words: 'Capture folder dock removed' }],
  saved: true,
  applied: true,
  revision: 'r2',
  message: 'Saved and applied.',
};

function host(answers: SettingsSaved[]) {
  const updates: { edits: SettingEdit[]; revision?: string }[] = [];
  const client = {
    request: async (method: string, params: { edits: SettingEdit[]; revision?: string }) => {
      if (method !== 'settings.update') throw new Error(`unexpected ${method}`);
      updates.push(params);
      const answer = answers.shift();
      if (!answer) throw new Error('no answer left');
      return answer;
    },
  } as unknown as EngineClient;
  return { client, updates };
}

async function renderFolders(client: EngineClient) {
  return render(
    <EngineContext.Provider value={client}>
      <FoldersSection loaded={{ settings: SETTINGS, file: FILE }} reload={() => undefined} />
    </EngineContext.Provider>,
  );
}

describe('removing a capture folder', () => {
  test('Keep it: the question closes and nothing is sent', async () => {
    const { client, updates } = host([]);
    const screen = await renderFolders(client);
    const dock = screen.getByRole('article', { name: 'Capture folder dock' });
    await userEvent.click(dock.getByRole('button', { name: 'Remove' }).element());
    const question = screen.getByRole('alertdialog', { name: 'Remove capture folder dock?' });
    await expect.element(question).toBeVisible();
    const keep = question.getByRole('button', { name: 'Keep it' });
    expect(document.activeElement).toBe(keep.element());
    await userEvent.click(keep.element());
    expect(question.query()).toBeNull();
    expect(updates).toEqual([]);
  });

  test('a refusal stays on the question in words; the next try removes it', async () => {
    const { client, updates } = host([refused, removed]);
    const screen = await renderFolders(client);
    const dock = screen.getByRole('article', { name: 'Capture folder dock' });
    await userEvent.click(dock.getByRole('button', { name: 'Remove' }).element());
    const question = screen.getByRole('alertdialog', { name: 'Remove capture folder dock?' });
    const confirm = question.getByRole('button', { name: 'Remove folder dock' });
    await userEvent.click(confirm.element());
    const why = question.getByRole('alert');
    await expect
      .poll(() => why.query()?.textContent ?? '')
      .toBe('Not removed: Not saved. Rule "dock-logs" reads from dock. Change the rule first.');
    expect(updates[0]).toEqual({ edits: [{ path: '/folders/1' }], revision: 'r1' });

    await userEvent.click(confirm.element());
    await expect.poll(() => question.query()).toBeNull();
    expect(updates.map((update) => update.edits)).toEqual([
      [{ path: '/folders/1' }],
      [{ path: '/folders/1' }],
    ]);
    await expect.element(screen.getByText('Saved and applied.')).toBeVisible();
  });
});
