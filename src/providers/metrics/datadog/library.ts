import type * as ddCommon from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js';
import type * as ddLogsApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/LogsApi.js';
import type * as ddMetricsApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js';
import type * as ddRumApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/RUMApi.js';
import type * as ddAuthApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js';

/*
 * The library is big: its entry point loads every model of every API of v1
 * and v2 (~1.8 s of CPU and ~110 MB of RSS). Only the modules used are
 * imported, by path (the package has no `exports` map, so its files are its
 * API): the common client, and the v2 metrics, logs and RUM APIs, which
 * still bring the v2 serializer and its models (~1.1 s, ~75 MB); the v1
 * authentication API (key validation, after an auth failure) only when it is
 * first needed. They are imported on first use, so CLI commands that never
 * query Datadog (validate, status, operator commands) do not pay for them;
 * the controller calls preloadDatadogLibrary() at start, so the first check
 * does not wait for the load either (a breach seen by that check would).
 */

export interface DatadogLibrary {
  readonly client: typeof ddCommon;
  readonly MetricsApi: typeof ddMetricsApi.MetricsApi;
  readonly LogsApi: typeof ddLogsApi.LogsApi;
  readonly RUMApi: typeof ddRumApi.RUMApi;
}

let library: Promise<DatadogLibrary> | undefined;
export const loadLibrary = (): Promise<DatadogLibrary> =>
  (library ??= Promise.all([
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/LogsApi.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/RUMApi.js'),
  ]).then(([client, metrics, logs, rum]) => ({
    client,
    MetricsApi: metrics.MetricsApi,
    LogsApi: logs.LogsApi,
    RUMApi: rum.RUMApi,
  })));

let authLibrary: Promise<typeof ddAuthApi> | undefined;
export const loadAuthLibrary = (): Promise<typeof ddAuthApi> =>
  (authLibrary ??=
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js'));

/**
 * Starts loading the client library now, in the background. A failure is not
 * reported here: the first query reports it (as an error measurement).
 */
export function preloadDatadogLibrary(): void {
  loadLibrary().catch(() => undefined);
}
