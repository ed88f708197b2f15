/**
 * Text captures: CSV sensor readings, gateway logs and JSON telemetry.
 * Files without PII must hold nothing a detector could mistake for it: no "@", no dotted quads,
 * no long digit runs (timestamps are ISO strings, not epoch numbers).
 */
import { fakePii, uniqueKinds } from './pii.ts';
import type { Rng } from './random.ts';
import type { PiiKind } from './types.ts';

export interface TextContent {
  text: string;
  pii: PiiKind[];
}

const CSV_PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'card', 'iban'];

function isoAt(base: Date, offsetMs: number): string {
  return new Date(base.getTime() + offsetMs).toISOString();
}

function piiNote(rng: Rng, kind: PiiKind): string {
  const value = fakePii(rng, kind);
  switch (kind) {
    case 'email':
      return `sent report to ${value}`;
    case 'phone':
      return `operator on call ${value}`;
    case 'card':
      return `spare parts paid with card ${value}`;
    case 'iban':
      return `refund to ${value}`;
    case 'ip':
      return `console opened from ${value}`;
  }
}

const CLEAN_NOTES = ['', '', '', '', 'door opened', 'recalibrated', 'fan speed high', 'filter changed'];

/** Sensor readings; with PII, one to three rows carry a note holding personal data. */
export function csvReadings(rng: Rng, now: Date, withPii: boolean): TextContent {
  const sensor = `TS-${String(rng.int(1, 40)).padStart(2, '0')}`;
  const rows = rng.int(20, 120);
  const piiRows = new Map<number, PiiKind>();
  if (withPii) {
    const howMany = rng.int(1, 3);
    for (let i = 0; i < howMany; i++) piiRows.set(rng.int(0, rows - 1), rng.pick(CSV_PII_KINDS));
  }
  const lines = ['timestamp,sensor_id,temperature_c,humidity_pct,pressure_hpa,vibration_mm_s,note'];
  for (let row = 0; row < rows; row++) {
    const kind = piiRows.get(row);
    const note = kind ? piiNote(rng, kind) : rng.pick(CLEAN_NOTES);
    lines.push(
      [
        isoAt(now, (row - rows) * 1000),
        sensor,
        rng.float(12, 38),
        rng.float(20, 80, 1),
        rng.float(990, 1030, 1),
        rng.float(0, 7, 3),
        note.includes(',') ? `"${note}"` : note,
      ].join(','),
    );
  }
  return { text: `${lines.join('\n')}\n`, pii: uniqueKinds([...piiRows.values()]) };
}

const LOG_EVENTS = [
  'INFO gateway: heartbeat ok',
  'INFO uplink: batch sent',
  'INFO camera: exposure adjusted',
  'WARN uplink: retrying after timeout',
  'INFO storage: rotated buffer',
  'DEBUG scheduler: tick',
  'ERROR plc: read timeout on register block',
];

/** Gateway log; with PII, failed-login lines name a user's email and the client address. */
export function logLines(rng: Rng, now: Date, withPii: boolean): TextContent {
  const count = rng.int(20, 100);
  const piiAt = new Set<number>();
  if (withPii) {
    const howMany = rng.int(1, 4);
    for (let i = 0; i < howMany; i++) piiAt.add(rng.int(0, count - 1));
  }
  const pii: PiiKind[] = [];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = isoAt(now, (i - count) * 250);
    if (piiAt.has(i)) {
      lines.push(`${at} WARN auth: login failed for ${fakePii(rng, 'email')} from ${fakePii(rng, 'ip')}`);
      pii.push('email', 'ip');
    } else {
      lines.push(`${at} ${rng.pick(LOG_EVENTS)} (took ${rng.int(1, 900)} ms)`);
    }
  }
  return { text: `${lines.join('\n')}\n`, pii: uniqueKinds(pii) };
}

/** Gateway telemetry; with PII, the maintenance contact is included. */
export function jsonTelemetry(rng: Rng, now: Date, withPii: boolean): TextContent {
  const doc: Record<string, unknown> = {
    device: `gw-${rng.int(1, 6)}`,
    ts: now.toISOString(),
    firmware: `fw-${rng.int(1, 4)}.${rng.int(0, 9)}`,
    metrics: {
      cpu_pct: rng.float(2, 95, 1),
      mem_pct: rng.float(10, 90, 1),
      disk_free_gb: rng.float(1, 400, 1),
      temp_c: rng.float(30, 80, 1),
      uptime_h: rng.float(0, 2000, 1),
    },
    links: [
      { name: 'lte', up: rng.chance(0.9), rssi_dbm: -rng.int(60, 110) },
      { name: 'wifi', up: rng.chance(0.7), rssi_dbm: -rng.int(40, 90) },
    ],
  };
  const pii: PiiKind[] = [];
  if (withPii) {
    doc['maintenance_contact'] = { email: fakePii(rng, 'email'), phone: fakePii(rng, 'phone') };
    pii.push('email', 'phone');
  }
  return { text: `${JSON.stringify(doc, null, 2)}\n`, pii };
}
