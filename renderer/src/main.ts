import { renderPlaceholder } from './placeholder.ts';

const root = document.getElementById('root');
if (root) renderPlaceholder(root);
