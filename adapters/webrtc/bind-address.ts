/**
 * Which local address ICE binds to. Against a KVS endpoint on loopback every peer of the channel
 * runs on this machine, so ICE stays on 127.0.0.1 too; elsewhere every interface, unless the
 * user names one (--bind-address).
 */
import type { KvsTarget } from "../aws/mod.ts";

export function iceBindAddress(target: KvsTarget, flag?: string): string | undefined {
  if (flag !== undefined) return flag;
  const host = new URL(target.controlPlaneUrl).hostname;
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host) ? "127.0.0.1" : undefined;
}
