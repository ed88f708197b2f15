import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { checkServerIdentity, rootCertificates } from 'node:tls';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { S3DestinationConfig } from '../../../../shared/upload-config.ts';
import { type StoredKeysSource, storedKeysProvider } from '../../credentials/provider.ts';

export interface S3TransportSettings {
  /** Sockets idle this long (and connects that take this long) fail the request. */
  requestTimeoutMs: number;
  /** Size of the one keep-alive agent every request shares. */
  maxSockets: number;
  /** SDK attempts per request (default 3); the scheduler retries whole uploads on top. */
  maxAttempts?: number;
  /**
   * Keys stored for this destination (`<dataDir>/credentials.json`), used when the site file gives
   * neither keys nor a profile; without it such a client uses the SDK's default chain only.
   */
  storedKeys?: StoredKeysSource;
}

function configError(field: string, message: string): Error {
  return new Error(`destination.${field}: ${message}`);
}

function readCaBundle(path: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(
      'caBundle',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err}); give a PEM file`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw configError('caBundle', `${path} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
  // `ca` replaces Node's trust store: keep the public roots so AWS and public endpoints still verify.
  return [...rootCertificates, pem];
}

/** NO_PROXY entries: host names, .domain suffixes, `*`. */
function bypassesProxy(host: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter((entry) => entry !== '')
    .some(
      (entry) =>
        entry === '*' ||
        host === entry.replace(/^\./, '') ||
        host.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
    );
}

/** The proxy in force for this endpoint: the config's, else HTTPS_PROXY / HTTP_PROXY unless NO_PROXY matches. */
export function proxyFor(
  endpoint: URL,
  configured: string | undefined,
  env = process.env,
): string | undefined {
  if (configured) return configured;
  const secure = endpoint.protocol === 'https:';
  const fromEnv = secure
    ? (env['HTTPS_PROXY'] ?? env['https_proxy'] ?? env['HTTP_PROXY'] ?? env['http_proxy'])
    : (env['HTTP_PROXY'] ?? env['http_proxy']);
  if (!fromEnv) return undefined;
  return bypassesProxy(endpoint.hostname.toLowerCase(), env['NO_PROXY'] ?? env['no_proxy'])
    ? undefined
    : fromEnv;
}

function endpointUrl(cfg: S3DestinationConfig): URL {
  const raw = cfg.endpoint ?? `https://s3.${cfg.region ?? 'us-east-1'}.amazonaws.com`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    throw configError('endpoint', `"${raw}" is not an http:// or https:// URL (e.g. https://s3.example.com)`);
  }
}

/**
 * https-proxy-agent builds the TLS session to the store inside the tunnel from the request's
 * options, which the SDK makes without our `ca`; and for an IP-address endpoint it checks the
 * certificate against "localhost". Supply both.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  readonly #ca: string[] | undefined;
  constructor(
    proxy: URL,
    options: ConstructorParameters<typeof HttpsProxyAgent<string>>[1] & { ca?: string[] },
  ) {
    super(proxy, options);
    this.#ca = options.ca;
  }
  override connect(...[req, opts]: Parameters<HttpsProxyAgent<string>['connect']>) {
    if (!opts.secureEndpoint) return super.connect(req, opts);
    const host = opts.host ?? '';
    return super.connect(req, {
      ...opts,
      ...(this.#ca ? { ca: this.#ca } : {}),
      checkServerIdentity: (_servername, cert) => checkServerIdentity(host, cert),
    });
  }
}

/** The one agent all requests share: keep-alive, sized to maxSockets, with the CA bundle and proxy applied. */
function makeAgent(cfg: S3DestinationConfig, endpoint: URL, maxSockets: number): HttpAgent {
  const options = {
    keepAlive: true,
    maxSockets,
    ...(cfg.caBundle ? { ca: readCaBundle(cfg.caBundle) } : {}),
  };
  const secure = endpoint.protocol === 'https:';
  const proxy = proxyFor(endpoint, cfg.proxy);
  if (proxy !== undefined) {
    let proxyUrl: URL;
    try {
      proxyUrl = new URL(proxy);
    } catch {
      throw configError('proxy', `"${proxy}" is not a URL (e.g. http://proxy.example.com:3128)`);
    }
    // HTTPS goes through a CONNECT tunnel; plain HTTP is forwarded as absolute-URI requests (proxies often refuse CONNECT to port 80).
    return secure ? new TunnelAgent(proxyUrl, options) : new HttpProxyAgent(proxyUrl, options);
  }
  return secure ? new HttpsAgent(options) : new HttpAgent(options);
}

/** Which keys: the site file's keys, its profile, the keys stored for the destination, then the default chain. */
function credentialsOf(
  cfg: S3DestinationConfig,
  stored: StoredKeysSource | undefined,
): Pick<S3ClientConfig, 'credentials' | 'profile'> {
  const c = cfg.credentials;
  const none = stored ? { credentials: storedKeysProvider(stored) } : {};
  if (!c) return none;
  const hasKey = Boolean(c.accessKeyId);
  const hasSecret = Boolean(c.secretAccessKey);
  if (hasKey !== hasSecret) {
    throw configError(
      'credentials',
      'accessKeyId and secretAccessKey go together: set both, or neither to use a profile or the environment',
    );
  }
  if (hasKey && c.profile) {
    throw configError('credentials', 'give either accessKeyId/secretAccessKey or profile, not both');
  }
  if (hasKey) {
    return {
      credentials: {
        accessKeyId: c.accessKeyId!,
        secretAccessKey: c.secretAccessKey!,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      },
    };
  }
  // A named profile makes the SDK's default chain read ~/.aws/credentials (and skip the environment).
  return c.profile ? { profile: c.profile } : none;
}

/** An S3 client for one destination. Throws a plain Error naming the config field when the config is unusable. */
export function createS3Client(cfg: S3DestinationConfig, settings: S3TransportSettings): S3Client {
  return createS3Transport(cfg, settings).client;
}

/** The client and the HTTP handler under it, for requests made beside the SDK on the same connections. */
export function createS3Transport(
  cfg: S3DestinationConfig,
  settings: S3TransportSettings,
): { client: S3Client; handler: NodeHttpHandler } {
  const endpoint = endpointUrl(cfg);
  const agent = makeAgent(cfg, endpoint, settings.maxSockets);
  const secure = endpoint.protocol === 'https:';
  const handler = new NodeHttpHandler({
    ...(secure ? { httpsAgent: agent as HttpsAgent } : { httpAgent: agent }),
    // A connect that takes half a minute is not coming; say offline sooner than a long request timeout.
    connectionTimeout: Math.min(settings.requestTimeoutMs, 30_000),
    // An idle-socket timeout, not a deadline: a big part on a slow link may take longer, a stalled one may not.
    socketTimeout: settings.requestTimeoutMs,
  });
  const client = new S3Client({
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    region: cfg.region ?? (cfg.endpoint ? 'us-east-1' : process.env['AWS_REGION']),
    forcePathStyle: cfg.forcePathStyle ?? cfg.endpoint !== undefined,
    ...credentialsOf(cfg, settings.storedKeys),
    // We send Content-MD5 ourselves; the SDK's default trailing checksums break RGW 16.2 and many S3 clones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: settings.maxAttempts ?? 3,
    requestHandler: handler,
  });
  return { client, handler };
}

export function describeEndpoint(cfg: S3DestinationConfig): string {
  const where = cfg.prefix ? `s3://${cfg.bucket}/${cfg.prefix.replace(/^\/+/, '')}` : `s3://${cfg.bucket}`;
  return `${where} at ${cfg.endpoint ?? `AWS ${cfg.region ?? process.env['AWS_REGION'] ?? '(default region)'}`}`;
}
