import type { CatalogFilterMessage } from '../../../../shared/contract/index.ts';
import { RangeFilters } from './RangeFilters.tsx';

export type Facets = {
  labels: { value: string; count: number }[];
  contentTypes: { value: string; count: number }[];
  tags: { value: string; count: number }[];
  folders: { value: string; count: number }[];
  devices: { value: string; count: number }[];
  total: number;
  exact: boolean;
};

const toggleIn = (list: readonly string[] | undefined, value: string) =>
  list?.includes(value) ? list.filter((v) => v !== value) : [...(list ?? []), value];

/** The Catalog's filters: scores, store, corrections, time, size, and the facets' values with counts. */
export function CatalogFilters({
  filter,
  facets,
  set,
}: {
  filter: CatalogFilterMessage;
  facets: Facets | undefined;
  set(patch: Partial<CatalogFilterMessage>): void;
}) {
  return (
    <aside className="facets" aria-label="Filters">
      <label>
        Score of the class
        <span className="pair">
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            placeholder="from"
            aria-label="Lowest score"
            value={filter.minScore ?? ''}
            onChange={(e) => set({ minScore: e.target.value === '' ? undefined : Number(e.target.value) })}
          />
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            placeholder="to"
            aria-label="Highest score"
            value={filter.maxScore ?? ''}
            onChange={(e) => set({ maxScore: e.target.value === '' ? undefined : Number(e.target.value) })}
          />
        </span>
      </label>
      <label>
        In the store
        <select
          value={filter.stored === undefined ? '' : String(filter.stored)}
          onChange={(e) => set({ stored: e.target.value === '' ? undefined : e.target.value === 'true' })}
        >
          <option value="">either</option>
          <option value="true">stored in the core</option>
          <option value="false">not stored yet</option>
        </select>
      </label>
      <label>
        Corrected
        <select
          value={filter.corrected === undefined ? '' : String(filter.corrected)}
          onChange={(e) => set({ corrected: e.target.value === '' ? undefined : e.target.value === 'true' })}
        >
          <option value="">either</option>
          <option value="true">reviewed</option>
          <option value="false">not reviewed</option>
        </select>
      </label>
      {filter.corrected !== false && facets && facets.labels.length > 0 ? (
        <label>
          Reviewers say it shows
          <select
            aria-label="Reviewers say it shows"
            value={filter.correctedLabel ?? ''}
            onChange={(e) => set({ correctedLabel: e.target.value || undefined })}
          >
            <option value="">any class</option>
            {[
              ...new Set([
                ...(filter.correctedLabel ? [filter.correctedLabel] : []),
                ...facets.labels.map((l) => l.value),
              ]),
            ].map((label) => (
              <option key={label} value={label}>
                {label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <RangeFilters filter={filter} set={set} />
      <Facet
        title="Class"
        values={facets?.labels}
        isOn={(v) => filter.label === v}
        onPick={(v) => set({ label: filter.label === v ? undefined : v })}
      />
      <Facet
        title="Tags"
        values={facets?.tags}
        isOn={(v) => filter.tags?.includes(v) ?? false}
        onPick={(v) => set({ tags: toggleIn(filter.tags, v) })}
      />
      <Facet
        title="Content type"
        values={facets?.contentTypes}
        isOn={(v) => filter.contentTypes?.includes(v) ?? false}
        onPick={(v) => set({ contentTypes: toggleIn(filter.contentTypes, v) })}
      />
      <Facet
        title="Folder"
        values={facets?.folders}
        isOn={(v) => filter.folders?.includes(v) ?? false}
        onPick={(v) => set({ folders: toggleIn(filter.folders, v) })}
      />
      <Facet
        title="Device"
        values={facets?.devices}
        isOn={(v) => filter.devices?.includes(v) ?? false}
        onPick={(v) => set({ devices: toggleIn(filter.devices, v) })}
      />
    </aside>
  );
}

function Facet(props: {
  title: string;
  values: { value: string; count: number }[] | undefined;
  isOn(value: string): boolean;
  onPick(value: string): void;
}) {
  if (!props.values || props.values.length === 0) return null;
  return (
    <fieldset className="facet">
      <legend>{props.title}</legend>
      {props.values.slice(0, 12).map((v) => (
        <label key={v.value} className={`chip${props.isOn(v.value) ? ' on' : ''}`}>
          <input type="checkbox" checked={props.isOn(v.value)} onChange={() => props.onPick(v.value)} />
          {v.value} <span className="muted">{v.count.toLocaleString('en-GB')}</span>
        </label>
      ))}
    </fieldset>
  );
}
