/** Fake personal data that PII detectors must find: well-formed, checksum-valid, obviously fictional. */
import type { Rng } from './random.ts';
import type { PiiKind } from './types.ts';

const FIRST_NAMES = ['jane', 'omar', 'li', 'maria', 'tom', 'aisha', 'pieter', 'sofia'];
const LAST_NAMES = ['doe', 'haddad', 'wei', 'garcia', 'brown', 'okafor', 'devries', 'rossi'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];

/** Published example IBANs: their mod-97 check digits are valid, the accounts are not real. */
const IBANS = [
  'GB82WEST12345698765432',
  'DE89370400440532013000',
  'FR1420041010050500013M02606',
  'NL91ABNA0417164300',
  'GB29NWBK60161331926819',
];

export function fakeEmail(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}@${rng.pick(DOMAINS)}`;
}

/** Numbers from ranges set aside for drama and testing (UK 07700 900xxx, US 555-01xx). */
export function fakePhone(rng: Rng): string {
  return rng.chance(0.5) ? `+44 7700 900${rng.digits(3)}` : `+1 (555) 010-${rng.digits(4)}`;
}

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload[payload.length - 1 - i]);
    // Counting from the right of the payload, every first, third, ... digit is doubled.
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

/** A 16-digit Visa-style number that passes the Luhn check, grouped in fours. */
export function fakeCard(rng: Rng): string {
  const payload = `4${rng.digits(14)}`;
  const number = `${payload}${luhnCheckDigit(payload)}`;
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function fakeIban(rng: Rng): string {
  return rng.pick(IBANS);
}

/** Addresses from the documentation ranges (RFC 5737). */
export function fakeIp(rng: Rng): string {
  const net = rng.pick(['192.0.2', '198.51.100', '203.0.113']);
  return `${net}.${rng.int(1, 254)}`;
}

export function fakePii(rng: Rng, kind: PiiKind): string {
  switch (kind) {
    case 'email':
      return fakeEmail(rng);
    case 'phone':
      return fakePhone(rng);
    case 'card':
      return fakeCard(rng);
    case 'iban':
      return fakeIban(rng);
    case 'ip':
      return fakeIp(rng);
  }
}

/** Distinct kinds in first-seen order, for SimulatedCapture.pii. */
export function uniqueKinds(kinds: PiiKind[]): PiiKind[] {
  return [...new Set(kinds)];
}
