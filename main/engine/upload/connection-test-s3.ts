import { randomUUID } from 'node:crypto';
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
import { messageOf, networkSteps } from './connection-test-network.ts';
import { normalizePrefix } from './destinations/object-keys.ts';
import { httpStatusOf, s3ErrorCode } from './destinations/s3-errors.ts';
import { createS3Transport, describeEndpoint, proxyFor } from './destinations/s3-transport.ts';

/** S3 refuses requests signed with a clock this far off. */
const S3_SKEW_LIMIT_MS = 15 * 60 * 1000;
/** Worth saying before it breaks. */
const SKEW_WARNING_MS = 60 * 1000;

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
  const probeKey = `${normalizePrefix(cfg.prefix)}.edge-capture/connection-test-${randomUUID()}`;
  let probeWritten: { versionId?: string } | undefined;
  let skewFailed = false;

  /** One SDK command (any of them) on our client, cut off by the step's signal. */
  const send = <T = unknown>(command: object, signal: AbortSignal): Promise<T> =>
    (client as unknown as { send(c: object, o: object): Promise<T> }).send(command, { abortSignal: signal });

  const deleteProbe = (written: { versionId?: string }) =>
    new DeleteObjectCommand({
      Bucket: cfg.bucket,
      Key: probeKey,
      ...(written.versionId ? { VersionId: written.versionId } : {}),
    });

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
    ...networkSteps({ url, proxyUrl, endpointText, caBundle: cfg.caBundle }),
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
          await send(deleteProbe(probeWritten), signal);
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
        await client.send(deleteProbe(probeWritten)).catch(() => undefined);
      }
      client?.destroy();
    },
  };
}
