import { afterEach, describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { FileActions } from '../../renderer/src/components/FileActions.tsx';
import type { EngineClient } from '../../renderer/src/contract/client.ts';
import { EngineContext } from '../../renderer/src/state/engine-context.ts';
import { DESKTOP_API_KEY, type DesktopRevealOutcome } from '../../shared/contract/desktop-api.ts';
import type { FileDetail } from '../../shared/contract/index.ts';

/** Where a file is: "Open containing folder" where the desktop app offers it, "Copy path" in a browser. */
const FILE: FileDetail = {
  id: 42,
  folderId: 'cam',
  relPath: 'cam1/frame-0042.jpg',
  absPath: '/data/cam/cam1/frame-0042.jpg',
  size: 1234,
  state: 'skipped',
  stateChangedAt: 1,
  discoveredAt: 1,
  priority: 0,
  attempts: 0,
  mtimeMs: 1,
  tags: {},
  warnings: [],
};

const client = {
  request: async () => {
    throw new Error('no request expected');
  },
} as unknown as EngineClient;

const show = () =>
  render(
    <EngineContext.Provider value={client}>
      <FileActions file={FILE} />
    </EngineContext.Provider>,
  );

describe('FileActions: the file location action', () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>)[DESKTOP_API_KEY];
  });

  test('in a browser: "Copy path" puts the absolute path on the clipboard; no folder button', async () => {
    const screen = await show();
    expect(screen.getByRole('button', { name: 'Open containing folder' }).query()).toBeNull();
    // The page's clipboard: a stand-in for the OS clipboard, which headless Chromium keeps to itself.
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void copied.push(text) },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Copy path' }).element());
    await expect.poll(() => copied).toEqual(['/data/cam/cam1/frame-0042.jpg']);
    await expect
      .element(screen.getByRole('status'))
      .toHaveTextContent('Path copied: /data/cam/cam1/frame-0042.jpg');
  });

  test('in a browser that refuses the clipboard, the path is given in words', async () => {
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async () => {
          throw new DOMException('denied', 'NotAllowedError');
        },
      },
    });
    const screen = await show();
    await userEvent.click(screen.getByRole('button', { name: 'Copy path' }).element());
    await expect
      .element(screen.getByRole('status'))
      .toHaveTextContent(
        'This browser did not allow copying here; the path is /data/cam/cam1/frame-0042.jpg',
      );
  });

  test('in the desktop app: "Open containing folder" asks with the id only and shows the answer', async () => {
    // STAND-IN for the Electron preload's window.edgeCapture (its revealFile: tests/electron-*.test.ts).
    const asked: unknown[] = [];
    (window as unknown as Record<string, unknown>)[DESKTOP_API_KEY] = {
      revealFile: async (fileId: unknown): Promise<DesktopRevealOutcome> => {
        asked.push(fileId);
        return { ok: false, message: 'The file is gone from /data/cam/cam1/frame-0042.jpg.' };
      },
    };
    const screen = await show();
    expect(screen.getByRole('button', { name: 'Copy path' }).query()).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Open containing folder' }).element());
    await expect
      .element(screen.getByRole('status'))
      .toHaveTextContent('The file is gone from /data/cam/cam1/frame-0042.jpg.');
    expect(asked).toEqual([42]);
  });
});
