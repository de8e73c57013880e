/**
 * Stands in for the `assistant-cloud` SDK in the browser bundle (next.config.ts aliases it here).
 * assistant-ui's local runtime links its hosted-cloud adapter, which this app never uses: threads
 * live in the app's own database, and the inner runtime's adapter is ignored under our thread list.
 * The SDK is constructed only when NEXT_PUBLIC_ASSISTANT_BASE_URL is set, which nothing here does;
 * should anything use it anyway, it fails loudly rather than calling a third-party service.
 */
function unavailable(): never {
  throw new Error("assistant-cloud is not part of Threadkeeper");
}

export class AssistantCloud {
  constructor() {
    unavailable();
  }
}
export class CloudEngagementReporter extends AssistantCloud {}
export class CloudMessagePersistence extends AssistantCloud {}
export class CloudRunReporter extends AssistantCloud {}

export const readAnonymousRefreshToken = unavailable;
export const createFormattedPersistence = unavailable;
export const createRunTelemetryToolCall = unavailable;
export const deriveRunOutcome = unavailable;
export const describeRunError = unavailable;
export const extractRunTelemetryModelId = unavailable;
export const normalizeRunTelemetryUsage = unavailable;
export const truncateRunTelemetryText = unavailable;
export const extractAISDKRunTelemetry = unavailable;
