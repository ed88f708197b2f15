import type { DestinationLink } from '../../../shared/contract/index.ts';
import { useDestinations, useNow } from '../state/use-destinations.ts';
import { formatAgo, formatTime } from './format.ts';
import './destinations.css';

const PAUSE_WORDS: Record<string, string> = {
  offline: 'OFFLINE',
  auth: 'REFUSES OUR CREDENTIALS',
  permission: 'REFUSES ACCESS',
  not_found: 'MISSING',
  misconfigured: 'NOT SET UP RIGHT',
  full: 'FULL',
};

function clock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

/** "in 12 s", "now". */
function untilWords(at: number, now: number): string {
  const seconds = Math.ceil((at - now) / 1000);
  return seconds > 0 ? `in ${seconds} s (${clock(at)})` : 'now';
}

/**
 * One unmistakable banner per destination that is not online: which one, since when, its last
 * successful upload, the next check, what is wrong and what to do. Other destinations go on.
 */
export function DestinationBanners() {
  const links = useDestinations();
  const down = (links ?? []).filter((link) => link.state !== 'online' && link.state !== 'unknown');
  const now = useNow(down.length > 0);
  if (down.length === 0) return null;
  const others = (links ?? []).filter((link) => link.state === 'online').map((link) => link.name);
  return (
    <div className="destination-banners">
      {down.map((link) => (
        <DestinationBanner key={link.name} link={link} now={now} others={others} />
      ))}
    </div>
  );
}

function DestinationBanner({ link, now, others }: { link: DestinationLink; now: number; others: string[] }) {
  const what = PAUSE_WORDS[link.pausedFor ?? link.state] ?? link.state.toUpperCase();
  const waiting = (link.counts?.['queued'] ?? 0) + (link.counts?.['failed'] ?? 0);
  return (
    <section
      className="banner bad destination-banner"
      role="alert"
      aria-label={`Destination ${link.name} ${what.toLowerCase()}`}
      data-destination={link.name}
    >
      <div className="destination-banner-head">
        <strong className="destination-banner-title">
          Destination “{link.name}” is {what}
        </strong>
        <span>
          — uploads to it are paused
          {others.length > 0
            ? `; ${others.map((name) => `“${name}”`).join(', ')} ${others.length === 1 ? 'goes' : 'go'} on`
            : ''}
          .
        </span>
      </div>
      <dl className="destination-banner-facts">
        {link.since !== undefined ? (
          <div>
            <dt>Since</dt>
            <dd title={formatTime(link.since)}>
              {clock(link.since)} ({formatAgo(link.since, now)})
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Last successful upload</dt>
          <dd title={link.lastSuccessAt !== undefined ? formatTime(link.lastSuccessAt) : undefined}>
            {link.lastSuccessAt !== undefined
              ? `${formatTime(link.lastSuccessAt)} (${formatAgo(link.lastSuccessAt, now)})`
              : 'none yet'}
          </dd>
        </div>
        <div>
          <dt>Next check</dt>
          <dd>{link.nextProbeAt !== undefined ? untilWords(link.nextProbeAt, now) : 'soon'}</dd>
        </div>
        <div>
          <dt>Waiting for it</dt>
          <dd>
            {waiting} file{waiting === 1 ? '' : 's'}
          </dd>
        </div>
      </dl>
      {link.message ? <p className="destination-banner-message">{link.message}</p> : null}
      <p className="destination-banner-note">
        Nothing is lost: files wait on this machine and go up by themselves when it answers again.
      </p>
    </section>
  );
}

const STATE_WORDS: Record<DestinationLink['state'], string> = {
  online: 'online',
  offline: 'offline',
  paused: 'paused',
  unknown: 'unknown',
};

/** The Queues view's header line: each destination, its state and its uploads by state. */
export function DestinationStrip() {
  const links = useDestinations();
  if (!links || links.length === 0) return null;
  return (
    <ul className="destination-strip" aria-label="Destinations">
      {links.map((link) => {
        const counts = link.counts ?? {};
        const waiting = (counts['queued'] ?? 0) + (counts['failed'] ?? 0);
        const trouble = (counts['quarantined'] ?? 0) + (counts['conflict'] ?? 0);
        return (
          <li
            key={link.name}
            className={`destination-chip state-${link.state}`}
            data-destination={link.name}
            title={link.label}
          >
            <span className="dot" aria-hidden="true" />
            <strong>{link.name}</strong>
            <span className="chip-state">{STATE_WORDS[link.state]}</span>
            <span className="chip-counts">
              {waiting} waiting · {counts['uploading'] ?? link.inFlight ?? 0} uploading ·{' '}
              {counts['uploaded'] ?? 0} uploaded
              {trouble > 0 ? ` · ${trouble} need a look` : ''}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
