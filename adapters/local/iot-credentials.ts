/**
 * The local endpoint's AWS IoT credentials provider (spec §7): GET
 * /role-aliases/<alias>/credentials with `x-amzn-iot-thingname`, over mutual TLS. The client
 * certificate is really checked: the TLS handshake refuses any certificate not signed by the
 * configured device CA. Each answer is a fresh set of temporary credentials that the local
 * endpoint accepts until they expire (then they are forgotten, as AWS forgets expired tokens).
 * node:https is used because it can demand client certificates on both Deno and Bun.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { formatIotCredentials, thingNameHeader } from "../../core/aws/iot-credentials.ts";

export interface IotCredentialsEndpointOptions {
  hostname?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** PEM text: this endpoint's certificate and key, and the CA that signs device certificates. */
  tls: { cert: string; key: string; deviceCa: string };
  /** Role alias -> how long the credentials it vends live (AWS: 900-43200 s; tests use a few). */
  roleAliases: Record<string, { credentialLifetimeSeconds: number }>;
  /** When given, only these things may ask. */
  thingNames?: string[];
  /** The local endpoint's accepted credentials: vended ones are added here and removed on expiry. */
  acceptedCredentials: Map<string, Omit<AwsCredentials, "expiration">>;
}

export interface IotCredentialsEndpoint {
  /** https://127.0.0.1:<port>: what --iot-credential-endpoint takes. */
  url: string;
  /** Credential sets vended so far. */
  readonly vended: number;
  stop(): Promise<void>;
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomText(length: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

function randomBase64(bytes: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
}

export function startIotCredentialsEndpoint(
  options: IotCredentialsEndpointOptions,
): Promise<IotCredentialsEndpoint> {
  const accepted = options.acceptedCredentials;
  const expiries = new Map<string, number>();
  let vended = 0;

  function reply(res: ServerResponse, status: number, body: string) {
    res.writeHead(status, {
      "content-type": "application/json",
      date: new Date().toUTCString(),
      "x-amzn-requestid": crypto.randomUUID(),
    });
    res.end(body);
  }

  function forgetExpired() {
    const now = Date.now();
    for (const [id, expiry] of expiries) {
      if (expiry <= now) {
        expiries.delete(id);
        accepted.delete(id);
      }
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    forgetExpired();
    const match = /^\/role-aliases\/([^/?]+)\/credentials(\?.*)?$/.exec(req.url ?? "");
    if (req.method !== "GET" || !match) {
      return reply(res, 404, JSON.stringify({ message: "Not found" }));
    }
    const alias = decodeURIComponent(match[1]);
    const thing = req.headers[thingNameHeader];
    if (typeof thing !== "string" || thing === "" || thing.length > 128) {
      return reply(res, 400, JSON.stringify({ message: `Missing or invalid ${thingNameHeader}` }));
    }
    if (options.thingNames && !options.thingNames.includes(thing)) {
      return reply(res, 403, JSON.stringify({ message: `Thing ${thing} is not authorized` }));
    }
    const role = options.roleAliases[alias];
    if (!role) return reply(res, 404, JSON.stringify({ message: "Role alias does not exist" }));
    // Whole seconds: the documented expiration format has none.
    const expiration = new Date(
      Math.ceil((Date.now() + role.credentialLifetimeSeconds * 1000) / 1000) * 1000,
    );
    const credentials = {
      accessKeyId: `ASIA${randomText(16, alphanumeric)}`,
      secretAccessKey: randomBase64(30),
      sessionToken: randomBase64(96),
    };
    accepted.set(credentials.accessKeyId, credentials);
    expiries.set(credentials.accessKeyId, expiration.getTime());
    vended++;
    reply(res, 200, formatIotCredentials({ ...credentials, expiration }));
  }

  const server = createServer({
    cert: options.tls.cert,
    key: options.tls.key,
    ca: options.tls.deviceCa,
    requestCert: true,
    rejectUnauthorized: true,
  }, handle);
  // Expired credentials must stop working even when nobody asks for new ones.
  const sweeper = setInterval(forgetExpired, 500);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.hostname ?? "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      const host = options.hostname ?? "127.0.0.1";
      resolve({
        url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
        get vended() {
          return vended;
        },
        stop: () =>
          new Promise<void>((done) => {
            clearInterval(sweeper);
            for (const id of expiries.keys()) accepted.delete(id);
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}
