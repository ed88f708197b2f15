import { describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { CredentialsForm } from '../../renderer/src/views/SettingsCredentials.tsx';
import type { DestinationSettings } from '../../shared/contract/index.ts';

/** "Set credentials…": password fields, no autocomplete, emptied as soon as the keys are sent. */
describe('CredentialsForm', () => {
  test('sends the keys once, empties the fields, and shows nothing back', async () => {
    const sent: { method: string; params: unknown }[] = [];
    const client = {
      request: async (method: string, params: unknown) => {
        sent.push({ method, params });
        return { set: true, destination: 'archive' };
      },
    } as unknown as EngineClient;
    const destination: DestinationSettings = {
      name: 'archive',
      type: 's3',
      isDefault: true,
      label: 's3://bucket at http://127.0.0.1:7480',
      isLocalDemo: false,
      facts: [],
      credentials: { state: 'not set', words: 'not set', source: 'none', stored: false },
      draft: { type: 's3', name: 'archive', bucket: 'bucket' },
    };
    const done: string[] = [];
    const screen = await render(
      <EngineContext.Provider value={client}>
        <CredentialsForm destination={destination} onDone={(message) => done.push(message)} />
      </EngineContext.Provider>,
    );
    const form = screen.getByRole('form', { name: 'Credentials for archive' });
    const inputs = [...form.element().querySelectorAll('input')];
    expect(inputs).toHaveLength(3);
    for (const input of inputs) {
      expect(input.type).toBe('password');
      expect(input.autocomplete).toBe('off');
    }
    await userEvent.fill(screen.getByLabelText('Access key ID').element(), 'AKIDUITEST');
    await userEvent.fill(screen.getByLabelText('Secret access key').element(), 'ui-secret-value');
    await userEvent.click(screen.getByRole('button', { name: 'Store keys' }).element());
    await expect.poll(() => done.length).toBe(1);
    expect(sent).toEqual([
      {
        method: 'credentials.set',
        params: { destination: 'archive', accessKeyId: 'AKIDUITEST', secretAccessKey: 'ui-secret-value' },
      },
    ]);
    for (const input of inputs) expect(input.value).toBe('');
    expect(document.body.textContent).not.toContain('ui-secret-value');
    expect(done[0]).toMatch(/Run Test connection/);
  });
});
