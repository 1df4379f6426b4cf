// The queue-wide pause, apart from delivery: a 429 or 503's Retry-After (or the backoff when none is given)
// is about this client, not one request, so every worker waits it out before its next request.
export class QueuePause {
  #pause: Promise<void> | undefined;
  #end = 0;
  #ctl = new AbortController();

  constructor(readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>) {}

  /** The pause under way, if any: workers await it (again, as it may be extended) before each request. */
  get current(): Promise<void> | undefined {
    return this.#pause;
  }

  // A later, longer Retry-After extends the pause; a shorter one does not shorten it.
  pauseFor(ms: number): void {
    const end = Date.now() + ms;
    if (this.#pause && end <= this.#end) return;
    this.#end = end;
    const p: Promise<void> = this.sleep(ms, this.#ctl.signal).then(
      () => {
        if (this.#pause === p) this.#pause = undefined;
      },
      () => {
        if (this.#pause === p) this.#pause = undefined;
      },
    );
    this.#pause = p;
  }

  /** Ends the pause for good (stop()): the sleep's signal aborts it. */
  abort(): void {
    this.#ctl.abort();
  }
}
