import { isIPv6 } from 'node:net';
import { IBAN_LENGTHS, ibanChecksumValid, knownCardIssuer, luhnValid } from './pii-checksums.ts';

/**
 * Built-in personal-data detectors. Each finds candidates with a regex that cannot backtrack
 * badly (text may be megabytes of digits) and then validates them in code, because the
 * false positives that matter here (timestamps, versions, IDs, measurements) are shaped like PII.
 */
export interface PiiDetector {
  tag: string;
  count(text: string): number;
}

function countValid(text: string, regex: RegExp, valid: (match: RegExpExecArray) => boolean): number {
  let n = 0;
  for (const match of text.matchAll(regex)) if (valid(match)) n++;
  return n;
}

// --- email ---------------------------------------------------------------------------------

/** `icon@2x.png` is a file name, not an address: these are file extensions, not top-level domains. */
const FILE_EXTENSIONS = new Set(
  'png jpg jpeg gif svg webp bmp tif tiff heic js mjs ts css json html htm txt csv log xml yaml yml md py'.split(
    ' ',
  ),
);
const EMAIL =
  /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])/g;

const email: PiiDetector = {
  tag: 'pii:email',
  count: (text) =>
    text.includes('@') ? countValid(text, EMAIL, (m) => !FILE_EXTENSIONS.has(m[1]!.toLowerCase())) : 0,
};

// --- phone ---------------------------------------------------------------------------------

// Not glued to a word or to a neighbouring number (space-separated numeric data is common).
const BEFORE = String.raw`(?<![\w+.\/:-]|\d[ .\/-])`;
const AFTER = String.raw`(?![\w]|[ .\/:-]\d)`;
/** +CC then digits, spaces, dots, dashes, parentheses; structure checked in code. */
const INTERNATIONAL = /(?<![\w+])\+[1-9][\d .()-]{5,22}\d(?!\d|[.-]\d)/g;
const US_PARENS = new RegExp(String.raw`${BEFORE}\([2-9]\d\d\) ?[2-9]\d\d[-. ]?\d{4}${AFTER}`, 'g');
/** 555-123-4567, 555.123.4567, 555 123 4567, with the same separator twice, optional leading 1. */
const US_PLAIN = new RegExp(String.raw`${BEFORE}(?:1([-. ]))?[2-9]\d\d([-. ])[2-9]\d\d\2\d{4}${AFTER}`, 'g');
/** Trunk-prefix national numbers: 020 7946 0958, 030/12345678, (0151) 1234567, 06-12345678. */
const EU_NATIONAL = new RegExp(
  String.raw`${BEFORE}(?:\(0[1-9]\d{0,3}\) ?|0[1-9]\d{0,3}[ \/-])\d{2,8}(?:[ -]\d{2,8}){0,3}${AFTER}`,
  'g',
);
/** French style 01.23.45.67.89 */
const EU_DOTTED = new RegExp(String.raw`${BEFORE}0[1-9](?:\.\d{2}){4}${AFTER}`, 'g');

const DATE_SHAPES = [/(?:^|\D)\d{1,2}[-./]\d{1,2}[-./]\d{2,4}(?:\D|$)/, /\d{4}[-./]\d{1,2}[-./]\d{1,2}/];
const SSN_SHAPE = /^\d{3}-\d{2}-\d{4}$/;
const digitCount = (s: string) => s.replace(/\D/g, '').length;

function plausibleNational(candidate: string): boolean {
  const digits = digitCount(candidate);
  if (digits < 9 || digits > 12) return false;
  return !SSN_SHAPE.test(candidate) && !DATE_SHAPES.some((shape) => shape.test(candidate));
}

/** E.164: at most 15 digits including the country code; separators single; one pair of parentheses. */
function plausibleInternational(candidate: string): boolean {
  let number = candidate;
  // The candidate run may have swallowed a following number ("+44 20 7946 0958 12 items").
  while (digitCount(number) > 15 && /[ .-]\d+$/.test(number)) number = number.replace(/[ .-]\d+$/, '');
  const digits = digitCount(number);
  if (digits < 8 || digits > 15) return false;
  if (/[ .()-]{2,}/.test(number.replace(/\) /g, ')').replace(/ \(/g, '('))) return false;
  const opens = number.split('(').length - 1;
  if (opens > 1 || opens !== number.split(')').length - 1) return false;
  return !DATE_SHAPES.some((shape) => shape.test(number));
}

const phone: PiiDetector = {
  tag: 'pii:phone',
  count: (text) =>
    countValid(text, INTERNATIONAL, (m) => plausibleInternational(m[0])) +
    countValid(text, US_PARENS, () => true) +
    countValid(text, US_PLAIN, () => true) +
    countValid(text, EU_NATIONAL, (m) => plausibleNational(m[0])) +
    countValid(text, EU_DOTTED, () => true),
};

// --- payment card --------------------------------------------------------------------------

// A leading `.` means a decimal fraction (0.4111111111111111), not a card.
const CARD_CONTIGUOUS = /(?<![\w.+-])\d{13,19}(?![\w]|[.-]\d)/g;
/** 4-4-4-4(-3) and 4-6-5 / 4-6-4 (Amex, Diners) groups with one consistent separator. */
const CARD_GROUPED =
  /(?<![\w.+-])\d{4}([ -])(?:\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{6}\1\d{4,5})(?![\w]|[.-]\d)/g;

const cardValid = (match: RegExpExecArray) => {
  const digits = match[0].replace(/\D/g, '');
  return knownCardIssuer(digits) && luhnValid(digits);
};

const card: PiiDetector = {
  tag: 'pii:card',
  count: (text) => countValid(text, CARD_CONTIGUOUS, cardValid) + countValid(text, CARD_GROUPED, cardValid),
};

// --- IBAN ----------------------------------------------------------------------------------

/** Where an IBAN could start; its end is found from the country's length, spaces allowed. */
const IBAN_START = /(?<![A-Za-z0-9])([A-Z]{2})\d{2}(?= ?[A-Z0-9])/g;

/** The compact IBAN starting at `start`, or undefined when the text there is not one. */
function ibanAt(text: string, start: number, length: number): { iban: string; end: number } | undefined {
  let iban = '';
  let i = start;
  while (iban.length < length && i < text.length) {
    const ch = text[i]!;
    if (/[A-Z0-9]/.test(ch)) iban += ch;
    else if (!(ch === ' ' && /[A-Z0-9]/.test(text[i + 1] ?? '') && iban.length % 4 === 0)) break;
    i++;
  }
  if (iban.length !== length || /[A-Za-z0-9]/.test(text[i] ?? '')) return undefined;
  return { iban, end: i };
}

const iban: PiiDetector = {
  tag: 'pii:iban',
  count(text) {
    let n = 0;
    IBAN_START.lastIndex = 0;
    for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
      const length = IBAN_LENGTHS[m[1]!];
      const found = length ? ibanAt(text, m.index, length) : undefined;
      if (found && ibanChecksumValid(found.iban)) {
        n++;
        IBAN_START.lastIndex = found.end;
      }
    }
    return n;
  },
};

// --- US SSN --------------------------------------------------------------------------------

/** ###-##-####; area 000, 666 and 900-999, group 00 and serial 0000 are never issued. */
const SSN = /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-]|\.\d)/g;

const ssn: PiiDetector = {
  tag: 'pii:ssn',
  count: (text) => countValid(text, SSN, () => true),
};

// --- IP address ----------------------------------------------------------------------------

/** Four dotted numbers not part of a longer dotted number (1.2.3.4.5, OIDs); octets checked in code. */
const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g;
const VERSION_BEFORE = /\b(?:v|ver|version|release|build|firmware|fw)[\s:=]*$/i;
/** Unspecified (0.x), loopback (127.x) and netmasks/broadcast (255.x) identify nobody. */
const NOT_PERSONAL_FIRST_OCTET = new Set(['0', '127', '255']);

function plausibleIPv4(text: string, match: RegExpExecArray): boolean {
  // Checked here rather than by a lookbehind, which would slow the scan of every digit.
  if (/[\w.]/.test(text[match.index - 1] ?? '')) return false;
  const octets = match[0].split('.');
  if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return false;
  if (NOT_PERSONAL_FIRST_OCTET.has(octets[0]!)) return false;
  return !VERSION_BEFORE.test(text.slice(Math.max(0, match.index - 16), match.index));
}

const IPV6 = /(?<![\w:.])[0-9A-Fa-f:]{3,39}(?![\w:]|\.\d)/g;
/** Cheap test first: an IPv6 address has `::` or at least three colon-separated inner groups. */
const IPV6_HINT = /:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/;

function plausibleIPv6(candidate: string): boolean {
  if (!/\d/.test(candidate) || !isIPv6(candidate)) return false;
  const groups = candidate.split(':').filter((g) => g.length > 0).length;
  // ::1 and friends are loopback or too short to say much; 12:30:45 is not valid IPv6 at all.
  return groups === 8 || (candidate.includes('::') && groups >= 2 && !candidate.startsWith('::'));
}

function countIPv6(text: string): number {
  if (!text.includes('::') && !IPV6_HINT.test(text)) return 0;
  return countValid(text, IPV6, (m) => plausibleIPv6(m[0]));
}

const ip: PiiDetector = {
  tag: 'pii:ip',
  count: (text) => countValid(text, IPV4, (m) => plausibleIPv4(text, m)) + countIPv6(text),
};

/** Detector names as used in `inspect.pii.detectors`. */
export const BUILTIN_DETECTORS: Readonly<Record<string, PiiDetector>> = { email, phone, card, iban, ssn, ip };
