import { useCallback, useEffect, useState } from 'react';
import type { EventPayload, OperatorPauseMessage } from '../../../shared/contract/index.ts';
import { useConnection, useEngine } from './engine-context.ts';

export interface UploadsControl {
  /** The operator's pause in force (null: uploads may run), undefined until known. */
  paused: OperatorPauseMessage | undefined;
  busy: boolean;
  error: string | undefined;
  pause(): void;
  resume(): void;
}

/** Pause/resume of all uploads: read on (re)connect, kept current by `uploads.paused` events. */
export function useUploadsControl(): UploadsControl {
  const client = useEngine();
  const connection = useConnection();
  const [paused, setPaused] = useState<OperatorPauseMessage>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => client.on('uploads.paused', (payload) => setPaused(payload.paused)), [client]);
  useEffect(() => {
    if (connection.kind !== 'connected') return;
    let current = true;
    client.request('uploads.state', {}).then(
      (reply) => current && setPaused(reply.paused),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, connection]);
  const act = useCallback(
    (method: 'uploads.pause' | 'uploads.resume') => {
      setBusy(true);
      setError(undefined);
      client
        .request(method, {})
        .then(
          (reply) => setPaused(reply.paused),
          (cause: Error) => setError(cause.message),
        )
        .finally(() => setBusy(false));
    },
    [client],
  );
  return {
    paused,
    busy,
    error,
    pause: () => act('uploads.pause'),
    resume: () => act('uploads.resume'),
  };
}

export type ProgressItem = EventPayload<'upload.progress'>['items'][number];

/** Bytes sent per upload in flight, by file id (one entry per destination), from `upload.progress`. */
export function useUploadProgress(): ReadonlyMap<number, readonly ProgressItem[]> {
  const client = useEngine();
  const [progress, setProgress] = useState<ReadonlyMap<number, readonly ProgressItem[]>>(new Map());
  useEffect(
    () =>
      client.on('upload.progress', (payload) => {
        const byFile = new Map<number, ProgressItem[]>();
        for (const item of payload.items) byFile.set(item.fileId, [...(byFile.get(item.fileId) ?? []), item]);
        setProgress(byFile);
      }),
    [client],
  );
  return progress;
}
