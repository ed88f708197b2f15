import { FILE_STATES } from '../../shared/status.ts';

// Placeholder until the desktop UI issue: shows that the renderer builds against the shared contract.
const root = document.getElementById('root');
if (root) root.textContent = `Edge Capture — ${FILE_STATES.length} file states known`;
