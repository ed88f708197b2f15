import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, connect as netConnect } from 'node:net';
import { type PeerCertificate, rootCertificates, connect as tlsConnect } from 'node:tls';
import { failed, type PlannedStep, passed } from './connection-test.ts';

/**
 * The first checks of a connection test, below S3: the host name resolves, a TCP connection opens,
 * and TLS verifies (https). Each failure names the likely cause in the operator's words.
 */

/** Where the requests go, as the S3 checks worked it out from the destination's settings. */
export interface NetworkRoute {
  /** The store's endpoint, when it is an http:// or https:// address. */
  url: URL | undefined;
  /** The proxy our connection goes through, if one applies to this endpoint. */
  proxyUrl: URL | null;
  /** The endpoint as shown in messages. */
  endpointText: string;
  /** destination.caBundle: a PEM file of the CA the store's certificate is checked against. */
  caBundle: string | undefined;
}

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
export const messageOf = (error: unknown): string => (error as Error | undefined)?.message ?? String(error);

/** The DNS, TCP and TLS steps, to or through the proxy when there is one. */
export function networkSteps(route: NetworkRoute): PlannedStep[] {
  const { url, proxyUrl, endpointText } = route;
  /** Where our TCP connection goes: the store, or the proxy in between. */
  const hop = proxyUrl ?? url;
  const viaProxy = proxyUrl ? ` (through the proxy ${proxyUrl.origin})` : '';
  return [
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
          ca = route.caBundle ? readCa(route.caBundle) : undefined;
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
              route.caBundle
                ? `${route.caBundle} does not hold the CA that signed it: put that CA's PEM certificate in it.`
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
  ];
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
