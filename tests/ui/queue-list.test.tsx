import { useState } from 'react';
import { describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { QueueList } from '../../renderer/src/components/QueueList.tsx';
import {
  appendPage,
  applyChanges,
  EMPTY_LIST,
  type LoadedList,
  refreshHead,
} from '../../renderer/src/state/queue-list.ts';
import type { FileSummary } from '../../shared/contract/index.ts';

const file = (id: number, state: FileSummary['state'] = 'queued'): FileSummary => ({
  id,
  folderId: 'cam',
  relPath: `frame_${id}.jpg`,
  size: 4096,
  state,
  stateChangedAt: Date.now(),
  discoveredAt: Date.now(),
  priority: 0,
  attempts: 0,
});

/** Newest first, as the engine pages them. */
const files = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => file(from - i));

function Harness({ list, onNeedMore }: { list: LoadedList; onNeedMore(): void }) {
  const [selected, setSelected] = useState<number>();
  return (
    <div style={{ height: 600, display: 'flex', flexDirection: 'column' }}>
      <QueueList
        list={list}
        selectedId={selected}
        emptyText="Nothing here."
        onSelect={setSelected}
        onNeedMore={onNeedMore}
      />
    </div>
  );
}

describe('QueueList (real Chromium layout)', () => {
  test('100,000 loaded files put only a screenful of rows in the DOM', async () => {
    const list: LoadedList = { items: files(100_000, 1), nextCursor: undefined, complete: true };
    const screen = await render(<Harness list={list} onNeedMore={() => undefined} />);
    const rows = () => screen.container.querySelectorAll('[role="option"]');
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(40);
    const scroller = screen.container.querySelector('[role="listbox"]') as HTMLElement;
    scroller.scrollTop = scroller.scrollHeight;
    await expect.poll(() => screen.container.querySelector('#file-1')).not.toBeNull();
    expect(rows().length).toBeLessThan(40);
  });

  test('scrolling to the end of what is loaded asks for the next page', async () => {
    let asked = 0;
    const list: LoadedList = { items: files(1000, 801), nextCursor: '801', complete: false };
    const screen = await render(<Harness list={list} onNeedMore={() => (asked += 1)} />);
    expect(asked).toBe(0);
    const scroller = screen.container.querySelector('[role="listbox"]') as HTMLElement;
    scroller.scrollTop = scroller.scrollHeight;
    await expect.poll(() => asked).toBeGreaterThan(0);
    await expect.element(screen.getByText('Loading older files…')).toBeVisible();
  });

  test('arrow keys move the selection and keep it in view', async () => {
    const list: LoadedList = { items: files(500, 1), nextCursor: undefined, complete: true };
    const screen = await render(<Harness list={list} onNeedMore={() => undefined} />);
    const listbox = screen.getByRole('listbox');
    (listbox.element() as HTMLElement).focus();
    await userEvent.keyboard('{ArrowDown}');
    await expect
      .element(screen.getByRole('option', { name: /frame_500\.jpg/ }))
      .toHaveAttribute('aria-selected', 'true');
    for (let i = 0; i < 30; i++) await userEvent.keyboard('{ArrowDown}');
    const selected = screen.container.querySelector('[aria-selected="true"]') as HTMLElement;
    expect(selected.textContent).toContain('frame_470.jpg');
    await userEvent.keyboard('{ArrowUp}');
    await expect
      .element(screen.getByRole('option', { name: /frame_471\.jpg/ }))
      .toHaveAttribute('aria-selected', 'true');
    const box = selected.getBoundingClientRect();
    const view = (listbox.element() as HTMLElement).getBoundingClientRect();
    expect(box.top).toBeGreaterThanOrEqual(view.top - 1);
    expect(box.bottom).toBeLessThanOrEqual(view.bottom + 1);
  });

  test('a click selects a row', async () => {
    const list: LoadedList = { items: files(50, 1), nextCursor: undefined, complete: true };
    const screen = await render(<Harness list={list} onNeedMore={() => undefined} />);
    await screen.getByRole('option', { name: /frame_48\.jpg/ }).click();
    await expect
      .element(screen.getByRole('option', { name: /frame_48\.jpg/ }))
      .toHaveAttribute('aria-selected', 'true');
  });

  test('an empty, complete list says so in words', async () => {
    const screen = await render(
      <Harness list={{ ...EMPTY_LIST, complete: true }} onNeedMore={() => undefined} />,
    );
    await expect.element(screen.getByText('Nothing here.')).toBeVisible();
  });
});

describe('loaded-list logic', () => {
  test('pages append without duplicates; a fresh head keeps what was loaded below it', () => {
    let list = appendPage(EMPTY_LIST, { items: files(300, 201), nextCursor: '201' });
    list = appendPage(list, { items: files(205, 101), nextCursor: '101' });
    expect(list.items.map((f) => f.id)).toEqual(files(300, 101).map((f) => f.id));
    list = refreshHead(list, { items: files(320, 221), nextCursor: '221' });
    expect(list.items[0]?.id).toBe(320);
    expect(list.items).toHaveLength(220);
    expect(new Set(list.items.map((f) => f.id)).size).toBe(220);
    expect(list.nextCursor).toBe('101');
  });

  test('live changes: leaving files disappear, new ones ask for the head', () => {
    const list = appendPage(EMPTY_LIST, { items: [file(3), file(2), file(1)] });
    const change = (fileId: number, to: FileSummary['state'], seq: number) => ({
      seq,
      at: 5,
      fileId,
      kind: 'state',
      to,
    });
    const applied = applyChanges(
      list,
      [change(2, 'uploading', 1), change(3, 'uploaded', 2), change(9, 'queued', 3)],
      ['queued', 'uploading'],
    );
    expect(applied.list.items.map((f) => [f.id, f.state])).toEqual([
      [2, 'uploading'],
      [1, 'queued'],
    ]);
    expect(applied.needsHead).toBe(true);
    const none = applyChanges(list, [change(7, 'skipped', 4)], ['queued']);
    expect(none.list).toBe(list);
    expect(none.needsHead).toBe(false);
  });
});
