// Hooks report what the table records: an item reaped while its request ran is reported once by the reaper, and a
// late answer only adds a hook call when it changes the row (a late 200 records the truth: delivered).
import { afterAll, describe, expect, it } from "vitest";
import { newPool, reapedMidRequest } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

async function reapedWhileRunning(status: number) {
  const events: string[] = [];
  const { table, id, outbox, worker, server } = await reapedMidRequest(
    pool,
    { status, delayMs: 600 },
    {
      onDelivered: (i) => events.push(`delivered ${i.id}`),
      onError: (i, e) => events.push(`held ${i.id} ${e.name}`),
    },
  );
  await worker.stop();
  await server.close();
  const { rows } = await pool.query(`SELECT status FROM "${table}" WHERE id = $1`, [id]);
  return { id, events, status: rows[0].status as string, failed: (await outbox.failed()).length };
}

describe("hooks after a lease ended", () => {
  it("a late refusal (400) of a reaped item calls no hook: the reaper's LeaseExpired is the only report", async () => {
    const r = await reapedWhileRunning(400);
    expect(r.events).toEqual([`held ${r.id} LeaseExpired`]);
    expect(r.status).toBe("unknown");
  });

  it("a late 200 of a reaped item records it as delivered (the truth) and calls onDelivered once", async () => {
    const r = await reapedWhileRunning(200);
    expect(r.events).toEqual([`held ${r.id} LeaseExpired`, `delivered ${r.id}`]);
    expect(r.status).toBe("delivered");
    expect(r.failed).toBe(0);
  });
});
