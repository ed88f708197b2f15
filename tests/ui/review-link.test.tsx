import { afterAll, beforeAll, expect, test } from 'vitest';
import { commands } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { FileActions } from '../../renderer/src/components/FileActions.tsx';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { freshReviewEngine, renderReview } from './support/review-engine.tsx';

/**
 * From a held file in Queues to deciding it: its actions link to `#/review?file=<id>`, and the Review
 * view opened by that link opens that file first (not the first item of the list). Real engine host.
 */
let client: EngineClient;
let ids: number[];

beforeAll(async () => {
  ({ client, ids } = await freshReviewEngine(6, 'ui-review-link'));
});
afterAll(async () => {
  client.stop();
  await commands.stopEngine();
  window.location.hash = '';
});

test('a held file offers "Decide it in Review", linking to the file', async () => {
  const held = await commands.addFiles(1, 'held');
  await expect.poll(() => client.state.kind, { timeout: 10_000 }).toBe('connected');
  const { file } = await client.request('queue.item', { id: held[0]! });
  const screen = await render(
    <EngineContext.Provider value={client}>
      <FileActions file={file!} />
    </EngineContext.Provider>,
  );
  const link = screen.getByRole('link', { name: 'Decide it in Review' });
  expect(link.element().getAttribute('href')).toBe(`#/review?file=${held[0]}`);
  await screen.unmount();
});

test('the Review view opened by such a link opens the linked file first', async () => {
  const rowsOrder = async () =>
    (await client.request('review.list', { limit: 50 })).items.map((i) => i.fileId);
  await expect.poll(() => client.state.kind, { timeout: 10_000 }).toBe('connected');
  const order = await rowsOrder();
  const linked = order[3]!;
  expect(ids).toContain(linked);
  window.location.hash = `#/review?file=${linked}`;
  const screen = await renderReview(client);
  await expect
    .poll(() => screen.container.querySelector('.review-stage')?.getAttribute('data-file-id'), {
      timeout: 10_000,
    })
    .toBe(String(linked));
  await screen.unmount();
});
