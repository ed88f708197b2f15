import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, connect as netConnect } from 'node:net';
import { type PeerCertificate, rootCertificates, connect as tlsConnect } from 'node:tls';
import {
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3DestinationConfig } from '../../../shared/upload-config.ts';
import type { StoredKeysSource } from '../credentials/provider.ts';
import { failed, failedButGoOn, type PlannedStep, passed } from './connection-test.ts';
import { normalizePrefix } from './destinations/object-keys.ts';
import { httpStatusOf, s3ErrorCode } from './destinations/s3-errors.ts';
import { createS3Transport, describeEndpoint, proxyFor } from './destinations/s3-transport.ts';

/** S3 refuses requests signed with a clock this far off. */
const S3_SKEW_LIMIT_MS = 15 * 60 * 1000;
/** Worth saying before it breaks. */
const SKEW_WARNING_MS = 60 * 1000;

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer (timed out)',
  EHOSTUNREACH: 'the host is unreachable from here',
  ENETUNREACH: 'the network is unreachable from here',
};

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException | undefined)?.code ?? '';
const messageOf = (error: unknown): string => (error as Error | undefined)?.message ?? String(error);

/** `…WXYZ`: enough of an access key id to tell which one, never a secret. */
function maskedKey(id: string | undefined): string {
  if (!id) return 'the configured key';
  return `access key …${id.slice(-4)}`;
}

function endpointOf(cfg: S3DestinationConfig): URL | undefined {
  try {
    const url = new URL(cfg.endpoint ?? `https://s3.${cfg.region ?? 'us-east-1'}.amazonaws.com`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
/** `[::1]` → `::1` for sockets. */
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const done = (error?: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => done(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error));
  });
}

function tlsHandshake(
  url: URL,
  ca: string[] | undefined,
  signal: AbortSignal,
): Promise<{ protocol: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const host = bareHost(url);
    const socket = tlsConnect({
      host,
      port: portOf(url),
      ...(isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
    });
    const done = (error?: Error) => {
      signal.removeEventListener('abort', onAbort);
      if (error) {
        socket.destroy();
        reject(error);
        return;
      }
      const result = { protocol: socket.getProtocol() ?? 'TLS', cert: socket.getPeerCertificate() };
      socket.end();
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => done(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => done());
    socket.once('error', (error) => done(error));
  });
}

function readCa(path: string): string[] {
  const pem = readFileSync(path, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`${path} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)`);
  return [...rootCertificates, pem];
}

/**
 * The checks for an S3 destination, in the order a request travels: the host name resolves, a TCP
 * connection opens, TLS verifies (https), the store accepts our credentials, the bucket is there,
 * a probe object of our own can be written, read and deleted, Object Lock is on when the config asks
 * for it, and the store's clock agrees with ours. One client, one connection, no retries: what
 * fails is reported as it is.
 */
export function s3Steps(
  cfg: S3DestinationConfig,
  options: { stepTimeoutMs: number; storedKeys?: StoredKeysSource },
): { target: string; steps: PlannedStep[]; close(): Promise<void> } {
  const target = describeEndpoint(cfg);
  const url = endpointOf(cfg);
  const endpointText = url ? url.origin : (cfg.endpoint ?? '(none)');
  let client: S3Client | undefined;
  let setupError: string | undefined;
  try {
    client = createS3Transport(cfg, {
      requestTimeoutMs: options.stepTimeoutMs,
      maxSockets: 2,
      maxAttempts: 1,
      ...(options.storedKeys ? { storedKeys: options.storedKeys } : {}),
    }).client;
  } catch (error) {
    setupError = messageOf(error);
  }
  /** The store's Date header from its latest answer, and when we received it. */
  let storeClock: { date: number; at: number } | undefined;
  client?.middlewareStack.add(
    (next) => async (args) => {
      const note = (headers: Record<string, string | undefined> | undefined) => {
        const date = Date.parse(headers?.['date'] ?? '');
        if (!Number.isNaN(date)) storeClock = { date, at: Date.now() };
      };
      try {
        const out = await next(args);
        note((out.response as { headers?: Record<string, string> }).headers);
        return out;
      } catch (error) {
        note((error as { $response?: { headers?: Record<string, string> } }).$response?.headers);
        throw error;
      }
    },
    { step: 'deserialize', name: 'edgeCaptureStoreClock' },
  );
  const proxy = url ? proxyFor(url, cfg.proxy) : undefined;
  const proxyUrl = proxy ? URL.parse(proxy) : null;
  /** Where our TCP connection goes: the store, or the proxy in between. */
  const hop = proxyUrl ?? url;
  const viaProxy = proxyUrl ? ` (through the proxy ${proxyUrl.origin})` : '';
  const probeKey = `${normalizePrefix(cfg.prefix)}.edge-capture/connection-test-${randomUUID()}`;
  let probeWritten: { versionId?: string } | undefined;
  let skewFailed = false;

  /** One SDK command (any of them) on our client, cut off by the step's signal. */
  const send = <T = unknown>(command: object, signal: AbortSignal): Promise<T> =>
    (client as unknown as { send(c: object, o: object): Promise<T> }).send(command, { abortSignal: signal });

  const clockStopped = () =>
    failed(
      "the store refuses our requests because this machine's clock is off by more than 15 minutes (RequestTimeTooSkewed).",
      "Set this machine's clock right (enable NTP: timedatectl set-ntp true).",
    );

  const steps: PlannedStep[] = [];
  if (setupError !== undefined || !url) {
    steps.push({
      step: 'settings',
      label: 'Settings',
      run: async () =>
        failed(
          setupError ?? `"${cfg.endpoint}" is not an http:// or https:// address.`,
          'Correct the destination settings named above.',
        ),
    });
  }
  steps.push(
    {
      step: 'dns',
      label: 'DNS lookup',
      run: async () => {
        if (!hop) return failed('there is no address to look up.');
        const host = bareHost(hop);
        if (isIP(host)) return passed(`${host} is an IP address: nothing to look up${viaProxy}.`);
        try {
          const found = await lookup(host, { all: true });
          return passed(`${host} is ${found.map((a) => a.address).join(', ')}${viaProxy}.`);
        } catch (error) {
          return failed(
            `cannot look up ${host} (${codeOf(error) || messageOf(error)})${viaProxy}.`,
            proxyUrl
              ? "Check the proxy address (destination.proxy or HTTPS_PROXY) and this machine's DNS."
              : "Check the host name in the endpoint (a typo?) and this machine's DNS (/etc/resolv.conf).",
          );
        }
      },
    },
    {
      step: 'tcp',
      label: 'TCP connection',
      run: async (signal) => {
        if (!hop) return failed('there is no address to connect to.');
        const host = bareHost(hop);
        const port = portOf(hop);
        try {
          await tcpConnect(host, port, signal);
          return passed(`connected to ${host}:${port}${viaProxy}.`);
        } catch (error) {
          const code = signal.aborted ? 'ETIMEDOUT' : codeOf(error);
          return failed(
            `cannot connect to ${host}:${port}${viaProxy}: ${NETWORK_WORDS[code] ?? messageOf(error)}${code ? ` (${code})` : ''}.`,
            code === 'ECONNREFUSED'
              ? `Check the port in the endpoint (${endpointText}) and that the store runs and listens on it.`
              : 'Check the address, the route and any firewall between this machine and the store.',
          );
        }
      },
    },
    {
      step: 'tls',
      label: 'TLS handshake',
      run: async (signal) => {
        if (!url) return failed('there is no endpoint.');
        if (url.protocol === 'http:') {
          return passed(
            'not used: the endpoint is http://, so data and credentials signatures travel unencrypted.',
            'Use https:// where the store offers it, unless the network is private.',
          );
        }
        if (proxyUrl) {
          return passed(
            'through a proxy tunnel: checked by the next step (the credentials request goes over TLS).',
          );
        }
        let ca: string[] | undefined;
        try {
          ca = cfg.caBundle ? readCa(cfg.caBundle) : undefined;
        } catch (error) {
          return failed(
            `the CA bundle cannot be used: ${messageOf(error)}.`,
            'Point destination.caBundle at a readable PEM file.',
          );
        }
        try {
          const { protocol, cert } = await tlsHandshake(url, ca, signal);
          const subject = cert.subject?.CN ?? url.hostname;
          const issuer = cert.issuer?.CN ?? cert.issuer?.O ?? 'an unnamed issuer';
          return passed(
            `${protocol}; certificate for ${subject} from ${issuer}, valid until ${new Date(cert.valid_to).toISOString().slice(0, 10)}.`,
          );
        } catch (error) {
          const code = codeOf(error);
          const message = messageOf(error);
          const plain = `http://${url.host}${url.pathname === '/' ? '' : url.pathname}`;
          if (/wrong version number|packet length too long|http request/i.test(message)) {
            return failed(
              `${url.origin} speaks plain HTTP, not HTTPS.`,
              `Use ${plain} as the endpoint (http://, not https://).`,
            );
          }
          if (TLS_TRUST_CODES.has(code)) {
            return failed(
              `the store's certificate is not trusted (${code}).`,
              cfg.caBundle
                ? `${cfg.caBundle} does not hold the CA that signed it: put that CA's PEM certificate in it.`
                : "Set destination.caBundle to the PEM file of the CA that signed the store's certificate.",
            );
          }
          if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
            return failed(
              `the certificate is for another host name than ${url.hostname}.`,
              'Use the host name the certificate was issued for in the endpoint.',
            );
          }
          if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
            return failed(
              `the store's certificate is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'}.`,
              "Renew the store's certificate, and check this machine's clock.",
            );
          }
          return failed(
            `the TLS handshake failed (${code || message}).`,
            "Check that the endpoint is the store's HTTPS address.",
          );
        }
      },
    },
    {
      step: 'credentials',
      label: 'Credentials',
      run: async (signal) => {
        const c = client as S3Client;
        let keyId: string | undefined;
        try {
          keyId = (await c.config.credentials()).accessKeyId;
        } catch (error) {
          return failed(
            `no credentials found (${messageOf(error).split('\n')[0]}).`,
            'Set the access key and secret for this destination (Set credentials…, or edge-capture credentials set), or destination.credentials in the site file, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the engine.',
          );
        }
        try {
          await send(new ListBucketsCommand({}), signal);
          return passed(`the store accepted ${maskedKey(keyId)}.`);
        } catch (error) {
          const code = s3ErrorCode(error) ?? '';
          if (code === 'AccessDenied') {
            return passed(
              `the store knows ${maskedKey(keyId)} (it may not list buckets, which uploads do not need).`,
            );
          }
          if (code === 'RequestTimeTooSkewed') {
            skewFailed = true;
            return clockStopped();
          }
          if (code === 'InvalidAccessKeyId') {
            return failed(
              `the store does not know ${maskedKey(keyId)} (InvalidAccessKeyId).`,
              'Check the access key id: copy it again from the store (no spaces), and that the user still exists.',
            );
          }
          if (code === 'SignatureDoesNotMatch') {
            return failed(
              `the secret key does not match ${maskedKey(keyId)} (SignatureDoesNotMatch).`,
              'Enter the secret access key again (copy it whole, no spaces); check the region if the store is AWS.',
            );
          }
          if (code === 'ExpiredToken' || code === 'InvalidToken') {
            return failed(
              `the session token is expired or invalid (${code}).`,
              'Get new temporary credentials, or use a long-lived access key.',
            );
          }
          const status = httpStatusOf(error);
          return failed(
            `the store refused the request (${code || 'no error code'}${status ? `, HTTP ${status}` : ''}): ${messageOf(error)}.`,
            'Check the endpoint (is it an S3 store?) and the credentials.',
          );
        }
      },
    },
    {
      step: 'bucket',
      label: 'Bucket',
      run: async (signal) => {
        try {
          await send(new HeadBucketCommand({ Bucket: cfg.bucket }), signal);
          return passed(`bucket ${cfg.bucket} is there and these credentials may use it.`);
        } catch (error) {
          const status = httpStatusOf(error);
          if (status === 404 || s3ErrorCode(error) === 'NoSuchBucket') {
            return failed(
              `bucket ${cfg.bucket} does not exist at ${endpointText}.`,
              `Create bucket ${cfg.bucket} on the store, or correct the bucket name.`,
            );
          }
          if (status === 301) {
            const region = (error as { $response?: { headers?: Record<string, string> } }).$response
              ?.headers?.['x-amz-bucket-region'];
            return failed(
              `bucket ${cfg.bucket} is in another region${region ? ` (${region})` : ''}.`,
              region ? `Set the region to ${region}.` : 'Set the region the bucket is in.',
            );
          }
          if (status === 403) {
            return failed(
              `these credentials may not use bucket ${cfg.bucket} (access denied).`,
              `Grant s3:ListBucket, s3:PutObject, s3:GetObject (and s3:DeleteObject) on ${cfg.bucket} to this user, or correct the bucket name.`,
            );
          }
          return failed(`bucket ${cfg.bucket} cannot be checked: ${s3ErrorCode(error) ?? messageOf(error)}.`);
        }
      },
    },
    {
      step: 'write',
      label: 'Write a probe object',
      run: async (signal) => {
        const body = `edge-capture connection test ${new Date().toISOString()}\n`;
        try {
          const put = await send<{ VersionId?: string }>(
            new PutObjectCommand({
              Bucket: cfg.bucket,
              Key: probeKey,
              Body: body,
              ContentType: 'text/plain',
            }),
            signal,
          );
          probeWritten = { versionId: put.VersionId };
          const head = await send<{ ContentLength?: number }>(
            new HeadObjectCommand({ Bucket: cfg.bucket, Key: probeKey }),
            signal,
          );
          if (head.ContentLength !== Buffer.byteLength(body)) {
            return failedButGoOn(
              `the probe object ${probeKey} reads back as ${head.ContentLength} bytes, not ${Buffer.byteLength(body)}.`,
              'The store does not keep what it is sent: check it before uploading to it.',
            );
          }
          return passed(`wrote ${probeKey} (${Buffer.byteLength(body)} bytes) and read back its size.`);
        } catch (error) {
          const code = s3ErrorCode(error) ?? '';
          if (code === 'AccessDenied' || httpStatusOf(error) === 403) {
            return failed(
              `the store refused to write ${probeKey} (access denied).`,
              `Grant s3:PutObject on ${cfg.bucket}/${normalizePrefix(cfg.prefix)}* to this user.`,
            );
          }
          if (code === 'QuotaExceeded') {
            return failed('the store is over its quota (QuotaExceeded).', 'Raise the quota or make room.');
          }
          return failed(`writing ${probeKey} failed: ${code || messageOf(error)}.`);
        }
      },
    },
    {
      step: 'delete',
      label: 'Delete the probe object',
      run: async (signal) => {
        if (!probeWritten) return failedButGoOn('nothing to delete: the probe object was not written.');
        try {
          await send(
            new DeleteObjectCommand({
              Bucket: cfg.bucket,
              Key: probeKey,
              ...(probeWritten.versionId ? { VersionId: probeWritten.versionId } : {}),
            }),
            signal,
          );
          probeWritten = undefined;
          return passed(`deleted ${probeKey}; nothing of the test is left in the bucket.`);
        } catch (error) {
          return failedButGoOn(
            `the probe object ${probeKey} could not be deleted (${s3ErrorCode(error) ?? messageOf(error)}).`,
            `Uploads do not need s3:DeleteObject, but the probe object stays: delete ${probeKey} by hand, or grant s3:DeleteObject.`,
          );
        }
      },
    },
    {
      step: 'objectLock',
      label: 'Object Lock',
      run: async (signal) => {
        const wanted = cfg.objectLock;
        let enabled = false;
        let readable = true;
        try {
          const answer = await send<{ ObjectLockConfiguration?: { ObjectLockEnabled?: string } }>(
            new GetObjectLockConfigurationCommand({ Bucket: cfg.bucket }),
            signal,
          );
          enabled = answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
        } catch (error) {
          const code = s3ErrorCode(error) ?? '';
          readable = code === 'ObjectLockConfigurationNotFoundError' || httpStatusOf(error) === 404;
        }
        if (!wanted) {
          return passed(
            `not asked for (no Object Lock in the settings)${enabled ? `; bucket ${cfg.bucket} has it enabled` : ''}.`,
          );
        }
        const words = `${wanted.mode} retention for ${wanted.days} day(s)`;
        if (enabled) return passed(`bucket ${cfg.bucket} has Object Lock enabled: uploads get ${words}.`);
        return failedButGoOn(
          readable
            ? `bucket ${cfg.bucket} has no Object Lock, but the settings ask for ${words}: every upload would be refused.`
            : `the Object Lock set-up of bucket ${cfg.bucket} cannot be read with these credentials.`,
          readable
            ? 'Object Lock can only be turned on when a bucket is created: use a bucket created with Object Lock, or remove Object Lock from the settings.'
            : 'Grant s3:GetBucketObjectLockConfiguration, or check Object Lock on the store by hand.',
        );
      },
    },
    {
      step: 'clock',
      label: 'Clock',
      run: async () => {
        if (skewFailed) return clockStopped();
        if (!storeClock) return passed('the store sent no Date header to compare clocks with.');
        const skew = storeClock.date - storeClock.at;
        const seconds = Math.round(Math.abs(skew) / 1000);
        const words = `this machine's clock is ${seconds} s ${skew > 0 ? 'behind' : 'ahead of'} the store's`;
        if (Math.abs(skew) >= S3_SKEW_LIMIT_MS) {
          return failed(
            `${words}: the store refuses requests signed more than 15 minutes off.`,
            "Set this machine's clock right (enable NTP: timedatectl set-ntp true).",
          );
        }
        if (Math.abs(skew) >= SKEW_WARNING_MS) {
          return passed(
            `${words}; requests fail at 15 minutes.`,
            "Set this machine's clock right (enable NTP: timedatectl set-ntp true).",
          );
        }
        return passed(seconds <= 1 ? "this machine's clock agrees with the store's." : `${words} (fine).`);
      },
    },
  );
  return {
    target,
    steps,
    close: async () => {
      // The probe is ours: if a step was cut short after writing it, remove it now.
      if (probeWritten && client) {
        await client
          .send(
            new DeleteObjectCommand({
              Bucket: cfg.bucket,
              Key: probeKey,
              ...(probeWritten.versionId ? { VersionId: probeWritten.versionId } : {}),
            }),
          )
          .catch(() => undefined);
      }
      client?.destroy();
    },
  };
}
