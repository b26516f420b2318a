/** Flags and checks the master and viewer commands share. */
import type { Options, Values } from "../command.ts";
import { UsageError, UserError } from "../command.ts";
import {
  kvsFailureMessage,
  type KvsTarget,
  openSignaling,
  type OpenSignalingOptions,
  type SignalingSession,
} from "../../adapters/aws/mod.ts";

export const bindAddressOption: Options = {
  "bind-address": {
    type: "string",
    arg: "ADDRESS",
    help: "local address for WebRTC (ICE) sockets (default: 127.0.0.1 against a loopback " +
      "endpoint, else all)",
  },
};

/** A number flag within [min, max]; `fallback` when absent. */
export function numberFlag(
  values: Values,
  flag: string,
  fallback: number | undefined,
  min: number,
  max: number,
  integer = true,
): number | undefined {
  const text = values[flag] as string | undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} "${text}" must be ${
        integer ? "a whole number" : "a number"
      } from ${min} to ${max}`,
    );
  }
  return n;
}

/** Runs what connects to the target; a KVS failure closes it and becomes one line for the user. */
export async function connecting<T>(target: KvsTarget, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await target.close();
    throw new UserError(kvsFailureMessage(error) ?? (error as Error).message);
  }
}

/** Opens signaling on the target; a KVS failure becomes one line for the user. */
export function openChannel(
  target: KvsTarget,
  options: Omit<OpenSignalingOptions, "target">,
): Promise<SignalingSession> {
  return connecting(target, () => openSignaling({ target, ...options }));
}
