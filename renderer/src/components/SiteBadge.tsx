import { useState } from 'react';
import type { SiteInfo } from '../../../shared/contract/index.ts';

const HIDDEN_KEY = 'edge-capture.first-run-hidden';

/** The DEMO label and the one obvious way from the demo to a real site. */
export function DemoBanner({ site }: { site: SiteInfo }) {
  // Hidden once, hidden on this machine until asked for again.
  const [open, setOpenState] = useState(() => localStorage.getItem(HIDDEN_KEY) !== '1');
  const setOpen = (next: boolean) => {
    localStorage.setItem(HIDDEN_KEY, next ? '0' : '1');
    setOpenState(next);
  };
  if (!site.demo) return null;
  return (
    <section className="demo-banner" aria-label="Demo mode">
      <div className="demo-line">
        <span className="demo-label">DEMO</span>
        <span>
          Simulated captures on this machine; nothing is sent anywhere. The files, rules and uploads you see
          are examples.
        </span>
        <button type="button" className="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Set up a real site'}
        </button>
      </div>
      {open ? (
        <div className="first-run">
          <h2>Set up a real site</h2>
          <ol>
            <li>
              Copy the example site file: <code>cp build/examples/site.yaml /etc/edge-capture/site.yaml</code>{' '}
              (or start from <code>build/examples/minimal.yaml</code>).
            </li>
            <li>
              Set <code>site</code>, your capture <code>folders</code>, the <code>destination</code> (your
              object store) and the <code>rules</code>.
            </li>
            <li>
              Check it: <code>edge-capture validate --config /etc/edge-capture/site.yaml</code> names every
              problem with the line and the fix.
            </li>
            <li>
              Run it with this UI: <code>edge-capture serve --config /etc/edge-capture/site.yaml</code>. From
              then on, the Rules view edits that file.
            </li>
          </ol>
          <p className="muted">
            The README's “A first real site” and “Configuration reference” sections explain every field.
          </p>
        </div>
      ) : null}
    </section>
  );
}
