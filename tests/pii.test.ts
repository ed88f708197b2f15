import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ResolvedInspect } from '../main/engine/config/types.ts';
import { detectPii, PII_DETECTOR_NAMES } from '../main/engine/inspect/index.ts';

type PiiConfig = ResolvedInspect['pii'];
const ALL: PiiConfig = {
  enabled: true,
  maxScanBytes: 1024 * 1024,
  detectors: [...PII_DETECTOR_NAMES],
  custom: [],
};
const only = (detector: string): PiiConfig => ({ ...ALL, detectors: [detector] });

/** Each string alone must give exactly one match of the detector's tag. */
function assertFinds(detector: string, samples: string[]): void {
  const tag = `pii:${detector}`;
  for (const sample of samples) {
    assert.deepEqual(
      detectPii(`x ${sample} y`, only(detector)),
      { [tag]: 1 },
      `should find ${tag} in "${sample}"`,
    );
  }
}

/** No sample may match the detector, even when all of them share a line. */
function assertIgnores(detector: string, samples: string[]): void {
  for (const sample of samples) {
    assert.deepEqual(detectPii(sample, only(detector)), {}, `should not find pii:${detector} in "${sample}"`);
  }
  assert.deepEqual(detectPii(samples.join(' | '), only(detector)), {});
}

/** Look-alikes common in capture data: none of them is personal. */
const MACHINE_DATA = [
  '2024-05-01T12:34:56.789Z',
  '2024-05-01 12:34:56',
  '01/05/2024 12:34',
  '15.01.2024',
  '1714566896123',
  'firmware 1.2.3',
  'version 10.4.2.1',
  '550e8400-e29b-41d4-a716-446655440000',
  'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'order #1234567890123456',
  'ORD-2024-000123',
  'lat 52.5200066 lon 13.404954',
  'reading 0.4111111111111111',
  'mac 00:1a:2b:3c:4d:5e',
  'frame 000123 of 004567',
];

describe('pii:email', () => {
  it('finds addresses', () => {
    assertFinds('email', [
      'bob@example.com',
      'first.last+tag@mail.co.uk',
      'ops_team@sub.example-site.org',
      '<a@b.io>',
    ]);
  });
  it('ignores retina file names, bare hosts and machine data', () => {
    assertIgnores('email', [
      'icon@2x.png',
      'logo@3x.JPG',
      'user@localhost',
      'an @ sign',
      'x@y',
      ...MACHINE_DATA,
    ]);
  });
});

describe('pii:phone', () => {
  it('finds international numbers', () => {
    assertFinds('phone', [
      '+44 20 7946 0958',
      '+1 (415) 555-2671',
      '+49 30 12345678',
      '+33 1 23 45 67 89',
      '+4915112345678',
    ]);
  });
  it('finds US and European national formats', () => {
    assertFinds('phone', [
      '(415) 555-2671',
      '415-555-2671',
      '415.555.2671',
      '1-415-555-2671',
      '020 7946 0958',
      '030/12345678',
      '(0151) 1234567',
      '06-12345678',
      '01 23 45 67 89',
      '01.23.45.67.89',
    ]);
  });
  it('ignores dates, times, versions, long IDs and numeric series', () => {
    assertIgnores('phone', [
      ...MACHINE_DATA,
      '2024-01-15T10:00:00+05:30',
      '12:30:45',
      '01-02-2024 1234',
      'id 1234567890123',
      'batch 20240115123045',
      'values 200 300 4000 5000',
      'temp 3.14159265358',
      'delta +1234',
      'SSN 123-45-6789',
      'ip 10.0.0.1',
    ]);
  });
});

describe('pii:card', () => {
  it('finds Luhn-valid numbers of known issuers, grouped or not', () => {
    assertFinds('card', [
      '4111 1111 1111 1111',
      '4111111111111111',
      '5500-0000-0000-0004',
      '3782 822463 10005',
      '6011000990139424',
      '2223003122003222',
    ]);
  });
  it('finds a card in a CSV column followed by more numbers', () => {
    assert.deepEqual(detectPii('name,card,exp\nBob,4111111111111111,12\n', only('card')), { 'pii:card': 1 });
  });
  it('ignores a failed Luhn check, unknown issuers, timestamps and decimals', () => {
    assertIgnores('card', [
      ...MACHINE_DATA,
      '4111 1111 1111 1112',
      '4111111111111112',
      '1234567890123452',
      '9999999999999995',
      '1700000000000000000',
    ]);
  });
});

describe('pii:iban', () => {
  it('finds IBANs with valid length and checksum, spaced or compact', () => {
    assertFinds('iban', [
      'DE89 3704 0044 0532 0130 00',
      'DE89370400440532013000',
      'GB82 WEST 1234 5698 7654 32',
      'NL91ABNA0417164300',
      'FR14 2004 1010 0505 0001 3M02 606',
    ]);
    assert.deepEqual(detectPii('pay GB82 WEST 1234 5698 7654 32 EUR today', only('iban')), { 'pii:iban': 1 });
  });
  it('ignores a bad checksum, a wrong length, unknown countries and machine data', () => {
    assertIgnores('iban', [
      ...MACHINE_DATA,
      'DE89 3704 0044 0532 0130 01',
      'DE8937040044053201300',
      'XX89370400440532013000',
      'AB12CD34EF56GH78',
    ]);
  });
});

describe('pii:ssn', () => {
  it('finds US social security numbers', () => {
    assertFinds('ssn', ['123-45-6789', '078-05-1120', '899-99-9999']);
  });
  it('ignores never-issued numbers and look-alikes', () => {
    assertIgnores('ssn', [
      ...MACHINE_DATA,
      '000-12-3456',
      '666-12-3456',
      '900-12-3456',
      '123-00-4567',
      '123-45-0000',
      '2024-01-15',
      'part 123-45-6789-01',
    ]);
  });
});

describe('pii:ip', () => {
  it('finds IPv4 and IPv6 addresses', () => {
    assertFinds('ip', [
      '10.0.0.1',
      '192.168.1.20:8080',
      'host=8.8.8.8.',
      '2001:db8::1',
      'fe80::1ff:fe23:4567:890a',
    ]);
    assertFinds('ip', ['2001:0db8:85a3:0000:0000:8a2e:0370:7334']);
  });
  it('ignores versions, longer dotted numbers, bad octets and addresses that identify nobody', () => {
    assertIgnores('ip', [
      ...MACHINE_DATA,
      '1.2.3.4.5',
      'version 1.2.3.4',
      'v1.2.3.4',
      'build: 4.1.0.2',
      '256.1.1.1',
      '192.168.001.010',
      'oid 1.3.6.1.4.1.2021',
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.0',
      '::1',
      'std::vector',
      '12:30:45',
    ]);
  });
});

describe('detectPii', () => {
  const record =
    'Bob,bob@example.com,+44 20 7946 0958,4111111111111111,DE89370400440532013000,123-45-6789,10.0.0.1';

  it('counts every match, per tag', () => {
    const text = `${record}\nAl,al@example.org,+1 415 555 2671,5500000000000004,GB82WEST12345698765432,078-05-1120,10.0.0.2\n`;
    assert.deepEqual(detectPii(text, ALL), {
      'pii:email': 2,
      'pii:phone': 2,
      'pii:card': 2,
      'pii:iban': 2,
      'pii:ssn': 2,
      'pii:ip': 2,
    });
  });

  it('runs only the selected detectors, by name or tag', () => {
    assert.deepEqual(detectPii(record, { ...ALL, detectors: ['email', 'pii:ip'] }), {
      'pii:email': 1,
      'pii:ip': 1,
    });
    assert.deepEqual(detectPii(record, { ...ALL, detectors: ['email', 'pii:email'] }), { 'pii:email': 1 });
    assert.deepEqual(detectPii(record, { ...ALL, detectors: [] }), {});
  });

  it('runs nothing when disabled', () => {
    assert.deepEqual(detectPii(record, { ...ALL, enabled: false }), {});
    const custom = [{ tag: 'pii:badge', pattern: 'BADGE-\\d+' }];
    assert.deepEqual(detectPii('BADGE-1', { ...ALL, enabled: false, custom }), {});
  });

  it('adds custom patterns under the user tag, honouring flags', () => {
    const cfg: PiiConfig = {
      ...ALL,
      detectors: [],
      custom: [
        { tag: 'pii:employee-id', pattern: 'EMP-\\d{6}\\b' },
        { tag: 'site:plate', pattern: '\\b[a-z]{2}-\\d{4}\\b', flags: 'i' },
        { tag: 'never', pattern: 'x*' },
      ],
    };
    const text = 'EMP-123456 met EMP-654321 and EMP-12; plates ab-1234, CD-5678';
    assert.deepEqual(detectPii(text, cfg), { 'pii:employee-id': 2, 'site:plate': 2 });
  });

  it('stays fast on megabytes of digits and separators (no catastrophic backtracking)', () => {
    // Not a timing assertion: a pathological regex would hang here rather than finish.
    const noise = '1234567890 .-+()/:'.repeat(60_000);
    assert.equal(typeof detectPii(noise, ALL), 'object');
    assert.deepEqual(detectPii('a'.repeat(1_000_000), ALL), {});
  });
});
