import type { S3DestinationConfig } from '../../../shared/upload-config.ts';
import type { ResolvedConfig } from '../../engine/config/types.ts';
import { checkCredentials, destinationCredentials } from '../../engine/credentials/destination-store.ts';
import { keySourceOf } from '../../engine/credentials/sources.ts';
import { CredentialsError, type S3Credentials } from '../../engine/credentials/store.ts';
import { configFromArgs, printJson } from '../common.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliArgs } from '../index.ts';

/**
 * `edge-capture credentials set|status|clear`: S3 keys per destination in `<dataDir>/credentials.json`
 * (mode 600). Keys are read from stdin or typed at a prompt that does not echo the secret, never from
 * the command line (any user on the machine sees a command line in `ps`). Nothing prints a secret.
 * Run it as the user the engine runs as: the engine refuses a key file that belongs to someone else.
 */
const PICKUP =
  'A running engine uses them from its next request to the store (a destination paused because the store refused its keys checks again at its next probe, upload.offlineProbeInterval, 30 s by default); no restart needed.';

export async function credentialsCommand(args: CliArgs): Promise<number> {
  const [action, ...extra] = args.positionals;
  if (extra.length > 0) {
    // Not echoed: it may be a key someone tried to pass on the command line.
    throw new CliError(
      `credentials ${action ?? ''} takes no other words (${extra.length} given). Keys are never taken from the command line, where other users can see them: pipe them on stdin or type them at the prompt.`,
      EXIT.usage,
    );
  }
  switch (action) {
    case 'set':
      return setCommand(args);
    case 'status':
      return statusCommand(args);
    case 'clear':
      return clearCommand(args);
    default:
      throw new CliError(
        'credentials needs set, status or clear: credentials set --config FILE --destination NAME (keys on stdin or at the prompt)',
        EXIT.usage,
      );
  }
}

function s3Destination(
  config: ResolvedConfig,
  name: string | undefined,
): { name: string; cfg: S3DestinationConfig } {
  const s3 = config.destinations.filter((d) => d.config?.type === 's3');
  const names = s3.map((d) => d.name);
  if (name === undefined) {
    if (s3.length === 1) return { name: s3[0]!.name, cfg: s3[0]!.config as S3DestinationConfig };
    throw new CliError(
      s3.length === 0
        ? 'this config has no S3 destination: only S3 destinations use keys.'
        : `--destination NAME is required (S3 destinations: ${names.join(', ')}).`,
      EXIT.usage,
    );
  }
  const found = config.destinations.find((d) => d.name === name);
  if (!found) {
    throw new CliError(
      `there is no destination "${name}" (${config.destinations.map((d) => d.name).join(', ')}).`,
      EXIT.usage,
    );
  }
  if (found.config?.type !== 's3') {
    throw new CliError(`destination "${name}" is not an S3 store: it needs no keys.`, EXIT.usage);
  }
  return { name, cfg: found.config };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Keys piped in: a JSON object ({accessKeyId, secretAccessKey, sessionToken?}) or lines (id, secret, token). */
export function parseKeysText(text: string): S3Credentials {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new CliError('stdin starts with "{" but is not valid JSON (nothing saved).', EXIT.usage);
    }
    return checked(value);
  }
  const lines = trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length < 2 || lines.length > 3) {
    throw new CliError(
      `stdin should hold the access key id and the secret on two lines (a session token on a third), got ${lines.length} line(s) (nothing saved).`,
      EXIT.usage,
    );
  }
  const [accessKeyId, secretAccessKey, sessionToken] = lines;
  return checked({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
}

function checked(value: unknown): S3Credentials {
  try {
    return checkCredentials(value);
  } catch (error) {
    throw new CliError(`${(error as Error).message} (nothing saved).`, EXIT.usage);
  }
}

/** One line from the terminal; `hidden`: nothing is echoed (raw mode), as for a password. */
async function prompt(question: string, hidden: boolean): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  return new Promise((resolvePromise, reject) => {
    let value = '';
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    input.resume();
    const done = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolvePromise(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new CliError('cancelled (nothing saved).'));
        if (char === '\u007f' || char === '\b') {
          if (value.length > 0) {
            value = value.slice(0, -1);
            if (!hidden) process.stderr.write('\b \b');
          }
          continue;
        }
        value += char;
        if (!hidden) process.stderr.write(char);
      }
    };
    input.on('data', onData);
  });
}

async function keysFromUser(): Promise<S3Credentials> {
  if (!process.stdin.isTTY) return parseKeysText(await readAll(process.stdin));
  const accessKeyId = (await prompt('Access key ID: ', false)).trim();
  const secretAccessKey = (await prompt('Secret access key (not shown): ', true)).trim();
  const sessionToken = (await prompt('Session token (not shown; Enter for none): ', true)).trim();
  return checked({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
}

function storeFailed(error: unknown): never {
  if (error instanceof CredentialsError) throw new CliError(error.message);
  throw error;
}

async function setCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const { name, cfg } = s3Destination(config, args.values.destination);
  const keys = await keysFromUser();
  const store = destinationCredentials(config.dataDir);
  await store.write(name, keys).catch(storeFailed);
  const source = keySourceOf(cfg, keys);
  const lines = [`Keys stored for destination "${name}" in ${store.path} (mode 600, not encrypted).`];
  if (source.storedUnused) {
    lines.push(
      `Not used while the site file gives ${source.source === 'config' ? 'keys' : 'a profile'} for this destination (${source.words}): the site file wins. Remove destination.credentials from it to use these.`,
    );
  } else {
    lines.push(PICKUP);
  }
  if (args.values.json)
    printJson({ destination: name, set: true, used: !source.storedUnused, file: store.path });
  else process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

async function clearCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const name = args.values.destination;
  if (!name)
    throw new CliError(
      '--destination NAME is required: the destination whose stored keys to remove.',
      EXIT.usage,
    );
  const store = destinationCredentials(config.dataDir);
  const removed = await store.clear(name).catch(storeFailed);
  if (args.values.json) printJson({ destination: name, cleared: removed });
  else {
    process.stdout.write(
      removed
        ? `Stored keys for destination "${name}" removed. A running engine stops using them from its next request to the store.\n`
        : `No keys were stored for destination "${name}".\n`,
    );
  }
  return EXIT.ok;
}

async function statusCommand(args: CliArgs): Promise<number> {
  const config = await configFromArgs(args);
  const store = destinationCredentials(config.dataDir);
  let problem: string | undefined;
  const rows = [];
  for (const d of config.destinations) {
    if (d.config?.type !== 's3') {
      rows.push({ destination: d.name, type: d.config?.type ?? 'local', set: false, source: 'not needed' });
      continue;
    }
    let stored: S3Credentials | undefined;
    try {
      stored = await store.read(d.name);
    } catch (error) {
      if (!(error instanceof CredentialsError)) throw error;
      problem = error.message;
    }
    const facts = keySourceOf(d.config, stored);
    rows.push({
      destination: d.name,
      type: 's3',
      set: facts.source !== 'none',
      source: facts.source,
      words: facts.words,
      ...(facts.storedUnused ? { storedUnused: true } : {}),
    });
  }
  if (args.values.json) {
    printJson({ file: store.path, destinations: rows, ...(problem ? { problem } : {}) });
  } else {
    const lines = rows.map((row) => {
      if (row.type !== 's3') return `${row.destination}: ${row.type} destination, no keys needed`;
      const unused = row.storedUnused ? ' (keys stored here too, unused: the site file wins)' : '';
      const environment =
        row.source === 'environment' ? " (this shell's; the engine uses its own environment)" : '';
      return `${row.destination}: ${row.set ? 'set' : 'not set'}, ${row.words}${environment}${unused}`;
    });
    lines.push(`Stored keys: ${store.path}`);
    if (problem) lines.push(`Problem: ${problem}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return problem ? EXIT.failure : EXIT.ok;
}
