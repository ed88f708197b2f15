import { useState } from 'react';
import type { DestinationDraft } from '../../../../shared/contract/index.ts';

/** Changed settings tried without saving anything; a key typed here is used for this test only. */
export function DraftForm({
  initial,
  testing,
  onTest,
}: {
  initial: DestinationDraft;
  testing: boolean;
  onTest(draft: DestinationDraft): void;
}) {
  const [draft, setDraft] = useState<DestinationDraft>(initial);
  const field = (key: string, label: string, value: string | undefined, hint?: string) => (
    <label key={key} className="draft-field">
      <span>{label}</span>
      <input
        value={value ?? ''}
        spellCheck={false}
        type={key === 'secretAccessKey' ? 'password' : 'text'}
        autoComplete="off"
        placeholder={hint}
        onChange={(event) => setDraft({ ...draft, [key]: event.target.value } as DestinationDraft)}
      />
    </label>
  );
  return (
    <form
      className="draft-form"
      aria-label="Other settings to test"
      onSubmit={(event) => {
        event.preventDefault();
        onTest(draft);
      }}
    >
      {draft.type === 's3' ? (
        <>
          {field('endpoint', 'Endpoint', draft.endpoint, 'https://s3.example.com (empty: AWS)')}
          {field('bucket', 'Bucket', draft.bucket)}
          {field('region', 'Region', draft.region, 'us-east-1')}
          {field('prefix', 'Prefix', draft.prefix, 'edge/')}
          {field('caBundle', 'CA bundle', draft.caBundle, '/etc/edge/ca.pem')}
          {field('proxy', 'Proxy', draft.proxy, 'http://proxy:3128')}
          <label className="draft-field checkbox">
            <input
              type="checkbox"
              checked={draft.forcePathStyle ?? draft.endpoint !== undefined}
              onChange={(event) => setDraft({ ...draft, forcePathStyle: event.target.checked })}
            />
            <span>Path-style addressing (bucket in the path)</span>
          </label>
          {field('accessKeyId', 'Access key id', draft.accessKeyId, 'empty: the saved credentials')}
          {field(
            'secretAccessKey',
            'Secret access key',
            draft.secretAccessKey,
            'empty: the saved credentials',
          )}
        </>
      ) : (
        field('path', 'Folder', draft.path, '/mnt/share/edge')
      )}
      <p className="muted">Nothing is saved: these settings are only tried. A key typed here is not kept.</p>
      <button type="submit" className="primary" disabled={testing}>
        {testing ? 'Testing…' : 'Test these settings'}
      </button>
    </form>
  );
}
