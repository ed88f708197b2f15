import type { UploadsControl } from '../state/use-uploads.ts';
import { formatTime } from './format.ts';

/** The top bar's Pause/Resume button: pauses every destination; capture and decisions go on. */
export function PauseButton({ control }: { control: UploadsControl }) {
  if (control.paused === undefined) return null;
  const paused = control.paused !== null;
  return (
    <button
      type="button"
      className={paused ? 'primary' : 'ghost'}
      disabled={control.busy}
      onClick={paused ? control.resume : control.pause}
      title={
        paused
          ? 'Start uploading again'
          : 'Stop starting new uploads (those under way finish); capture and decisions go on'
      }
    >
      {paused ? 'Resume uploads' : 'Pause uploads'}
    </button>
  );
}

/** While paused, an unmistakable band under the top bar saying who paused, since when, and how to resume. */
export function PausedBanner({ control }: { control: UploadsControl }) {
  if (!control.paused && !control.error) return null;
  if (!control.paused) {
    return (
      <div className="banner bad" role="alert">
        Could not change uploads: {control.error}
      </div>
    );
  }
  return (
    <div className="banner attention" role="alert" aria-label="Uploads paused">
      <strong>Uploads are paused</strong> by {control.paused.by} since {formatTime(control.paused.at)}. Files
      are still captured and decided, and wait here.{' '}
      <button type="button" className="link-button" onClick={control.resume} disabled={control.busy}>
        Resume uploads
      </button>
    </div>
  );
}
