import { afterAll, beforeAll, expect, test } from 'vitest';
import { commands, page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { CatalogView } from '../../renderer/src/views/CatalogView.tsx';
import '../../renderer/src/styles.css';

/**
 * The Catalog's time and size filters against a real engine host and its catalog (SQLite): the
 * fixture's captures are 4 KiB each and were captured just now.
 */
const FILES = 5;
let client: EngineClient;

beforeAll(async () => {
  // A laptop's window: the Catalog's three columns (filters, results, data sets) side by side.
  await page.viewport(1280, 800);
  const { url } = await commands.startEngine(location.origin);
  await commands.addFiles(FILES, 'skipped');
  client = new EngineClient(webSocketTransport(url), 'ui-catalog-filters');
  client.start();
});
afterAll(async () => {
  client.stop();
  await commands.stopEngine();
});

/** The Catalog in a laptop-sized window, on the real host. */
const showCatalog = () =>
  render(
    <EngineContext.Provider value={client}>
      <div style={{ height: 800, display: 'flex', flexDirection: 'column' }}>
        <CatalogView />
      </div>
    </EngineContext.Provider>,
  );

test('size from/to as people write sizes, a typo said under the field, and a time window', async () => {
  const screen = await showCatalog();
  const shown = () => screen.container.querySelectorAll('.result').length;
  await expect.poll(shown, { timeout: 10_000 }).toBe(FILES);

  const smallest = screen.getByLabelText('Smallest size');
  await userEvent.fill(smallest, '4.1k');
  await expect.poll(shown).toBe(0);
  await userEvent.fill(smallest, '4KiB');
  await expect.poll(shown).toBe(FILES);
  // Not a size: said under the field, the last good value still applies.
  await userEvent.fill(smallest, '4 bananas');
  await expect.element(screen.getByText('a size like 500k, 2M or 1.5GiB')).toBeVisible();
  expect(smallest.element().getAttribute('aria-invalid')).toBe('true');
  await userEvent.fill(smallest, '');
  await userEvent.fill(screen.getByLabelText('Largest size'), '1k');
  await expect.poll(shown).toBe(0);
  await userEvent.fill(screen.getByLabelText('Largest size'), '');
  await expect.poll(shown).toBe(FILES);

  // Captured from tomorrow: nothing; until tomorrow: everything.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T08:00`;
  await userEvent.fill(screen.getByLabelText('Captured from'), local);
  await expect.poll(shown).toBe(0);
  await userEvent.fill(screen.getByLabelText('Captured from'), '');
  await userEvent.fill(screen.getByLabelText('Captured until'), local);
  await expect.poll(shown).toBe(FILES);
  await screen.unmount();
});

test('a result opens the file’s story beside the results; Escape goes back to the data sets', async () => {
  const screen = await showCatalog();
  await expect
    .poll(() => screen.container.querySelectorAll('.result').length, { timeout: 10_000 })
    .toBe(FILES);
  const first = screen.container.querySelector<HTMLButtonElement>('.result-open');
  const name = first?.getAttribute('aria-label')?.replace(/^Open /, '') ?? '';
  await userEvent.click(first!);
  const story = screen.getByRole('complementary', { name: 'The file' });
  await expect.element(story.getByText('Test reason: skipped').first()).toBeVisible();
  await expect.element(story.getByText(name).first()).toBeVisible();
  expect(screen.getByRole('complementary', { name: 'Data sets' }).query()).toBeNull();
  await userEvent.keyboard('{Escape}');
  await expect.element(screen.getByRole('complementary', { name: 'Data sets' })).toBeVisible();
});

test('"Reviewers say it shows": the captures a reviewer corrected to that class', async () => {
  await expect.poll(() => client.state.kind, { timeout: 10_000 }).toBe('connected');
  const [relabelled, kept] = await commands.addReviewItems(2);
  const item = await client.request('review.item', { fileId: relabelled! });
  const sha256 = item.item?.sha256 ?? '';
  // A reviewer says the first item's car is a person; nobody corrected the second one.
  const submitted = await client.request('corrections.submit', {
    corrections: [
      {
        id: crypto.randomUUID(),
        fileId: relabelled!,
        sha256,
        reviewer: 'kim',
        objects: [{ label: 'person', box: { x: 10, y: 20, w: 100, h: 50 }, from: 0 }],
        createdAt: Date.now(),
      },
    ],
  });
  expect(submitted.outcomes.map((o) => o.status)).toEqual(['stored']);
  const screen = await showCatalog();
  const ids = () =>
    [...screen.container.querySelectorAll('.result')].map((r) => Number(r.getAttribute('data-file-id')));
  await expect.poll(() => ids().includes(kept!), { timeout: 10_000 }).toBe(true);
  await expect
    .poll(() => screen.container.querySelector('.facets')?.textContent ?? '', { timeout: 10_000 })
    .toMatch(/Reviewers say/);
  await userEvent.selectOptions(screen.getByLabelText('Reviewers say it shows'), 'person');
  await expect.poll(ids).toEqual([relabelled]);
  await userEvent.selectOptions(screen.getByLabelText('Reviewers say it shows'), 'car');
  await expect.element(screen.getByText('Nothing matches.')).toBeVisible();
  await screen.unmount();
});
