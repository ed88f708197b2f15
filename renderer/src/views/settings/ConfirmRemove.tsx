import { type ReactNode, useEffect, useRef } from 'react';

/**
 * "Remove …?" asked in place: what removing means, the remove button, and "Keep it", which has the
 * focus (the safe answer to a stray Enter); Escape keeps it too.
 */
export function ConfirmRemove({
  label,
  confirmLabel,
  error,
  children,
  onConfirm,
  onKeep,
}: {
  label: string;
  confirmLabel: string;
  error: string | undefined;
  children: ReactNode;
  onConfirm(): void;
  onKeep(): void;
}) {
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-label={label}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onKeep();
      }}
    >
      <p>{children}</p>
      <div className="actions">
        <button type="button" className="primary danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button ref={keep} type="button" className="ghost" onClick={onKeep}>
          Keep it
        </button>
      </div>
      {error ? (
        <p className="bad-text" role="alert">
          Not removed: {error}
        </p>
      ) : null}
    </div>
  );
}
