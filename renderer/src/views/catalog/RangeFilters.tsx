import { useId, useState } from 'react';
import type { CatalogFilterMessage } from '../../../../shared/contract/index.ts';
import { parseSize } from '../../../../shared/sizes.ts';

type Patch = Partial<CatalogFilterMessage>;

/** "2026-11-29T08:30" in the browser's time zone, as a datetime-local input shows it. */
function localInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * When a file was captured, from and to (the browser's local time; "to" takes in its whole minute),
 * and its size, from and to ("500k", "2M", "1.5GiB": the site file's one rule, 1024-based).
 */
export function RangeFilters({ filter, set }: { filter: CatalogFilterMessage; set(patch: Patch): void }) {
  return (
    <>
      <fieldset className="facet range">
        <legend>Captured</legend>
        <label>
          from
          <input
            type="datetime-local"
            aria-label="Captured from"
            value={localInput(filter.from)}
            onChange={(e) => set({ from: e.target.value ? new Date(e.target.value).getTime() : undefined })}
          />
        </label>
        <label>
          to
          <input
            type="datetime-local"
            aria-label="Captured until"
            value={localInput(filter.to === undefined ? undefined : filter.to - 59_999)}
            onChange={(e) =>
              set({ to: e.target.value ? new Date(e.target.value).getTime() + 59_999 : undefined })
            }
          />
        </label>
      </fieldset>
      <fieldset className="facet range">
        <legend>Size</legend>
        <span className="pair">
          <SizeInput label="Smallest size" placeholder="from" onSize={(minSize) => set({ minSize })} />
          <SizeInput label="Largest size" placeholder="to" onSize={(maxSize) => set({ maxSize })} />
        </span>
      </fieldset>
    </>
  );
}

/** A size typed as text: applied when it reads as a size (or is cleared), else said under it. */
function SizeInput(props: { label: string; placeholder: string; onSize(bytes: number | undefined): void }) {
  const [text, setText] = useState('');
  const problem = useId();
  const bytes = text.trim() === '' ? undefined : parseSize(text);
  const bad = text.trim() !== '' && bytes === undefined;
  return (
    <span className="size-input">
      <input
        type="text"
        inputMode="decimal"
        placeholder={props.placeholder}
        aria-label={props.label}
        aria-invalid={bad || undefined}
        aria-describedby={bad ? problem : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const next = e.target.value.trim() === '' ? undefined : parseSize(e.target.value);
          if (e.target.value.trim() === '' || next !== undefined) props.onSize(next);
        }}
      />
      {bad ? (
        <span id={problem} className="field-issue">
          a size like 500k, 2M or 1.5GiB
        </span>
      ) : null}
    </span>
  );
}
