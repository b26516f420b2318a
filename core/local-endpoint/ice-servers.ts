/**
 * GetIceServerConfig's IceServerList (spec §3.1): always at least one entry, each with Uris,
 * Username, Password and an integer Ttl over 30 s (the C SDK refuses anything else). Credentials
 * are time-limited in the coturn REST style: Username `<expiry epoch s>:<user>`, Password
 * base64(HMAC-SHA1(shared secret, Username)), which a TURN server with the same secret accepts.
 */
export interface TurnSettings {
  /** e.g. `turn:127.0.0.1:3478`; without `?transport=` both UDP and TCP URIs are handed out. */
  url: string;
  secret: string;
}

export interface IceServer {
  Uris: string[];
  Username: string;
  Password: string;
  Ttl: number;
}

export const iceServerTtlSeconds = 300;

export async function restCredentials(
  secret: string,
  user: string,
  expiresAtSeconds: number,
): Promise<{ username: string; password: string }> {
  const username = `${expiresAtSeconds}:${user}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)),
  );
  return { username, password: btoa(String.fromCharCode(...mac)) };
}

function turnUris(url: string): string[] {
  if (url.includes("?transport=")) return [url];
  return [`${url}?transport=udp`, `${url}?transport=tcp`];
}

export async function iceServerList(options: {
  stunUrl: string;
  /** Signs the STUN entry's credentials when no TURN server is configured. */
  localSecret: string;
  turn?: TurnSettings;
  channelArn: string;
  nowMs: number;
}): Promise<IceServer[]> {
  const expires = Math.floor(options.nowMs / 1000) + iceServerTtlSeconds;
  // Like the service: the user part names the channel, base64("v1:" + ARN).
  const user = btoa(`v1:${options.channelArn}`);
  const stun = await restCredentials(options.localSecret, user, expires);
  const list: IceServer[] = [{
    Uris: [options.stunUrl],
    Username: stun.username,
    Password: stun.password,
    Ttl: iceServerTtlSeconds,
  }];
  if (options.turn) {
    const turn = await restCredentials(options.turn.secret, user, expires);
    list.push({
      Uris: turnUris(options.turn.url),
      Username: turn.username,
      Password: turn.password,
      Ttl: iceServerTtlSeconds,
    });
  }
  return list;
}
