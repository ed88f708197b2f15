import type { SettingEdit, SettingsSaved } from '../../../../shared/contract/index.ts';

/**
 * The site file's revisions this UI itself made. A form keeps the revision it opened at, so a save
 * over a file edited by hand meanwhile is refused. Saves made from this same window are not a
 * reason to refuse: when every save since the form's revision touched only other settings, the form
 * saves over the newest of them. Array entries added or removed shift indices, so such a save counts
 * as touching the whole list.
 */
export class RevisionLineage {
  /** from revision → the revision a save of ours made from it, and the settings it touched. */
  private readonly next = new Map<string, { to: string; touched: string[] }>();

  record(from: string | undefined, saved: SettingsSaved, edits: readonly SettingEdit[]): void {
    if (from === undefined || !saved.ok || !saved.saved || saved.revision === undefined) return;
    if (saved.revision === from) return;
    this.next.set(from, { to: saved.revision, touched: edits.map(touchedBy) });
  }

  /** The revision to save `edits` with: the form's, or a later one of ours that left them alone. */
  resolve(from: string | undefined, edits: readonly SettingEdit[]): string | undefined {
    if (from === undefined) return undefined;
    const mine = edits.map(touchedBy);
    let revision = from;
    for (let hops = 0; hops < 1000; hops++) {
      const step = this.next.get(revision);
      if (!step || step.touched.some((a) => mine.some((b) => overlaps(a, b)))) return revision;
      revision = step.to;
    }
    return revision;
  }
}

/** The setting an edit changes; for an entry appended to or removed from a list, the whole list. */
export function touchedBy(edit: SettingEdit): string {
  const parts = edit.path.split('/');
  const last = parts.at(-1) ?? '';
  const entry = last === '-' || (/^\d+$/.test(last) && edit.value === undefined);
  return entry ? parts.slice(0, -1).join('/') : edit.path;
}

export function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

const lineages = new WeakMap<object, RevisionLineage>();

/** One lineage per engine client (per window). */
export function lineageOf(client: object): RevisionLineage {
  let lineage = lineages.get(client);
  if (!lineage) {
    lineage = new RevisionLineage();
    lineages.set(client, lineage);
  }
  return lineage;
}

/** settings.update with the form's revision carried past this window's own saves. */
export async function saveSettings(
  client: {
    request(
      method: 'settings.update',
      params: { edits: SettingEdit[]; revision?: string },
    ): Promise<SettingsSaved>;
  },
  edits: SettingEdit[],
  openedAt: string | undefined,
): Promise<SettingsSaved> {
  const lineage = lineageOf(client);
  const revision = lineage.resolve(openedAt, edits);
  const saved = await client.request('settings.update', {
    edits,
    ...(revision !== undefined ? { revision } : {}),
  });
  lineage.record(revision, saved, edits);
  return saved;
}
