/** The one runtime detector: everything else asks this module, never `Deno`/`Bun` directly. */
import type { Runtime } from "./types.ts";
export type * from "./types.ts";

let chosen: Promise<Runtime> | undefined;

export function runtime(): Promise<Runtime> {
  chosen ??= "Deno" in globalThis
    ? import("./deno.ts").then((m) => m.denoRuntime)
    : import("./bun.ts").then((m) => m.bunRuntime);
  return chosen;
}
