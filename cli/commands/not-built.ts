import { UserError } from "../command.ts";

/** For a subcommand whose parts are not built yet: say so, exit non-zero, print nothing fake. */
export function notBuiltYet(name: string): () => Promise<number> {
  return () =>
    Promise.reject(
      new UserError(
        `"${name}" is not built yet in this version (master, viewer, metrics and serve are)`,
      ),
    );
}
