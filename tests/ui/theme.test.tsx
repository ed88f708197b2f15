import { createElement, useEffect } from 'react';
import { afterEach, describe, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ThemeToggle, useTheme } from '../../renderer/src/components/theme.ts';

/**
 * The theme is on the page before any child's effect runs: canvas charts (uPlot) read the theme's
 * colours in their effects, and once drew the light grid on the dark page because the page's theme
 * was set after them.
 */
const seen: string[] = [];

function Canvas({ theme }: { theme: string }) {
  useEffect(() => {
    seen.push(`${theme}:${document.documentElement.dataset['theme'] ?? 'system'}`);
  }, [theme]);
  return null;
}

function Page() {
  const [theme, setTheme] = useTheme();
  return createElement(
    'div',
    null,
    createElement(ThemeToggle, { theme, onChange: setTheme }),
    createElement(Canvas, { theme }),
  );
}

afterEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset['theme'];
  seen.length = 0;
});

describe('theme', () => {
  test('a child effect sees the page already in the theme it is drawn for', async () => {
    localStorage.setItem('edge-capture.theme', 'dark');
    const screen = await render(createElement(Page));
    expect(seen).toEqual(['dark:dark']);
    await userEvent.click(screen.getByRole('button'));
    await expect.poll(() => seen.at(-1)).toBe('system:system');
    await userEvent.click(screen.getByRole('button'));
    await expect.poll(() => seen.at(-1)).toBe('light:light');
    expect(seen.every((entry) => entry.split(':')[0] === entry.split(':')[1])).toBe(true);
  });
});
