import { afterEach, describe, expect, test } from 'vitest';
import { renderPlaceholder } from '../../renderer/src/placeholder.ts';
import { FILE_STATES } from '../../shared/status.ts';

describe('renderer placeholder (browser mode, Debian Chromium)', () => {
  afterEach(() => {
    document.body.replaceChildren();
  });

  test('runs in a real browser, not a simulated DOM', () => {
    expect(navigator.userAgent).toMatch(/Chrome\//);
    // Layout exists only in a real engine: jsdom and happy-dom report zero-sized boxes.
    const probe = document.createElement('div');
    probe.style.width = '123px';
    probe.style.height = '7px';
    document.body.append(probe);
    expect(probe.getBoundingClientRect().width).toBe(123);
  });

  test('renders every file state from shared/, in order', () => {
    const root = document.createElement('div');
    document.body.append(root);
    renderPlaceholder(root);
    expect(root.querySelector('h1')?.textContent).toBe(
      `Edge Capture — ${FILE_STATES.length} file states known`,
    );
    const items = [...root.querySelectorAll('ul[aria-label="File states"] > li')].map((li) => li.textContent);
    expect(items).toEqual([...FILE_STATES]);
    expect(items).toContain('quarantined');
  });

  test('rendering twice replaces the content instead of appending', () => {
    const root = document.createElement('div');
    document.body.append(root);
    renderPlaceholder(root);
    renderPlaceholder(root);
    expect(root.querySelectorAll('h1')).toHaveLength(1);
    expect(root.querySelectorAll('li')).toHaveLength(FILE_STATES.length);
  });
});
