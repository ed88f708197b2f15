/**
 * The weekly bandwidth timetable as rows an operator edits (day, time, limit), and back to the
 * rclone-style text the site file holds ("08:00,512k 18:00,off", "Mon-08:00,1M"). Pure: the engine's
 * parser has the last word on validity (bandwidth.check); this only turns one form into the other
 * and catches what a row can show at once (a time that is not HH:MM, an empty limit).
 */

export const SCHEDULE_DAYS = ['daily', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type ScheduleDay = (typeof SCHEDULE_DAYS)[number];

export const DAY_LABELS: Record<ScheduleDay, string> = {
  daily: 'Every day',
  Mon: 'Monday',
  Tue: 'Tuesday',
  Wed: 'Wednesday',
  Thu: 'Thursday',
  Fri: 'Friday',
  Sat: 'Saturday',
  Sun: 'Sunday',
};

export interface ScheduleRow {
  day: ScheduleDay;
  /** HH:MM */
  time: string;
  /** As the operator writes it: "512k", "4M", "10Mbit", "off". */
  limit: string;
}

/** No limit; one limit at all times; or a timetable of rows. */
export type Schedule =
  | { kind: 'off' }
  | { kind: 'constant'; limit: string }
  | { kind: 'timetable'; rows: ScheduleRow[] };

const DAY_BY_NAME: Record<string, ScheduleDay> = {
  mon: 'Mon',
  monday: 'Mon',
  tue: 'Tue',
  tuesday: 'Tue',
  wed: 'Wed',
  wednesday: 'Wed',
  thu: 'Thu',
  thursday: 'Thu',
  fri: 'Fri',
  friday: 'Fri',
  sat: 'Sat',
  saturday: 'Sat',
  sun: 'Sun',
  sunday: 'Sun',
};

const OFF = /^(off|unlimited|none)$/i;

/** Reads the site file's text into a schedule; undefined when it is not one the rows can show. */
export function parseSchedule(spec: string): Schedule | undefined {
  const parts = spec.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { kind: 'off' };
  if (parts.length === 1 && !parts[0]?.includes(',')) {
    const only = parts[0] ?? '';
    return OFF.test(only) ? { kind: 'off' } : { kind: 'constant', limit: only };
  }
  const rows: ScheduleRow[] = [];
  for (const part of parts) {
    const match = /^(?:([a-z]+)-)?(\d{1,2}):(\d{2}),(.+)$/i.exec(part);
    if (!match) return undefined;
    const [, dayText, hour, minute, limit] = match;
    const day = dayText === undefined ? 'daily' : DAY_BY_NAME[dayText.toLowerCase()];
    if (!day) return undefined;
    rows.push({ day, time: `${(hour ?? '').padStart(2, '0')}:${minute}`, limit: limit ?? '' });
  }
  return { kind: 'timetable', rows };
}

/** One row as a timetable entry: "Mon-08:00,1M", "18:00,off". */
export function rowText(row: ScheduleRow): string {
  const limit = row.limit.trim() || 'off';
  return `${row.day === 'daily' ? '' : `${row.day}-`}${row.time.trim()},${limit}`;
}

/** The schedule as the site file writes it; rows in week order (every-day rows first, by time). */
export function scheduleText(schedule: Schedule): string {
  if (schedule.kind === 'off') return 'off';
  if (schedule.kind === 'constant') return schedule.limit.trim() || 'off';
  return sortRows(schedule.rows).map(rowText).join(' ');
}

export function sortRows(rows: readonly ScheduleRow[]): ScheduleRow[] {
  const order = (row: ScheduleRow) => SCHEDULE_DAYS.indexOf(row.day) * 10_000 + minutesOf(row.time);
  return [...rows].sort((a, b) => order(a) - order(b));
}

function minutesOf(time: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : 9999;
}

/** What a row can be told at once, before the engine checks the whole timetable. */
export function rowProblem(row: ScheduleRow, rows: readonly ScheduleRow[]): string | undefined {
  const time = row.time.trim();
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) return 'Write the time as HH:MM, e.g. 08:00.';
  if (Number(match[1]) > 23 || Number(match[2]) > 59)
    return `${time} is not a time of day: use 00:00 to 23:59.`;
  if (row.limit.trim() === '') return 'Give a limit, e.g. 512k or 4M, or off for no limit.';
  if (/[\s,]/.test(row.limit.trim())) return 'A limit is one word, e.g. 512k, 4M or off.';
  const same = rows.filter((other) => other.day === row.day && other.time.trim() === time);
  if (same.length > 1) return `${DAY_LABELS[row.day]} ${time} is set twice: give each time once.`;
  return undefined;
}

/** A new row after the last one: the same day, an hour later. */
export function nextRow(rows: readonly ScheduleRow[]): ScheduleRow {
  const last = rows.at(-1);
  if (!last) return { day: 'daily', time: '08:00', limit: '512k' };
  const minutes = Math.min(minutesOf(last.time) + 60, 23 * 60);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return { day: last.day, time: `${hh}:${mm}`, limit: 'off' };
}
