/**
 * SIGINT and SIGTERM, listened for from the start of the process (main.ts imports this module
 * first): a signal that comes while a command is still starting is kept, and the command stops
 * at its next wait with the same cleanup as once it is running. Only a command that waits for
 * a stop keeps them (`untilSignal`); for the others main.ts calls `defaultStopSignals`.
 */
const signalNumbers = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof signalNumbers;

/** How long a stop may take before the process ends anyway, as if killed by the signal. */
const stopBoundMs = 5000;

let received: StopSignal | undefined;
let resolveStop: (signal: StopSignal) => void;
const stopped = new Promise<StopSignal>((resolve) => (resolveStop = resolve));

function exitBySignal(signal: StopSignal): never {
  process.exit(128 + signalNumbers[signal]);
}

function onSignal(signal: StopSignal) {
  // A second signal, or a stop stuck in a step that cannot be cut short, ends it at once.
  if (received !== undefined) exitBySignal(signal);
  received = signal;
  setTimeout(() => exitBySignal(signal), stopBoundMs).unref();
  resolveStop(signal);
}

for (const signal of Object.keys(signalNumbers) as StopSignal[]) process.on(signal, onSignal);

/** Resolves with the signal's name on the first SIGINT or SIGTERM, at once if it came already. */
export function untilSignal(): Promise<string> {
  return stopped;
}

/** For a command that never waits for a stop: the signals end it as they would by default. */
export function defaultStopSignals(): void {
  for (const signal of Object.keys(signalNumbers) as StopSignal[]) process.off(signal, onSignal);
  if (received !== undefined) exitBySignal(received);
}
