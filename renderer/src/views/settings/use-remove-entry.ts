import { useState } from 'react';
import type { SettingEdit, SettingsSaved } from '../../../../shared/contract/index.ts';
import { useEngine } from '../../state/engine-context.ts';
import { errorText } from './error-text.ts';
import { saveSettings } from './revisions.ts';

/**
 * Removing a folder or a destination from the site file: asked first (ConfirmRemove), then saved;
 * the host's refusal (or a failed request) stays on the question, in words, until the next try.
 */
export function useRemoveEntry(options: {
  /** The edits that remove the entry from the site file as it is now. */
  edits(): SettingEdit[];
  /** The revision of the settings the card shows. */
  revision: string | undefined;
  onRemoved(saved: SettingsSaved): void;
}) {
  const client = useEngine();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setError(undefined);
    try {
      const saved = await saveSettings(client, options.edits(), options.revision);
      if (saved.ok && saved.saved) {
        setConfirming(false);
        options.onRemoved(saved);
      } else {
        setError([saved.message, ...saved.issues.map((i) => `${i.message} ${i.hint}`)].join(' '));
      }
    } catch (cause) {
      setError(errorText(cause));
    }
  };
  return {
    confirming,
    error,
    ask: () => setConfirming(true),
    keep: () => setConfirming(false),
    remove: () => void remove(),
  };
}
