import { FILE_STATES } from '../../shared/status.ts';

/**
 * Placeholder until the desktop UI issue: renders the file states the engine knows, which shows that
 * the renderer builds against `shared/` and runs in a real browser.
 */
export function renderPlaceholder(root: HTMLElement): void {
  const heading = document.createElement('h1');
  heading.textContent = `Edge Capture — ${FILE_STATES.length} file states known`;
  const list = document.createElement('ul');
  list.setAttribute('aria-label', 'File states');
  for (const state of FILE_STATES) {
    const item = document.createElement('li');
    item.textContent = state;
    list.append(item);
  }
  root.replaceChildren(heading, list);
}
