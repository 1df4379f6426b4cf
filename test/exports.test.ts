// Pins the public surface: adding or removing an export must be a deliberate change to this list.
import { expect, it } from "vitest";
import * as api from "../src/client/index.ts";

it("exports exactly the documented runtime values", () => {
  expect(Object.keys(api).sort()).toEqual([
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "InternalServerError",
    "NotFoundError",
    "ParadigmAPIError",
    "ParadigmAbortError",
    "ParadigmConfigError",
    "ParadigmConnectionError",
    "ParadigmError",
    "ParadigmTimeoutError",
    "ParadigmValidationError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "createParadigmClient",
  ]);
});

it("paradigm-client/handler exports exactly its documented runtime values", async () => {
  const handler = await import("../src/handler/index.ts");
  expect(Object.keys(handler).sort()).toEqual(["createFeedbackHandler", "memoryUsesStore", "signFeedbackToken", "toNodeListener"]);
});

it("paradigm-client/browser exports exactly sendFeedback and FeedbackError", async () => {
  const browser = await import("../src/browser/index.ts");
  expect(Object.keys(browser).sort()).toEqual(["FeedbackError", "sendFeedback"]);
});
