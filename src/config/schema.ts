import { z } from 'zod';

/*
 * config/stagegate.yaml (DESIGN.md §6). Secrets are never values here: only
 * the names of environment variables that hold them (`tokenEnv`, `webhookEnv`,
 * `secretEnv`; Datadog keys are DD_API_KEY / DD_APP_KEY) or of files that do
 * (the `*File` twins: `tokenFile`, `webhookFile`, `secretFile`, `apiKeyFile`,
 * `appKeyFile`), re-read when they change so a mounted secret rotates without
 * a restart (src/secrets/secret-source.ts). Messages never quote a value: a
 * secret pasted where a name belongs must not be echoed back.
 */

const envName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must be the name of an environment variable (e.g. FLIPPER_API_TOKEN), not the secret itself',
  );
const secretPath = z.string().min(1, 'must be the path of a file holding the secret');

/**
 * Credentials in a URL are echoed by every error that quotes it and sent to
 * whatever the URL redirects to: they belong in the `*Env` / `*File` keys.
 */
const httpUrl = z.url({ protocol: /^https?$/ }).refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '';
    } catch {
      return true;
    }
  },
  {
    message:
      "must not carry credentials (user:password@ or token@): put the secret in the environment or a file and name it with the provider's *Env / *File key",
  },
);

/** A secret given twice (the variable and the file) is ambiguous: which one is used after a rotation? */
function oneSource<T extends Record<string, unknown>>(envKey: keyof T & string, fileKey: keyof T & string) {
  return (value: T, ctx: z.RefinementCtx): void => {
    if (value[envKey] !== undefined && value[fileKey] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [fileKey],
        message: `give ${envKey} or ${fileKey}, not both`,
      });
    }
  };
}
const timeoutMs = z.int().positive().max(300_000);

export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
] as const;

const datadogProvider = z.strictObject({
  type: z.literal('datadog'),
  site: z.enum(DATADOG_SITES).default('datadoghq.com'),
  /** overrides the site, e.g. http://127.0.0.1:8126 for the sandbox */
  baseUrl: httpUrl.optional(),
  /** files holding the keys, re-read on change; default: DD_API_KEY / DD_APP_KEY from the environment */
  apiKeyFile: secretPath.optional(),
  appKeyFile: secretPath.optional(),
  timeoutMs: timeoutMs.default(10_000),
  maxRetries: z.int().min(0).max(10).default(3),
});

const flipperToggle = z
  .strictObject({
    type: z.literal('flipper'),
    baseUrl: httpUrl,
    tokenEnv: envName.optional(),
    tokenFile: secretPath.optional(),
    /** Flipper Cloud: flipper-cloud-token; default Authorization: Bearer */
    tokenHeader: z.string().min(1).optional(),
    timeoutMs: timeoutMs.default(5_000),
    maxRetries: z.int().min(0).max(10).default(3),
    /** post: POST {"percentage":"0"} as Flipper's own client does; delete: DELETE the gate */
    percentageOff: z.enum(['post', 'delete']).default('post'),
  })
  .superRefine(oneSource('tokenEnv', 'tokenFile'));

const webhookToggle = z
  .strictObject({
    type: z.literal('webhook'),
    url: httpUrl,
    stateUrl: httpUrl.optional(),
    secretEnv: envName.optional(),
    secretFile: secretPath.optional(),
    timeoutMs: timeoutMs.default(5_000),
    maxRetries: z.int().min(0).max(10).default(3),
  })
  .superRefine(oneSource('secretEnv', 'secretFile'));

const fileToggle = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1),
});

const slackNotifier = z
  .strictObject({
    type: z.literal('slack'),
    /** the incoming webhook URL is a credential: only its variable's or file's name is configured */
    webhookEnv: envName.optional(),
    webhookFile: secretPath.optional(),
  })
  .superRefine(oneSource('webhookEnv', 'webhookFile'))
  .superRefine((value, ctx) => {
    if (value.webhookEnv === undefined && value.webhookFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'needs webhookEnv or webhookFile (the webhook URL)',
      });
    }
  });

const webhookNotifier = z
  .strictObject({
    type: z.literal('webhook'),
    url: httpUrl,
    secretEnv: envName.optional(),
    secretFile: secretPath.optional(),
  })
  .superRefine(oneSource('secretEnv', 'secretFile'));

export const configSchema = z.strictObject({
  rolloutsDir: z.string().min(1).default('rollouts'),
  state: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('file'), dir: z.string().min(1).default('.stagegate') }),
      z.strictObject({ type: z.literal('memory') }),
      z.strictObject({
        type: z.literal('postgres'),
        url: z.string().min(1),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier')
          .default('stagegate'),
        leaseSeconds: z.int().min(1).max(3600).default(15),
      }),
    ])
    .default({ type: 'file', dir: '.stagegate' }),
  metrics: z.record(z.string(), z.discriminatedUnion('type', [datadogProvider])).default({}),
  toggles: z
    .record(z.string(), z.discriminatedUnion('type', [flipperToggle, webhookToggle, fileToggle]))
    .default({}),
  notifiers: z.record(z.string(), z.discriminatedUnion('type', [slackNotifier, webhookNotifier])).default({}),
  server: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
      tokenEnv: envName.optional(),
      tokenFile: secretPath.optional(),
    })
    .superRefine(oneSource('tokenEnv', 'tokenFile'))
    .default({ enabled: true, host: '127.0.0.1', port: 8080 }),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
    .default({ level: 'info' }),
});

export type Config = z.output<typeof configSchema>;
export type DatadogProviderConfig = z.output<typeof datadogProvider>;
export type SlackNotifierConfig = z.output<typeof slackNotifier>;
export type WebhookNotifierConfig = z.output<typeof webhookNotifier>;
