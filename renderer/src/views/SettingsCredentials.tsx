import { useState } from 'react';
import type { DestinationSettings } from '../../../shared/contract/index.ts';
import { EngineRequestError } from '../contract/client.ts';
import { useEngine } from '../state/engine-context.ts';

const errorText = (cause: unknown): string =>
  cause instanceof EngineRequestError ? cause.message : String((cause as Error)?.message ?? cause);

/**
 * "Set credentials…": the keys go to the engine host, which stores them for this destination (a file
 * only the engine's user can read) and answers only that they are set. The fields are emptied as soon
 * as the keys are sent, whatever the answer; nothing ever comes back. Test connection then proves them.
 */
export function CredentialsForm({
  destination,
  onDone,
}: {
  destination: DestinationSettings;
  onDone(message: string): void;
}) {
  const client = useEngine();
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [sessionToken, setSessionToken] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string>();

  const send = async () => {
    const keys = {
      destination: destination.name,
      accessKeyId: accessKeyId.trim(),
      secretAccessKey: secretAccessKey.trim(),
      ...(sessionToken.trim() ? { sessionToken: sessionToken.trim() } : {}),
    };
    setAccessKeyId('');
    setSecretAccessKey('');
    setSessionToken('');
    setSending(true);
    setError(undefined);
    try {
      await client.request('credentials.set', keys);
      onDone('Keys stored for this destination. Run Test connection to check that the store accepts them.');
    } catch (cause) {
      setError(errorText(cause));
    } finally {
      setSending(false);
    }
  };

  const clear = async () => {
    setSending(true);
    setError(undefined);
    try {
      const { cleared } = await client.request('credentials.clear', { destination: destination.name });
      onDone(cleared ? 'Stored keys removed.' : 'No keys were stored for this destination.');
    } catch (cause) {
      setError(errorText(cause));
    } finally {
      setSending(false);
    }
  };

  const input = (label: string, value: string, set: (value: string) => void, secret: boolean) => (
    <label className="draft-field">
      <span>{label}</span>
      <input
        type={secret ? 'password' : 'text'}
        value={value}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => set(event.target.value)}
      />
    </label>
  );
  return (
    <form
      className="draft-form"
      aria-label={`Credentials for ${destination.name}`}
      autoComplete="off"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <p className="muted">
        Kept by the engine in a file only its user can read; never shown again. Keys in the site file win over
        these.
      </p>
      {input('Access key ID', accessKeyId, setAccessKeyId, true)}
      {input('Secret access key', secretAccessKey, setSecretAccessKey, true)}
      {input('Session token (optional)', sessionToken, setSessionToken, true)}
      <p className="actions">
        <button
          type="submit"
          className="primary"
          disabled={sending || !accessKeyId.trim() || !secretAccessKey.trim()}
        >
          {sending ? 'Sending…' : 'Store keys'}
        </button>
        {destination.credentials?.stored ? (
          <button type="button" className="ghost" disabled={sending} onClick={() => void clear()}>
            Remove stored keys
          </button>
        ) : null}
      </p>
      {error ? (
        <p className="bad-text" role="alert">
          Not stored: {error}
        </p>
      ) : null}
    </form>
  );
}
