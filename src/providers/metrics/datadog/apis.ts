import type * as ddCommon from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js';
import type * as ddLogsApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/LogsApi.js';
import type * as ddMetricsApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js';
import type * as ddRumApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/RUMApi.js';
import type * as ddAuthApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js';
import { loadAuthLibrary, loadLibrary } from './library.js';
import { FetchHttpLibrary, type AttemptObserver, type DatadogKeys } from './transport.js';

/*
 * The official API classes, configured for one client: our transport
 * (transport.ts), the site or a base URL, the keys, and no library retries.
 * The library is loaded on first use (library.ts).
 */

export interface Apis {
  readonly configuration: ddCommon.Configuration;
  readonly metrics: ddMetricsApi.MetricsApi;
  readonly logs: ddLogsApi.LogsApi;
  readonly rum: ddRumApi.RUMApi;
}

export interface ApiSettings {
  readonly site: string;
  /** without a trailing slash; undefined: https://api.<site> */
  readonly baseUrl: string | undefined;
  readonly keys: DatadogKeys;
  readonly fetch?: typeof fetch | undefined;
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number | undefined;
  readonly observer: AttemptObserver;
}

export async function createApis(s: ApiSettings): Promise<Apis> {
  const { client, MetricsApi, LogsApi, RUMApi } = await loadLibrary();
  const configuration = client.createConfiguration({
    // the transport sets both headers again on every request from the current (rotated) values
    authMethods: { apiKeyAuth: s.keys.api.get(), appKeyAuth: s.keys.app.get() },
    httpApi: new FetchHttpLibrary({
      keys: s.keys,
      ResponseContext: client.ResponseContext,
      fetch: s.fetch,
      timeoutMs: s.timeoutMs,
      maxResponseBytes: s.maxResponseBytes,
      observer: s.observer,
    }),
    // retries are the client's own (client.ts): the library's would ignore the gate and the retry budget
    enableRetry: false,
    ...(s.baseUrl ? { baseServer: new client.BaseServerConfiguration(s.baseUrl, {}) } : {}),
  });
  if (!s.baseUrl) configuration.setServerVariables({ site: s.site });
  return {
    configuration,
    metrics: new MetricsApi(configuration),
    logs: new LogsApi(configuration),
    rum: new RUMApi(configuration),
  };
}

/** The v1 authentication API on the same configuration (loaded only after an auth failure). */
export async function createAuthApi(apis: Promise<Apis>): Promise<ddAuthApi.AuthenticationApi> {
  const [{ configuration }, { AuthenticationApi }] = await Promise.all([apis, loadAuthLibrary()]);
  return new AuthenticationApi(configuration);
}
