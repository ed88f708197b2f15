import type { SiteSettings } from '../../../../shared/contract/index.ts';
import { SaveOutcome } from './SaveOutcome.tsx';
import type { useSectionEdit } from './section-edit.tsx';

type SectionEdit = ReturnType<typeof useSectionEdit>;

/**
 * What every SettingsForm opened from a section's Edit button is given: the revision it edits, the
 * section closed after a save or a cancel, and after "reload" (the file changed on disk) too.
 */
export function sectionFormProps(edit: SectionEdit, settings: SiteSettings, reload: () => void) {
  return {
    revision: settings.revision,
    onDone: edit.done,
    onReload: () => {
      edit.done(undefined);
      reload();
    },
  };
}

/** The last save's outcome of a section, until dismissed. */
export function SectionOutcome({ edit }: { edit: SectionEdit }) {
  return edit.outcome ? <SaveOutcome saved={edit.outcome} onClose={edit.dismiss} /> : null;
}
