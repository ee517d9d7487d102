const MAX_TIMER_MS = 2_147_483_647;

/** The signal of one batch: aborted by the caller's signal or at the deadline. */
export interface BatchSignal {
  /** What handlers and retries see. */
  readonly signal: AbortSignal;
  /**
   * Set when the caller's signal aborts: a plain field, read before each unit starts (reading
   * `AbortSignal.aborted` there costs more than a small record's own work).
   */
  readonly externalAbort: { readonly aborted: boolean };
  /** Removes the listener and the timer. */
  dispose(): void;
}

/** One signal for handlers and retries: aborted by `external` or when `deadline` (epoch ms) passes. */
export function batchSignal(external: AbortSignal | undefined, deadline: number | undefined): BatchSignal {
  const controller = new AbortController();
  const externalAbort = { aborted: false };
  const onAbort = () => {
    externalAbort.aborted = true;
    controller.abort(external?.reason);
  };
  if (external?.aborted) onAbort();
  else external?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (deadline !== undefined && !controller.signal.aborted) {
    const wait = deadline - Date.now();
    const expire = () => controller.abort(new Error(`batch deadline ${new Date(deadline).toISOString()} passed`));
    if (wait <= 0) expire();
    else if (wait <= MAX_TIMER_MS) {
      timer = setTimeout(expire, wait);
      timer.unref?.();
    }
  }
  return {
    signal: controller.signal,
    externalAbort,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      external?.removeEventListener('abort', onAbort);
    },
  };
}
