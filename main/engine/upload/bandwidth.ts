/**
 * Bandwidth limits in rclone's notation: "off", "512k", "10M", "1.5M", plain bytes/s, or a
 * timetable of "[Day-]HH:MM,LIMIT" entries such as "08:00,512k 18:00,off" (every day) or
 * "Mon-08:00,512k Sat-00:00,off" (weekly). Units are 1024-based, as in rclone, and as sizes are.
 */

import { parseByteRate } from '../config/units.ts';

/** A bad bandwidth spec: `message` says what is wrong, `hint` how to write it. */
export class BandwidthSpecError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string = FORMAT_HINT) {
    super(message);
    this.name = 'BandwidthSpecError';
    this.hint = hint;
  }
}

const FORMAT_HINT =
  'Use "off", a rate like "512k", "10M" or "1.5M" (bytes per second, 1024-based; "10Mbit" for bits), or a timetable like "08:00,512k 18:00,off" or "Mon-08:00,512k Sat-00:00,off".';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** Parses one limit: bytes per second, or undefined for "off". */
export function parseRate(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^(off|unlimited|none)$/i.test(trimmed)) return undefined;
  // Same units as sizes (config/units.ts): one rule for both.
  const bytes = parseByteRate(trimmed);
  if (bytes === undefined) throw new BandwidthSpecError(`"${text}" is not a bandwidth limit.`);
  if (bytes < 1) {
    throw new BandwidthSpecError(
      `"${text}" would stop uploads altogether.`,
      'Give a limit of at least 1 byte per second, or "off" for no limit.',
    );
  }
  return bytes;
}

/** One timetable slot, expanded to a minute of the week (Monday 00:00 = 0). */
export interface TimetableEntry {
  minuteOfWeek: number;
  /** The entry as written, for messages. */
  text: string;
  limit: number | undefined;
}

/** When each limit applies. A constant limit is a timetable with one entry. */
export class BandwidthTimetable {
  readonly spec: string;
  readonly entries: readonly TimetableEntry[];

  constructor(spec: string, entries: readonly TimetableEntry[]) {
    this.spec = spec;
    this.entries = [...entries].sort((a, b) => a.minuteOfWeek - b.minuteOfWeek);
  }

  static unlimited(): BandwidthTimetable {
    return new BandwidthTimetable('off', [{ minuteOfWeek: 0, text: 'off', limit: undefined }]);
  }

  /** The limit (bytes/s) in force at a local time, or undefined when there is none. */
  limitAt(date: Date): number | undefined {
    const minute = ((date.getDay() + 6) % 7) * MINUTES_PER_DAY + date.getHours() * 60 + date.getMinutes();
    // The latest entry at or before now; before the week's first entry, the week's last one still holds.
    let current = this.entries.at(-1);
    for (const entry of this.entries) {
      if (entry.minuteOfWeek > minute) break;
      current = entry;
    }
    return current?.limit;
  }

  get isUnlimited(): boolean {
    return this.entries.every((entry) => entry.limit === undefined);
  }
}

/** Parses a bandwidth setting as found in the config (string or bytes/s number). Throws BandwidthSpecError. */
export function parseBandwidth(spec: string | number | undefined): BandwidthTimetable {
  if (spec === undefined) return BandwidthTimetable.unlimited();
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec) || spec <= 0) {
      throw new BandwidthSpecError(
        `${spec} is not a usable bandwidth limit.`,
        `Give bytes per second above 0, or "off".`,
      );
    }
    return new BandwidthTimetable(String(spec), [
      { minuteOfWeek: 0, text: String(spec), limit: Math.floor(spec) },
    ]);
  }
  const parts = spec.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) throw new BandwidthSpecError('The bandwidth limit is empty.');
  if (parts.length === 1 && !parts[0]!.includes(',')) {
    return new BandwidthTimetable(spec, [{ minuteOfWeek: 0, text: parts[0]!, limit: parseRate(parts[0]!) }]);
  }
  const entries: TimetableEntry[] = [];
  const taken = new Map<number, string>();
  for (const part of parts) {
    for (const entry of parseTimetableEntry(part)) {
      const clash = taken.get(entry.minuteOfWeek);
      if (clash !== undefined) {
        throw new BandwidthSpecError(
          `The timetable entries "${clash}" and "${part}" both set the limit for the same time.`,
          'Give each time (and weekday) only once.',
        );
      }
      taken.set(entry.minuteOfWeek, part);
      entries.push(entry);
    }
  }
  return new BandwidthTimetable(spec, entries);
}

/** "08:00,512k" applies every day (seven entries); "Mon-08:00,512k" once a week. */
function parseTimetableEntry(text: string): TimetableEntry[] {
  const match = /^(?:([a-z]+)-)?(\d{1,2}):(\d{2}),(.+)$/i.exec(text);
  if (!match) {
    throw new BandwidthSpecError(
      `The timetable entry "${text}" is not "HH:MM,LIMIT" or "Day-HH:MM,LIMIT".`,
      'Write each entry as a time and a limit joined by a comma, e.g. "08:00,512k" or "Sat-00:00,off", entries separated by spaces.',
    );
  }
  const [, dayText, hourText, minuteText, rateText] = match;
  const hour = Number(hourText);
  const minute = Number(minuteText);
  if (hour > 23 || minute > 59) {
    throw new BandwidthSpecError(
      `"${hourText}:${minuteText}" in "${text}" is not a time of day.`,
      'Use 00:00 to 23:59.',
    );
  }
  const limit = parseRate(rateText ?? '');
  const ofDay = hour * 60 + minute;
  if (dayText === undefined) {
    return DAY_NAMES.map((_, day) => ({ minuteOfWeek: day * MINUTES_PER_DAY + ofDay, text, limit }));
  }
  const day = dayIndex(dayText);
  if (day < 0) {
    throw new BandwidthSpecError(
      `"${dayText}" in "${text}" is not a day of the week.`,
      'Use Mon, Tue, Wed, Thu, Fri, Sat or Sun.',
    );
  }
  return [{ minuteOfWeek: (day * MINUTES_PER_DAY + ofDay) % MINUTES_PER_WEEK, text, limit }];
}

function dayIndex(text: string): number {
  const lower = text.toLowerCase();
  const short = DAY_NAMES.indexOf(lower as (typeof DAY_NAMES)[number]);
  return short >= 0 ? short : FULL_DAY_NAMES.indexOf(lower);
}

/** "512 KiB/s", "off": for status lines. */
export function formatRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return 'off';
  if (bytesPerSecond < 1024) return `${bytesPerSecond} B/s`;
  const units = ['KiB/s', 'MiB/s', 'GiB/s'];
  let value = bytesPerSecond / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export { BandwidthLimiter } from './bandwidth-limiter.ts';
