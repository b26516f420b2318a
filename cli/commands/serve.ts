import { printLine } from "../output.ts";
import { readFileSync } from "node:fs";
import type { Command, Values } from "../command.ts";
import { UsageError, UserError } from "../command.ts";
import { helpOption } from "../shared-options.ts";
import { numberFlag } from "./media-options.ts";
import { untilSignal } from "../stop-signal.ts";
import { consoleLog } from "../console-log.ts";
import { defaultStoreMaxBytes } from "../../core/fragments/fragment-store.ts";
import {
  defaultRegion,
  localCredentialPair,
  type LocalEndpointOptions,
  startLocalEndpoint,
} from "../../adapters/local/mod.ts";

type Env = Record<string, string | undefined>;

/** Both flags of a pair or neither: half of one is a usage error. */
function pair(values: Values, a: string, b: string): [string, string] | undefined {
  const first = values[a] as string | undefined;
  const second = values[b] as string | undefined;
  if ((first === undefined) !== (second === undefined)) {
    throw new UsageError(`--${a} and --${b} go together; give both or neither`);
  }
  return first === undefined ? undefined : [first, second!];
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(`${flag} ${path}: ${(error as Error).message}`);
  }
}

const megabytes = (mb: number | undefined) => (mb === undefined ? undefined : mb * 1024 * 1024);

/** The endpoint options a `serve` command line asks for. */
export function serveOptions(values: Values, env: Env = process.env): LocalEndpointOptions {
  const tls = pair(values, "tls-cert", "tls-key");
  const portText = values.port as string | undefined;
  const port = portText === undefined ? (tls ? 443 : 8080) : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port "${portText}" is not a port number (0-65535; 0 picks a free one)`);
  }
  const keys = pair(values, "access-key-id", "secret-access-key") ??
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY]
      : undefined);
  const turn = pair(values, "turn-url", "turn-secret");
  if (turn && !/^turns?:/.test(turn[0])) {
    throw new UsageError(`--turn-url "${turn[0]}" must start with turn: or turns:`);
  }
  const region = (values.region as string | undefined) ??
    (env.AWS_REGION || env.AWS_DEFAULT_REGION ||
      defaultRegion);
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new UsageError(`--region "${region}" is not a region name`);
  }
  return {
    hostname: (values.host as string | undefined) ?? "127.0.0.1",
    port,
    tls: tls
      ? { cert: readPem(tls[0], "--tls-cert"), key: readPem(tls[1], "--tls-key") }
      : undefined,
    dataDir: values["data-dir"] as string | undefined,
    region,
    credentials: keys ? { accessKeyId: keys[0], secretAccessKey: keys[1] } : undefined,
    turn: turn ? { url: turn[0], secret: turn[1] } : undefined,
    storeMaxBytes: megabytes(numberFlag(values, "store-max-mb", undefined, 1, 1_000_000)),
    testSignalingDelayMs: numberFlag(values, "test-signaling-delay-ms", undefined, 0, 10_000),
  };
}

export const serve: Command = {
  name: "serve",
  summary: "run the local KVS-compatible endpoint on its own",
  usage: "kvsrtc serve [--host 127.0.0.1] [--port N] [options]",
  waitsForStop: true,
  options: {
    host: { type: "string", arg: "ADDRESS", help: "address to bind (default 127.0.0.1)" },
    port: {
      type: "string",
      arg: "N",
      help: "TCP port (default 8080, 443 with TLS; 0 picks a free one)",
    },
    "tls-cert": { type: "string", arg: "FILE", help: "PEM certificate: serve https:// and wss://" },
    "tls-key": { type: "string", arg: "FILE", help: "PEM private key of --tls-cert" },
    "data-dir": {
      type: "string",
      arg: "DIR",
      help: "keep channels, streams and the streams' fragments (media) here across restarts",
    },
    "store-max-mb": {
      type: "string",
      arg: "MB",
      help: `fragments held over all streams, in memory and in --data-dir; past it the oldest go ` +
        `(default ${defaultStoreMaxBytes / 1024 / 1024})`,
    },
    region: {
      type: "string",
      arg: "REGION",
      help:
        `region in ARNs and signatures (else AWS_REGION / AWS_DEFAULT_REGION, else ${defaultRegion})`,
    },
    "access-key-id": {
      type: "string",
      arg: "ID",
      help: "the access key clients must sign with (else AWS_ACCESS_KEY_ID, else the local pair)",
    },
    "secret-access-key": { type: "string", arg: "SECRET", help: "its secret" },
    "turn-url": {
      type: "string",
      arg: "URL",
      help: "TURN server to hand out, e.g. turn:HOST:3478",
    },
    "turn-secret": {
      type: "string",
      arg: "SECRET",
      help: "its shared secret (coturn static-auth-secret)",
    },
    "test-signaling-delay-ms": {
      type: "string",
      arg: "MS",
      help: "FOR TESTING: deliver every relayed signaling message MS ms late (one way), to " +
        "reproduce a real service's latency on loopback (default 0)",
    },
    ...helpOption,
  },
  epilog: "With no credentials given, clients sign with the documented local pair\n" +
    `  AWS_ACCESS_KEY_ID=${localCredentialPair.accessKeyId} AWS_SECRET_ACCESS_KEY=${localCredentialPair.secretAccessKey}\n` +
    "which is accepted only while the endpoint is bound to a loopback address.\n" +
    "Stored streams play in a browser at URL/recordings (hls.js), or in ffplay or VLC given the\n" +
    "URL GetHLSStreamingSessionURL returns (no signature needed: its token is the credential).",
  async run(values) {
    const options = serveOptions(values);
    let endpoint;
    try {
      // Its storage sessions say when they connect and end, with what they stored.
      endpoint = await startLocalEndpoint({ ...options, log: consoleLog("info") });
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const local = options.credentials === undefined;
    printLine(`kvsrtc serve: local KVS endpoint at ${endpoint.url} (region ${endpoint.region})`);
    printLine(`  STUN ${endpoint.stunUrl}${options.turn ? `, TURN ${options.turn.url}` : ""}`);
    printLine(
      local
        ? `  credentials: the local pair: AWS_ACCESS_KEY_ID=${endpoint.credentials.accessKeyId} ` +
          `AWS_SECRET_ACCESS_KEY=${endpoint.credentials.secretAccessKey}`
        : `  credentials: access key ${endpoint.credentials.accessKeyId} (the one given)`,
    );
    printLine(`  recordings: ${endpoint.url}/recordings (HLS; ffplay or VLC open a session URL)`);
    printLine(
      `  clients: --endpoint-url ${endpoint.url} --region ${endpoint.region}` +
        (options.dataDir ? `; state kept in ${options.dataDir}` : ""),
    );
    printLine(
      `  streams: data endpoint ${endpoint.url} (GetDataEndpoint answers it) for ` +
        endpoint.streamOperations.join(", "),
    );
    const signal = await untilSignal();
    await endpoint.stop({ graceMs: 500 });
    printLine(`kvsrtc serve: ${signal}: sent GO_AWAY to signaling clients and stopped`);
    return 0;
  },
};
