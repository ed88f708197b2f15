import { afterAll, beforeAll, expect, test } from 'vitest';
import { commands, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { QueuesView } from '../../renderer/src/views/QueuesView.tsx';
import '../../renderer/src/styles.css';

/**
 * "Where is frame_000007, and why?" from the Queues view, without knowing its tab: the find box
 * searches every state (the catalog's index on a real engine host), a click shows the file's story.
 */
let client: EngineClient;
let skipped: number[];

beforeAll(async () => {
  const { url } = await commands.startEngine(location.origin);
  await commands.addFiles(4, 'queued');
  skipped = await commands.addFiles(4, 'skipped');
  client = new EngineClient(webSocketTransport(url), 'ui-find-file');
  client.start();
});
afterAll(async () => {
  client.stop();
  await commands.stopEngine();
});

test('a file found by its name in another tab, with its state and the reason in its story', async () => {
  const screen = await render(
    <EngineContext.Provider value={client}>
      <div style={{ height: 700, display: 'flex', flexDirection: 'column' }}>
        <QueuesView theme="light" chart={false} />
      </div>
    </EngineContext.Provider>,
  );
  // The first tab (in progress) lists the queued files; the skipped one is elsewhere.
  await expect.poll(() => screen.container.querySelectorAll('.queue-list [role="option"]').length).toBe(4);
  const wanted = skipped[2];
  const name = `frame_${String(wanted).padStart(6, '0')}`;

  const find = screen.getByLabelText('Find a file in any queue');
  // "/" reaches the box from anywhere on the page (not while typing elsewhere).
  (document.activeElement as HTMLElement | null)?.blur();
  await userEvent.keyboard('/');
  expect(document.activeElement).toBe(find.element());
  await userEvent.keyboard(name);
  expect((find.element() as HTMLInputElement).value).toBe(name);
  const found = () =>
    [...screen.container.querySelectorAll('.found-list .row-name')].map((n) => n.textContent);
  await expect.poll(found).toEqual([`cam/${name}.jpg`]);
  await expect.element(screen.getByText(`1 file matching “${name}”, newest first`)).toBeVisible();
  expect(screen.container.querySelector('.found-list .badge')?.textContent).toMatch(/skipped/i);

  await userEvent.click(screen.getByRole('button', { name: new RegExp(name) }));
  await expect.element(screen.getByText('Test reason: skipped').first()).toBeVisible();

  // Nothing matches: said; Escape clears the box and the tab's list is back.
  await userEvent.fill(find, 'no-such-capture');
  await expect.element(screen.getByText('No file matches “no-such-capture”.')).toBeVisible();
  await userEvent.type(find, '{Escape}');
  await expect.poll(() => screen.container.querySelectorAll('.queue-list [role="option"]').length).toBe(4);
});
