import type { BandwidthCheck, BandwidthIssue } from '../../shared/contract/index.ts';
import { BandwidthSpecError, formatRate, parseBandwidth } from '../engine/upload/bandwidth.ts';

const DAY_WORDS: Record<string, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

const rateWords = (limit: number | undefined): string =>
  limit === undefined ? 'no limit' : formatRate(limit);

/** The timetable entry a parser message is about, so the editor can mark its row. */
function entryOf(message: string, parts: readonly string[]): string | undefined {
  const named = parts.filter((part) => message.includes(`"${part}"`)).at(-1);
  if (named) return named;
  return parts.find((part) => {
    const rate = part.split(',')[1];
    return rate !== undefined && message.includes(`"${rate}"`);
  });
}

/**
 * A bandwidth limit or timetable checked with the engine's own parser (the one `run` uses), said
 * in words: "Every day from 08:00: 512 KiB/s", "Saturday from 00:00: no limit", and what holds now.
 */
export function checkBandwidth(spec: string, now = new Date()): BandwidthCheck & { normalized?: string } {
  const parts = spec.trim().split(/\s+/).filter(Boolean);
  try {
    const timetable = parseBandwidth(spec);
    const words: string[] = [];
    if (parts.length === 1 && !parts[0]?.includes(',')) {
      const limit = timetable.entries[0]?.limit;
      words.push(limit === undefined ? 'No limit, at any time.' : `Always at most ${rateWords(limit)}.`);
    } else {
      const seen = new Set<string>();
      for (const entry of timetable.entries) {
        if (seen.has(entry.text)) continue;
        seen.add(entry.text);
        const match = /^(?:([a-z]+)-)?(\d{1,2}):(\d{2}),/i.exec(entry.text);
        const day = match?.[1] ? (DAY_WORDS[match[1].slice(0, 3).toLowerCase()] ?? match[1]) : 'Every day';
        const time = match ? `${match[2]?.padStart(2, '0')}:${match[3]}` : '';
        words.push(`${day} from ${time}: ${rateWords(entry.limit)}`);
      }
    }
    return { ok: true, issues: [], words, now: rateWords(timetable.limitAt(now)) };
  } catch (error) {
    if (!(error instanceof BandwidthSpecError)) throw error;
    const issue: BandwidthIssue = { message: error.message, hint: error.hint };
    const entry = entryOf(error.message, parts);
    if (entry) issue.entry = entry;
    return { ok: false, issues: [issue], words: [] };
  }
}
