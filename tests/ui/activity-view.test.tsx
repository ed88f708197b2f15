import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commands, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { ActivityView } from '../../renderer/src/views/ActivityView.tsx';

/** The Activity view against a real engine host and queue: words, search, kinds, live entries on top. */
describe('ActivityView (real host, real queue)', () => {
  let client: EngineClient;

  beforeAll(async () => {
    const { url } = await commands.startEngine(location.origin);
    client = new EngineClient(webSocketTransport(url), 'ui-test');
    client.start();
  });
  afterAll(async () => {
    client.stop();
    await commands.stopEngine();
  });

  test('newest first in operator words; search and kinds filter on the engine; new entries arrive live', async () => {
    await commands.addFiles(2, 'skipped');
    const screen = await render(
      <EngineContext.Provider value={client}>
        <div style={{ height: 600, display: 'flex', flexDirection: 'column' }}>
          <ActivityView />
        </div>
      </EngineContext.Provider>,
    );
    const items = () =>
      [...screen.container.querySelectorAll('.activity-item')].map((li) => li.textContent ?? '');
    await expect.poll(() => items().length).toBeGreaterThanOrEqual(4);
    expect(items()[0]).toMatch(/cam\/cam\/frame_000002\.jpg: discovered → skipped/);
    expect(items()[0]).toMatch(/Test reason: skipped/);

    await userEvent.fill(
      screen.getByRole('searchbox', { name: 'Search the activity' }).element(),
      'frame_000001',
    );
    await expect.poll(() => items().every((text) => text.includes('frame_000001.jpg'))).toBe(true);
    await expect.poll(() => items().length).toBe(2);

    await userEvent.fill(screen.getByRole('searchbox', { name: 'Search the activity' }).element(), '');
    await userEvent.click(screen.getByLabelText('Files').element());
    await expect.poll(() => items().length).toBe(0);
    await expect.element(screen.getByText('Nothing has happened yet.')).toBeVisible();
    await userEvent.click(screen.getByLabelText('Files').element());

    await commands.addFiles(1, 'held');
    await expect
      .poll(() => items()[0] ?? '', { timeout: 5000 })
      .toMatch(/frame_000003\.jpg: discovered → held/);
  });

  test('an entry about a file opens its story beside the log; Escape closes it', async () => {
    const [id] = await commands.addFiles(1, 'skipped');
    const screen = await render(
      <EngineContext.Provider value={client}>
        <div style={{ height: 600, width: 1200, display: 'flex', flexDirection: 'column' }}>
          <ActivityView />
        </div>
      </EngineContext.Provider>,
    );
    const name = `frame_${String(id).padStart(6, '0')}.jpg`;
    const entry = screen.getByRole('button', { name: new RegExp(`${name}: discovered → skipped`) });
    await userEvent.click(entry);
    const story = screen.getByRole('complementary', { name: 'The file' });
    await expect.element(story.getByRole('heading', { name: new RegExp(name) })).toBeVisible();
    await expect.element(story.getByText('Test reason: skipped').first()).toBeVisible();
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => screen.getByRole('complementary', { name: 'The file' }).query()).toBeNull();
    await screen.unmount();
  });
});
