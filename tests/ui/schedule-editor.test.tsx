import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commands, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { EngineClient } from '../../renderer/src/contract/client.ts';
import { webSocketTransport } from '../../renderer/src/contract/websocket-transport.ts';
import {
  parseSchedule,
  type Schedule,
  type ScheduleRow,
  scheduleText,
  sortRows,
} from '../../renderer/src/state/schedule.ts';
import { ScheduleEditor } from '../../renderer/src/views/SettingsSchedule.tsx';
import type { BandwidthCheck } from '../../shared/contract/index.ts';

/**
 * The bandwidth schedule editor in Chromium: rows ↔ timetable text both ways, validation at once for
 * what a row can tell, and the engine's own parser (a real engine host over a real WebSocket) for
 * the rest, with its message on the row it is about and the preview in words.
 */
describe('schedule: rows ↔ timetable text', () => {
  const specs = [
    'off',
    '4M',
    '08:00,512k 18:00,off',
    '08:00,512k 18:00,off Sat-00:00,1M Sun-00:00,off',
    'Mon-08:00,1M Fri-18:30,10Mbit',
  ];
  test.each(specs)('%s survives text → rows → text', (spec) => {
    const schedule = parseSchedule(spec);
    expect(schedule).toBeDefined();
    expect(scheduleText(schedule as Schedule)).toBe(spec);
  });

  test('rows → text → rows gives the same rows, in week order', () => {
    const rows: ScheduleRow[] = [
      { day: 'Sat', time: '00:00', limit: 'off' },
      { day: 'daily', time: '18:00', limit: 'off' },
      { day: 'daily', time: '08:00', limit: '512k' },
      { day: 'Mon', time: '07:30', limit: '2M' },
    ];
    const text = scheduleText({ kind: 'timetable', rows });
    expect(text).toBe('08:00,512k 18:00,off Mon-07:30,2M Sat-00:00,off');
    expect(parseSchedule(text)).toEqual({ kind: 'timetable', rows: sortRows(rows) });
  });

  test('day names and one-digit hours as people write them', () => {
    expect(parseSchedule('saturday-8:00,1M')).toEqual({
      kind: 'timetable',
      rows: [{ day: 'Sat', time: '08:00', limit: '1M' }],
    });
    expect(parseSchedule('Someday-08:00,1M')).toBeUndefined();
    expect(parseSchedule('unlimited')).toEqual({ kind: 'off' });
  });
});

describe('ScheduleEditor (real engine host checks the timetable)', () => {
  let client: EngineClient;
  const check = (spec: string): Promise<BandwidthCheck> => client.request('bandwidth.check', { spec });

  beforeAll(async () => {
    const { url } = await commands.startEngine(location.origin);
    client = new EngineClient(webSocketTransport(url), 'ui-test');
    client.start();
  });
  afterAll(async () => {
    client.stop();
    await commands.stopEngine();
  });

  test('a timetable as rows, previewed in words; edits round-trip to the text; problems on their row', async () => {
    const changes: { spec: string; valid: boolean }[] = [];
    const screen = await render(
      <ScheduleEditor
        initial="08:00,512k 18:00,off"
        check={check}
        onChange={(spec, valid) => changes.push({ spec, valid })}
      />,
    );
    const text = () => (screen.getByLabelText('Timetable as text').element() as HTMLInputElement).value;
    const preview = () =>
      screen.getByRole('status', { name: 'Schedule in words' }).element().textContent ?? '';
    await expect.element(screen.getByLabelText('Weekly timetable')).toBeChecked();
    expect((screen.getByLabelText('Row 1 time').element() as HTMLInputElement).value).toBe('08:00');
    expect((screen.getByLabelText('Row 2 limit').element() as HTMLInputElement).value).toBe('off');
    await expect.poll(preview).toMatch(/Every day from 08:00: 512 KiB\/s.*Every day from 18:00: no limit/);
    await expect.poll(preview).toMatch(/Limit in force now: (512 KiB\/s|no limit)/);
    await expect.poll(() => changes.at(-1)).toEqual({ spec: '08:00,512k 18:00,off', valid: true });

    // A limit the engine cannot read: its message, on row 2, and nothing valid to apply.
    await userEvent.fill(screen.getByLabelText('Row 2 limit').element(), 'fast');
    expect(text()).toBe('08:00,512k 18:00,fast');
    await expect
      .element(screen.getByRole('alert').filter({ hasText: '"fast" is not a bandwidth limit.' }))
      .toBeVisible();
    expect(screen.container.querySelectorAll('tr.has-problem').length).toBe(1);
    expect(screen.container.querySelector('tr.has-problem input.limit')).toBe(
      screen.getByLabelText('Row 2 limit').element(),
    );
    await expect.poll(() => preview()).toMatch(/Fix: Use "off", a rate like "512k"/);
    await expect.poll(() => changes.at(-1)?.valid).toBe(false);

    // What a row can tell at once: a time that is not HH:MM, and the same time twice.
    await userEvent.fill(screen.getByLabelText('Row 2 limit').element(), '2M');
    await userEvent.fill(screen.getByLabelText('Row 2 time').element(), '7.30');
    await expect.element(screen.getByText('Write the time as HH:MM, e.g. 08:00.')).toBeVisible();
    await userEvent.fill(screen.getByLabelText('Row 2 time').element(), '08:00');
    await expect
      .element(screen.getByText('Every day 08:00 is set twice: give each time once.').first())
      .toBeVisible();
    await expect.poll(() => changes.at(-1)?.valid).toBe(false);

    // A weekday row: the text follows, in week order, and the preview names the day.
    await userEvent.fill(screen.getByLabelText('Row 2 time').element(), '19:00');
    await userEvent.click(screen.getByRole('button', { name: 'Add a row' }).element());
    await userEvent.selectOptions(screen.getByLabelText('Row 3 day').element(), 'Sat');
    await userEvent.fill(screen.getByLabelText('Row 3 time').element(), '00:00');
    await userEvent.fill(screen.getByLabelText('Row 3 limit').element(), '10Mbit');
    expect(text()).toBe('08:00,512k 19:00,2M Sat-00:00,10Mbit');
    await expect.poll(preview).toMatch(/Saturday from 00:00: 1\.2 MiB\/s/);
    await expect
      .poll(() => changes.at(-1))
      .toEqual({ spec: '08:00,512k 19:00,2M Sat-00:00,10Mbit', valid: true });

    // The text typed: the rows follow.
    await userEvent.fill(screen.getByLabelText('Timetable as text').element(), 'Mon-06:00,1M Fri-18:00,off');
    expect((screen.getByLabelText('Row 1 day').element() as HTMLSelectElement).value).toBe('Mon');
    expect((screen.getByLabelText('Row 2 day').element() as HTMLSelectElement).value).toBe('Fri');
    expect(screen.container.querySelectorAll('.schedule-table tbody tr').length).toBe(2);
    await expect.poll(preview).toMatch(/Monday from 06:00: 1 MiB\/s.*Friday from 18:00: no limit/);

    // Text the rows cannot show is still checked by the engine, with its message.
    await userEvent.fill(screen.getByLabelText('Timetable as text').element(), 'Mon-25:00,1M');
    await expect
      .poll(preview)
      .toMatch(/"25:00" in "Mon-25:00,1M" is not a time of day\..*Fix: Use 00:00 to 23:59\./);
    await expect.poll(() => changes.at(-1)).toEqual({ spec: 'Mon-25:00,1M', valid: false });
  });

  test('one limit at all times, and no limit', async () => {
    const changes: { spec: string; valid: boolean }[] = [];
    const screen = await render(
      <ScheduleEditor
        initial="off"
        check={check}
        onChange={(spec, valid) => changes.push({ spec, valid })}
      />,
    );
    const preview = () =>
      screen.getByRole('status', { name: 'Schedule in words' }).element().textContent ?? '';
    await expect.element(screen.getByLabelText('No limit')).toBeChecked();
    await expect.poll(preview).toMatch(/No limit, at any time\./);
    await userEvent.click(screen.getByLabelText('One limit at all times').element());
    await userEvent.fill(screen.getByLabelText('Limit at all times').element(), '1.5M');
    await expect.poll(preview).toMatch(/Always at most 1\.5 MiB\/s\./);
    await expect.poll(() => changes.at(-1)).toEqual({ spec: '1.5M', valid: true });
    expect(screen.container.querySelector('.schedule-table')).toBeNull();
  });
});
