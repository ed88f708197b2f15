import type { Check } from './types.ts';
import { either } from './words.ts';

/** Day names in Date#getDay order. */
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Minutes after midnight for "HH:MM", or undefined when it is not a time of day. */
export function parseTimeOfDay(value: string): number | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : undefined;
}

const clock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * The window is on the file's modification time in local time, so re-deciding a file (or a dry run)
 * gives the same answer. `from` is inclusive, `to` exclusive; to < from wraps past midnight, and the
 * early-morning part then belongs to the day the window started (a "fri" 22:00–06:00 window includes
 * Saturday 02:00).
 */
export function timeOfDayCheck(from: number, to: number, days: readonly string[] | undefined): Check {
  const wraps = to < from;
  const window = `${clock(from)}–${clock(to)}`;
  const allowedDays = days ? new Set(days.map((day) => DAYS.indexOf(day.toLowerCase()))) : undefined;
  const when = (mtimeMs: number) => {
    const date = new Date(mtimeMs);
    const minutes = date.getHours() * 60 + date.getMinutes();
    const inside = wraps ? minutes >= from || minutes < to : minutes >= from && minutes < to;
    const day = wraps && minutes < to ? (date.getDay() + 6) % 7 : date.getDay();
    return { minutes, inside, day };
  };
  return {
    test: (f) => {
      const { minutes, inside, day } = when(f.inspection.mtimeMs);
      if (!inside) return `time ${clock(minutes)} is outside ${window}`;
      if (allowedDays && !allowedDays.has(day)) {
        return `the ${window} window that started on ${DAYS[day]} is not on ${either(days ?? [])}`;
      }
      return undefined;
    },
    describe: (f) => `written at ${clock(when(f.inspection.mtimeMs).minutes)}, within ${window}`,
  };
}
