// What queue.ts and worker.ts share: a row as the item the API returns, how a user's hook is called, and the
// tracking of work whose hooks drained() waits for.
import type { FeedbackInput, RatePathParams } from "../client/client.ts";
import type { PostgresFeedback } from "./index.ts";

type FeedbackTypeId = RatePathParams["feedback_type_id"];
type CompletionId = RatePathParams["completion_id"];

/**
 * A failed settle (recording an outcome) is retried after these delays; past them the row stays in flight and its
 * lease decides. LEASE_MARGIN_MS (queue.ts) is derived from them, so a lease always outlasts these retries.
 */
export const SETTLE_DELAYS_MS: readonly number[] = [200, 1000];

/** A row (id, path, feedback, ref, attempts) as the item the API returns. */
export function itemOf(r: Record<string, unknown>): PostgresFeedback {
  const path = r.path as { feedback_type_id: FeedbackTypeId; completion_id: CompletionId };
  return {
    id: String(r.id),
    feedbackTypeId: path.feedback_type_id,
    completionId: path.completion_id,
    feedback: r.feedback as FeedbackInput,
    ref: (r.ref ?? undefined) as string | number | undefined,
    attempts: Number(r.attempts),
  };
}

/** Runs a user's hook; a throw is re-thrown asynchronously, so it cannot stop delivery. */
export function call(f: () => void): void {
  try {
    f();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/** Keeps `p` in `pending` until it settles: drained() waits for what this queue object still has to report. */
export function track(pending: Set<Promise<unknown>>, p: Promise<unknown>): void {
  const settled = p.then(
    () => undefined,
    () => undefined,
  );
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
}
