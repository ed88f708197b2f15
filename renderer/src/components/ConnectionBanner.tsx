import { useEffect, useState } from 'react';
import { useConnection } from '../state/engine-context.ts';

/** Says, unmistakably, when the UI cannot reach the engine (the engine itself keeps working). */
export function ConnectionBanner() {
  const connection = useConnection();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (connection.kind !== 'disconnected') return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [connection]);
  if (connection.kind === 'connected') return null;
  if (connection.kind === 'connecting') {
    return (
      <div className="banner info" role="status">
        Connecting to the engine…
      </div>
    );
  }
  if (connection.kind === 'incompatible') {
    return (
      <div className="banner bad" role="alert">
        {connection.reason}
      </div>
    );
  }
  const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
  return (
    <div className="banner bad" role="alert">
      <strong>No connection to the engine.</strong> {connection.reason} Trying again{' '}
      {seconds > 0 ? `in ${seconds} s` : 'now'}. Capture and uploads go on without the UI.
    </div>
  );
}
