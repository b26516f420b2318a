/** Where a component reports what happens; the CLI decides what is printed and how. */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** For library use and tests that do not care. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
