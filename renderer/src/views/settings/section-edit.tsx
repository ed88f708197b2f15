import { type RefObject, useRef, useState } from 'react';
import type { SettingsSaved, SiteSettings } from '../../../../shared/contract/index.ts';

/** A section's edit state: the form open or not, the last save's outcome, focus back on Edit after. */
export function useSectionEdit() {
  const [editing, setEditing] = useState(false);
  const [outcome, setOutcome] = useState<SettingsSaved>();
  const button = useRef<HTMLButtonElement>(null);
  return {
    editing,
    outcome,
    button,
    open() {
      setEditing(true);
      setOutcome(undefined);
    },
    done(saved: SettingsSaved | undefined) {
      setEditing(false);
      if (saved) setOutcome(saved);
      requestAnimationFrame(() => button.current?.focus());
    },
    dismiss: () => setOutcome(undefined),
  };
}

/** "Edit …": disabled, with the reason, when the settings cannot be saved (demo, no site file). */
export function EditButton({
  settings,
  label,
  onClick,
  buttonRef,
  hidden,
}: {
  settings: SiteSettings;
  label: string;
  onClick(): void;
  buttonRef?: RefObject<HTMLButtonElement | null>;
  hidden?: boolean;
}) {
  if (hidden) return null;
  return (
    <button
      ref={buttonRef}
      type="button"
      className="ghost edit-button"
      disabled={!settings.editable}
      title={settings.editable ? undefined : settings.readOnlyReason}
      aria-describedby={settings.editable ? undefined : 'settings-read-only'}
      onClick={onClick}
    >
      {label}
    </button>
  );
}
