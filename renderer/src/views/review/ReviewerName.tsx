import { useState } from 'react';

/** Asked once per machine: the name recorded with each correction and held decision. */
export function ReviewerName({ onName }: { onName(name: string): void }) {
  const [name, setName] = useState('');
  return (
    <form
      className="reviewer-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) onName(name.trim());
      }}
    >
      <label>
        Your name (recorded with each correction)
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" className="primary">
        Start reviewing
      </button>
    </form>
  );
}
