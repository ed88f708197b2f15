import { useEffect, useId, useMemo, useState } from 'react';
import type { BandwidthCheck } from '../../../shared/contract/index.ts';
import {
  DAY_LABELS,
  nextRow,
  parseSchedule,
  rowProblem,
  rowText,
  SCHEDULE_DAYS,
  type Schedule,
  type ScheduleDay,
  type ScheduleRow,
  scheduleText,
} from '../state/schedule.ts';

const CHECK_DELAY_MS = 250;

export interface ScheduleEditorProps {
  /** The limit as the site file writes it ("off", "4M", "08:00,512k 18:00,off"). */
  initial: string;
  /** Checks a spec with the engine's parser (bandwidth.check). */
  check(spec: string): Promise<BandwidthCheck>;
  /** Every edit: the spec, and whether it is valid (no row problem, and the engine accepted it). */
  onChange?(spec: string, valid: boolean): void;
}

type Checked = { spec: string; result: BandwidthCheck } | undefined;

/**
 * The weekly bandwidth schedule as a table of day / time / limit rows, or one limit, or none. The
 * text the site file holds is shown beside it and can be typed too; the preview says the timetable
 * in words, as the engine reads it, with the limit in force now.
 */
export function ScheduleEditor({ initial, check, onChange }: ScheduleEditorProps) {
  const id = useId();
  const [first] = useState(() => parseSchedule(initial));
  const [schedule, setSchedule] = useState<Schedule>(first ?? { kind: 'off' });
  const [text, setText] = useState(first ? scheduleText(first) : initial);
  const [textIsRows, setTextIsRows] = useState(first !== undefined);
  const [checked, setChecked] = useState<Checked>();

  const rows = schedule.kind === 'timetable' ? schedule.rows : [];
  const problems = rows.map((row) => rowProblem(row, rows));
  const localOk =
    problems.every((p) => p === undefined) && (schedule.kind !== 'constant' || schedule.limit.trim() !== '');
  const spec = textIsRows ? scheduleText(schedule) : text;

  // The engine's parser has the last word, shortly after typing stops.
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      check(spec).then(
        (result) => current && setChecked({ spec, result }),
        () => undefined,
      );
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [check, spec]);

  const result = checked?.spec === spec ? checked.result : undefined;
  const valid = textIsRows ? localOk && result?.ok === true : result?.ok === true;
  useEffect(() => {
    onChange?.(spec, valid);
  }, [onChange, spec, valid]);

  const update = (next: Schedule) => {
    setSchedule(next);
    setText(scheduleText(next));
    setTextIsRows(true);
  };
  const setRow = (index: number, change: Partial<ScheduleRow>) =>
    update({ kind: 'timetable', rows: rows.map((row, i) => (i === index ? { ...row, ...change } : row)) });
  const engineIssue = useMemo(() => {
    const issue = result?.issues[0];
    if (!issue) return undefined;
    const row = issue.entry === undefined ? -1 : rows.findIndex((r) => rowText(r) === issue.entry);
    return { ...issue, row };
  }, [result, rows]);

  return (
    <div className="schedule-editor">
      <fieldset className="schedule-kind">
        <legend className="sr-only">Kind of limit</legend>
        {(
          [
            ['off', 'No limit'],
            ['constant', 'One limit at all times'],
            ['timetable', 'Weekly timetable'],
          ] as const
        ).map(([kind, label]) => (
          <label key={kind}>
            <input
              type="radio"
              name={`${id}-kind`}
              checked={schedule.kind === kind}
              onChange={() =>
                update(
                  kind === 'off'
                    ? { kind: 'off' }
                    : kind === 'constant'
                      ? { kind: 'constant', limit: schedule.kind === 'constant' ? schedule.limit : '4M' }
                      : {
                          kind: 'timetable',
                          rows:
                            rows.length > 0
                              ? rows
                              : [
                                  { day: 'daily', time: '08:00', limit: '512k' },
                                  { day: 'daily', time: '18:00', limit: 'off' },
                                ],
                        },
                )
              }
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>

      {schedule.kind === 'constant' ? (
        <label className="schedule-constant">
          Limit{' '}
          <input
            aria-label="Limit at all times"
            value={schedule.limit}
            spellCheck={false}
            onChange={(event) => update({ kind: 'constant', limit: event.target.value })}
          />{' '}
          <span className="muted">bytes per second: 512k, 4M, 1.5M; 10Mbit for bits</span>
        </label>
      ) : null}

      {schedule.kind === 'timetable' ? (
        <table className="schedule-table">
          <caption className="sr-only">Bandwidth timetable</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">From</th>
              <th scope="col">Limit</th>
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => {
              const problem =
                problems[index] ?? (engineIssue?.row === index ? engineIssue.message : undefined);
              const n = index + 1;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
                <tr key={index} className={problem ? 'has-problem' : undefined}>
                  <td>
                    <select
                      aria-label={`Row ${n} day`}
                      value={row.day}
                      onChange={(event) => setRow(index, { day: event.target.value as ScheduleDay })}
                    >
                      {SCHEDULE_DAYS.map((day) => (
                        <option key={day} value={day}>
                          {DAY_LABELS[day]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      aria-label={`Row ${n} time`}
                      className="time"
                      value={row.time}
                      placeholder="HH:MM"
                      onChange={(event) => setRow(index, { time: event.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Row ${n} limit`}
                      className="limit"
                      value={row.limit}
                      spellCheck={false}
                      onChange={(event) => setRow(index, { limit: event.target.value })}
                    />
                    {problem ? (
                      <div className="row-problem" role="alert">
                        {problem}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="ghost"
                      aria-label={`Remove row ${n}`}
                      disabled={rows.length <= 1}
                      onClick={() => update({ kind: 'timetable', rows: rows.filter((_, i) => i !== index) })}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {schedule.kind === 'timetable' ? (
        <div className="schedule-row-actions">
          <button
            type="button"
            className="ghost"
            onClick={() => update({ kind: 'timetable', rows: [...rows, nextRow(rows)] })}
          >
            Add a row
          </button>
          <span className="muted">
            A limit holds from its time until the next row's; "off" means no limit.
          </span>
        </div>
      ) : null}

      <label className="schedule-text">
        As written in the site file{' '}
        <input
          aria-label="Timetable as text"
          className="mono schedule-text-input"
          value={text}
          spellCheck={false}
          onChange={(event) => {
            setText(event.target.value);
            const parsed = parseSchedule(event.target.value);
            if (parsed) setSchedule(parsed);
            setTextIsRows(parsed !== undefined);
          }}
        />
      </label>

      <div className="schedule-preview" role="status" aria-live="polite" aria-label="Schedule in words">
        {result === undefined ? (
          <p className="muted">Checking…</p>
        ) : result.ok ? (
          <>
            <ul>
              {result.words.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            <p>
              Limit in force now: <strong>{result.now}</strong>
            </p>
          </>
        ) : (
          <ul className="issues">
            {result.issues.map((issue) => (
              <li key={issue.message} className="issue">
                {issue.message} <span className="fix">Fix: {issue.hint}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
