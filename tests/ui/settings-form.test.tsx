import { describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { editsFor, type FormValues, formFromRaw } from '../../renderer/src/views/settings/edits.ts';
import { UPLOAD_FIELDS } from '../../renderer/src/views/settings/fields.ts';
import { SettingsForm } from '../../renderer/src/views/settings/SettingsForm.tsx';
import { UploadsSection } from '../../renderer/src/views/settings/UploadsSection.tsx';
import type { SettingEdit, SettingsSaved, SiteSettings } from '../../shared/contract/index.ts';

/**
 * The Settings edit form in Chromium: the host's answer to `settings.check` shown under the field it
 * names (not elsewhere), Save held back while there is a problem, Enter saves the changed fields
 * only with the form's revision, Escape cancels, and a save over a file changed on disk offers Reload.
 * The transport is a stand-in answering as the host does (the real host: tests/e2e/settings-edit).
 */
const WRITTEN = { concurrency: 4, partSize: '16MiB' };

function host(answerUpdate: (edits: SettingEdit[]) => SettingsSaved) {
  const sent: { method: string; params: { edits: SettingEdit[]; revision?: string } }[] = [];
  const client = {
    request: async (method: string, params: { edits: SettingEdit[]; revision?: string }) => {
      sent.push({ method, params });
      const bad = params.edits.filter((edit) => typeof edit.value === 'string' && /lots/.test(edit.value));
      if (method === 'settings.check') {
        return {
          ok: bad.length === 0,
          issues: bad.map((edit) => ({
            path: edit.path,
            message: `${edit.path.slice(1).replace('/', '.')} must be a whole number.`,
            hint: 'Write a number of files, e.g. 4.',
          })),
          warnings: [],
          changes: bad.length === 0 ? [{ section: 'upload', words: 'Files at once: 4 → 8' }] : [],
        };
      }
      return answerUpdate(params.edits);
    },
  } as unknown as EngineClient;
  return { client, sent };
}

const savedOk = (edits: SettingEdit[]): SettingsSaved => ({
  ok: true,
  issues: [],
  warnings: [],
  changes: [{ section: 'upload', words: `${edits.length} change(s)` }],
  saved: true,
  applied: true,
  revision: 'r2',
  message: 'Saved and applied.',
});

async function renderForm(client: EngineClient) {
  const done: (SettingsSaved | undefined)[] = [];
  let reloads = 0;
  const screen = await render(
    <EngineContext.Provider value={client}>
      <SettingsForm
        label="Edit uploads"
        specs={UPLOAD_FIELDS}
        initial={formFromRaw(UPLOAD_FIELDS, WRITTEN)}
        toEdits={(form: FormValues) => editsFor('/upload', UPLOAD_FIELDS, WRITTEN, form)}
        issueBases={['/upload']}
        revision="r1"
        onDone={(saved) => done.push(saved)}
        onReload={() => reloads++}
      />
    </EngineContext.Provider>,
  );
  return { screen, done, reloads: () => reloads };
}

describe('SettingsForm', () => {
  test('a problem shows under its own field, Save waits; fixed, Enter saves only the change', async () => {
    const { client, sent } = host(savedOk);
    const { screen, done } = await renderForm(client);
    const files = screen.getByLabelText('Files at once');
    expect((files.element() as HTMLInputElement).value).toBe('4');
    await userEvent.fill(files.element(), 'lots');
    const field = document.querySelector('[data-field="concurrency"]') as HTMLElement;
    await expect.poll(() => field.querySelector('.field-issue')?.textContent ?? '').toMatch(/whole number/);
    expect(files.element().getAttribute('aria-invalid')).toBe('true');
    // The message is tied to the input for screen readers, and no other field shows it.
    const note = document.getElementById(files.element().getAttribute('aria-describedby') ?? '');
    expect(note?.textContent).toMatch(/whole number.*e\.g\. 4/);
    expect(document.querySelectorAll('.field-issue')).toHaveLength(1);
    const save = screen.getByRole('button', { name: 'Save' });
    expect((save.element() as HTMLButtonElement).disabled).toBe(true);

    await userEvent.fill(files.element(), '8');
    await expect.poll(() => document.querySelectorAll('.field-issue').length).toBe(0);
    const preview = screen.getByRole('status', { name: 'What saving changes' });
    await expect.poll(() => preview.query()?.textContent ?? '').toMatch(/Files at once: 4 \S+ 8/);
    await userEvent.type(files.element(), '{Enter}');
    await expect.poll(() => done.length).toBe(1);
    expect(sent.filter((s) => s.method === 'settings.update').map((s) => s.params)).toEqual([
      { edits: [{ path: '/upload/concurrency', value: 8 }], revision: 'r1' },
    ]);
    expect(done[0]?.message).toBe('Saved and applied.');
  });

  test('Escape cancels without saving', async () => {
    const { client, sent } = host(savedOk);
    const { screen, done } = await renderForm(client);
    const files = screen.getByLabelText('Files at once');
    await userEvent.fill(files.element(), '6');
    await userEvent.type(files.element(), '{Escape}');
    await expect.poll(() => done.length).toBe(1);
    expect(done[0]).toBeUndefined();
    expect(sent.some((s) => s.method === 'settings.update')).toBe(false);
  });

  test('a save over a file changed on disk says so and offers Reload', async () => {
    const { client } = host(() => ({
      ok: false,
      issues: [],
      warnings: [],
      changes: [],
      saved: false,
      applied: false,
      message: 'Not saved: the site file changed since you opened these settings.',
    }));
    const { screen, done, reloads } = await renderForm(client);
    await userEvent.fill(screen.getByLabelText('Part size').element(), '32MiB');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }).element());
    const reload = screen.getByRole('button', { name: 'Reload the settings' });
    await expect.element(reload).toBeVisible();
    expect(document.body.textContent).toMatch(/changed on disk since this form was opened/);
    expect((screen.getByRole('button', { name: 'Save' }).element() as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(reload.element());
    expect(reloads()).toBe(1);
    expect(done).toEqual([]);
  });
});

describe('read-only settings', () => {
  test('the Edit button is disabled and says why', async () => {
    const settings: SiteSettings = {
      editable: false,
      readOnlyReason: 'The demo runs on built-in settings.',
      folders: [],
      destinations: [],
      bandwidth: [],
      upload: [{ label: 'Files at once', value: '4', path: '/upload/concurrency' }],
      retention: [],
      diskGuard: [],
    };
    const { client } = host(savedOk);
    const screen = await render(
      <EngineContext.Provider value={client}>
        <UploadsSection loaded={{ settings, file: {} }} reload={() => undefined} />
      </EngineContext.Provider>,
    );
    const edit = screen.getByRole('button', { name: 'Edit uploads' });
    expect((edit.element() as HTMLButtonElement).disabled).toBe(true);
    expect(edit.element().getAttribute('title')).toBe('The demo runs on built-in settings.');
    expect(document.querySelector('form')).toBeNull();
  });
});
