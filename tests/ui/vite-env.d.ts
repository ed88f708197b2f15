/// <reference types="vite/client" />
// CSS imported for real layout in browser-mode tests (as the renderer imports it).
