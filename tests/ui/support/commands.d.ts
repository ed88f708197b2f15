import type { FileState } from '../../../shared/status.ts';

// The server-side commands of tests/ui/support/engine-fixture.ts, as the browser sees them.
declare module 'vitest/browser' {
  interface BrowserCommands {
    startEngine(origin: string): Promise<{ url: string }>;
    addFiles(count: number, state: FileState): Promise<number[]>;
    addReviewItems(count: number): Promise<number[]>;
    bounceEngine(downMs: number): Promise<void>;
    stopEngine(): Promise<void>;
  }
}
