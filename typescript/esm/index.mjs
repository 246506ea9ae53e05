// ESM entry point of @everruns/sdk. It re-exports the CommonJS build so that `import` and
// `require` share ONE copy of every class (no dual-package hazard: `instanceof` works across
// both). test/package.test.mjs checks that this list matches the CommonJS exports.
import cjs from "../dist/index.js";

export const {
  Everruns,
  AgentsClient,
  SessionsClient,
  MessagesClient,
  EventsClient,
  EventStream,
  isEventType,
  PageRequest,
  FilesystemClient,
  CapabilitiesClient,
  HarnessesClient,
  ModelsClient,
  PulledStream,
  EverrunsError,
  ApiError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  NetworkError,
  TlsError,
  TimeoutError,
  EverrunsTimeoutError,
  StreamError,
  DecodeError,
  ConfigurationError,
  AbortError,
  ClientClosedError,
  TurnFailedError,
  AgentClient,
  AGENT_OPERATIONS,
  ContentPart,
  extractToolCalls,
  VERSION,
} = cjs;

export default cjs;
