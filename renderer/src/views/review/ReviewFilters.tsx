import type { ReviewFilter } from '../../review/use-review.ts';

/** The review list's filters: class, score range, rule, folder, time, review state, held only. */
export function ReviewFilters(props: {
  filter: ReviewFilter;
  classes: readonly string[];
  onChange(f: ReviewFilter): void;
}) {
  const { filter } = props;
  const set = (patch: Partial<ReviewFilter>) => {
    const next: Record<string, unknown> = { ...filter, ...patch };
    for (const [k, value] of Object.entries(next)) if (value === undefined || value === '') delete next[k];
    props.onChange(next as ReviewFilter);
  };
  const num = (text: string) => (text === '' ? undefined : Number(text));
  const time = (text: string) => (text === '' ? undefined : new Date(text).getTime());
  return (
    <form className="review-filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
      <label>
        Class
        <select value={filter.label ?? ''} onChange={(e) => set({ label: e.target.value || undefined })}>
          <option value="">any</option>
          {props.classes.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Score
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="from"
          value={filter.minScore ?? ''}
          onChange={(e) => set({ minScore: num(e.target.value) })}
        />
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="to"
          value={filter.maxScore ?? ''}
          onChange={(e) => set({ maxScore: num(e.target.value) })}
        />
      </label>
      <label>
        Rule
        <input
          value={filter.rule ?? ''}
          size={10}
          onChange={(e) => set({ rule: e.target.value || undefined })}
        />
      </label>
      <label>
        Folder
        <input
          value={filter.folderId ?? ''}
          size={10}
          onChange={(e) => set({ folderId: e.target.value || undefined })}
        />
      </label>
      <label>
        Since
        <input type="datetime-local" onChange={(e) => set({ from: time(e.target.value) })} />
      </label>
      <label>
        Until
        <input type="datetime-local" onChange={(e) => set({ to: time(e.target.value) })} />
      </label>
      <label>
        State
        <select
          value={filter.reviewStates?.[0] ?? ''}
          onChange={(e) =>
            set({
              reviewStates: e.target.value
                ? [e.target.value as NonNullable<ReviewFilter['reviewStates']>[number]]
                : undefined,
            })
          }
        >
          <option value="">any</option>
          <option value="unreviewed">not reviewed</option>
          <option value="reviewed">reviewed</option>
          <option value="conflict">in conflict</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={filter.heldOnly ?? false}
          onChange={(e) => set({ heldOnly: e.target.checked || undefined })}
        />
        Held only
      </label>
    </form>
  );
}
