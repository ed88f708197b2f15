import { createElement, useLayoutEffect, useState } from 'react';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'edge-capture.theme';
const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

/** Light, dark, or the system's choice; remembered on this machine. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(KEY) as Theme | null) ?? 'system');
  // A layout effect: the page's theme is set before any child's effect runs, so canvases (uPlot
  // charts) that read the theme's colours in their effects get the new ones, not the old.
  useLayoutEffect(() => {
    localStorage.setItem(KEY, theme);
    if (theme === 'system') delete document.documentElement.dataset['theme'];
    else document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  return [theme, setTheme];
}

export function ThemeToggle({ theme, onChange }: { theme: Theme; onChange(theme: Theme): void }) {
  return createElement(
    'button',
    {
      type: 'button',
      className: 'ghost',
      onClick: () => onChange(NEXT[theme]),
      title: 'Change the colour theme',
    },
    `Theme: ${theme}`,
  );
}
