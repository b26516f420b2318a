/**
 * Credentials from the AWS IoT credentials provider: the device's X.509 certificate and key
 * authenticate it over mutual TLS, and a role alias names the IAM role whose temporary
 * credentials come back. node:https carries the client certificate on both Deno and Bun.
 */
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import type { CredentialSource } from "../../core/aws/credential-cache.ts";
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { CredentialError } from "./credential-error.ts";
import {
  iotCredentialsPath,
  parseIotCredentials,
  thingNameHeader,
} from "../../core/aws/iot-credentials.ts";

export interface IotCredentialSettings {
  /** `<prefix>.credentials.iot.<region>.amazonaws.com`, or an https:// URL (with a port locally). */
  endpoint: string;
  thingName: string;
  roleAlias: string;
  /** PEM files. */
  certPath: string;
  privateKeyPath: string;
  /** CA bundle that signed the endpoint's certificate; the system roots when absent. */
  caPath?: string;
  timeoutMs?: number;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new CredentialError(
      `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

/** Codes with which a TLS client learns that the server did not trust its certificate. */
const refusedClientCertificate =
  /ECONNRESET|EPIPE|ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_(UNKNOWN|REQUIRED|REVOKED|EXPIRED)|DECRYPT_ERROR|ACCESS_DENIED)|BadCertificate|UnknownCA|CertificateRequired/i;
const untrustedServer =
  /UNABLE_TO_VERIFY|SELF_SIGNED|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME|UnknownIssuer|invalid peer certificate/i;

export function iotCredentialSource(settings: IotCredentialSettings): CredentialSource {
  const base = new URL(
    /^https:\/\//.test(settings.endpoint) ? settings.endpoint : `https://${settings.endpoint}`,
  );
  const description = `AWS IoT role alias ${settings.roleAlias} at ${base.host}`;
  return {
    description,
    async load(): Promise<AwsCredentials> {
      const [cert, key, ca] = await Promise.all([
        readPem(settings.certPath, "IoT certificate"),
        readPem(settings.privateKeyPath, "IoT private key"),
        settings.caPath ? readPem(settings.caPath, "IoT CA file") : undefined,
      ]);
      const { status, body } = await getOverMutualTls(base, settings, { cert, key, ca });
      if (status !== 200) {
        let message = body.trim().slice(0, 200);
        try {
          message = JSON.parse(body).message ?? message;
        } catch {
          // keep the raw text
        }
        throw new CredentialError(
          `${description} refused credentials for thing ${settings.thingName}: HTTP ${status}` +
            (message ? ` ${message}` : ""),
        );
      }
      try {
        return parseIotCredentials(body);
      } catch (err) {
        throw new CredentialError(`${description}: ${(err as Error).message}`);
      }
    },
  };
}

function getOverMutualTls(
  base: URL,
  settings: IotCredentialSettings,
  tls: { cert: string; key: string; ca?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: base.hostname,
      port: base.port || 443,
      path: iotCredentialsPath(settings.roleAlias),
      method: "GET",
      headers: { [thingNameHeader]: settings.thingName, accept: "application/json" },
      cert: tls.cert,
      key: tls.key,
      ...(tls.ca ? { ca: tls.ca } : {}),
      agent: false,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.setTimeout(settings.timeoutMs ?? 7_000, () => {
      req.destroy(new Error(`no answer within ${settings.timeoutMs ?? 7_000} ms`));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      const text = `${err.code ?? ""} ${err.message}`;
      if (untrustedServer.test(text)) {
        reject(
          new CredentialError(
            `the IoT credentials endpoint ${base.host} presented a certificate that is not trusted` +
              ` (${err.message}); give the CA that signed it with --iot-ca`,
          ),
        );
      } else if (refusedClientCertificate.test(text)) {
        reject(
          new CredentialError(
            `the IoT credentials endpoint ${base.host} refused the client certificate ` +
              `${settings.certPath} during the TLS handshake (${err.code ?? err.message}): ` +
              `it is not signed by a CA the endpoint trusts, or not registered`,
          ),
        );
      } else {
        reject(
          new CredentialError(
            `cannot reach the IoT credentials endpoint ${base.host}: ${err.message}`,
          ),
        );
      }
    });
    req.end();
  });
}
