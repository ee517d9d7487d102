/** What {@link onShutdownSignal} listens on. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** A pending shutdown request. */
export interface ShutdownSignal {
  /** Resolves with the first SIGTERM or SIGINT. */
  readonly requested: Promise<NodeJS.Signals>;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Resolves on the first SIGTERM or SIGINT. A second signal calls `onRepeat` (the CLI exits at once
 * with code 1, so a stuck shutdown can still be cut short with a second Ctrl-C).
 */
export function onShutdownSignal(source: SignalSource, onRepeat: (signal: NodeJS.Signals) => void): ShutdownSignal {
  let first: NodeJS.Signals | undefined;
  let resolveRequested!: (signal: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((resolve) => {
    resolveRequested = resolve;
  });
  const listener = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      resolveRequested(signal);
    } else onRepeat(signal);
  };
  source.on('SIGTERM', listener);
  source.on('SIGINT', listener);
  return {
    requested,
    dispose() {
      source.off('SIGTERM', listener);
      source.off('SIGINT', listener);
    },
  };
}

/** Resolves with `'timeout'` after `ms`, unless cancelled (the timer keeps the process alive until then). */
export function deadline(ms: number): { readonly expired: Promise<'timeout'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return { expired, cancel: () => clearTimeout(timer) };
}
