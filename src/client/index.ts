// The public surface. Everything a user may import is exported here, and test/exports.test.ts pins the list.
// `paths`, `operations` and `components` are the generated types as openapi-fetch reads them (readOnly and
// writeOnly fields wrapped in `$Read`/`$Write` markers); read and write types without markers are below.
export type { components, operations, paths } from "../../generated/schema.ts";
export {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  ParadigmAbortError,
  ParadigmAPIError,
  ParadigmConfigError,
  ParadigmConnectionError,
  ParadigmError,
  ParadigmTimeoutError,
  ParadigmValidationError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  type ValidationIssue,
} from "../core/errors.ts";
export type { MediaType } from "../spec/encode.ts";
export {
  createParadigmClient,
  type Feedback,
  type FeedbackInput,
  type ParadigmApi,
  type ParadigmClient,
  type RateMediaType,
  type RateOperation,
  type RateOptions,
  type RatePathParams,
  type RateResult,
  type ReadSchema,
  type SchemaName,
  type WriteSchema,
} from "./client.ts";
export { DEFAULT_BASE_URL, type Logger, type LogLevel, type ParadigmClientOptions, type RequestOptions } from "./options.ts";
