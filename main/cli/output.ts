/** How the CLI talks: a live status line on a terminal, one JSON object per line otherwise. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /** Replace the live status line (TTY only; ignored for JSON logs). */
  status(line: string): void;
  readonly json: boolean;
}

export function createLogger(options: { json?: boolean; level?: LogLevel } = {}): Logger {
  const json = options.json ?? !process.stderr.isTTY;
  const min = LEVELS[options.level ?? 'info'];
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) process.stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    json,
    log(level, msg, fields = {}) {
      if (LEVELS[level] < min) return;
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`,
        );
        return;
      }
      clearStatus();
      const extra = Object.entries(fields)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const prefix = level === 'info' ? '' : `${level.toUpperCase()}: `;
      process.stderr.write(`${prefix}${msg}${extra ? `  ${extra}` : ''}\n`);
    },
    status(line) {
      if (json) return;
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
      statusShown = true;
    },
  };
}

export { formatCount } from '../../shared/format.ts';

/** A fixed-width text table for terminal output. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}
