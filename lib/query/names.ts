/**
 * `$name` -> key in RoutableMessage.systemProperties. Keys of this map are lower case;
 * lookups lower-case the name first (names are case-insensitive).
 */
const SYSTEM_PROPERTY_ALIASES: ReadonlyArray<readonly [string[], string]> = [
  [['messageId', 'message-id'], 'message-id'],
  [['correlationId', 'correlation-id'], 'correlation-id'],
  [['userId', 'user-id'], 'user-id'],
  [['contentType', 'content-type'], 'content-type'],
  [['contentEncoding', 'content-encoding'], 'content-encoding'],
  [['connectionDeviceId', 'iothub-connection-device-id'], 'iothub-connection-device-id'],
  [['connectionModuleId', 'iothub-connection-module-id'], 'iothub-connection-module-id'],
  [['connectionDeviceGenerationId', 'iothub-connection-auth-generation-id'], 'iothub-connection-auth-generation-id'],
  [['connectionAuthMethod', 'iothub-connection-auth-method'], 'iothub-connection-auth-method'],
  [['enqueuedTime', 'iothub-enqueuedtime'], 'iothub-enqueuedtime'],
  [['iothub-message-source'], 'iothub-message-source'],
  [['iothub-creation-time-utc'], 'iothub-creation-time-utc'],
  [['dt-subject'], 'dt-subject'],
  [['dt-dataschema'], 'dt-dataschema'],
];

const SYSTEM_KEYS = new Map<string, string>();
for (const [names, key] of SYSTEM_PROPERTY_ALIASES) {
  for (const name of names) SYSTEM_KEYS.set(name.toLowerCase(), key);
}

/** The systemProperties key for a `$name` (without `$`), or undefined if not a system property. */
export function systemPropertyKey(name: string): string | undefined {
  return SYSTEM_KEYS.get(name.toLowerCase());
}

/** Every accepted system property name (without `$`), for tests and docs. */
export const SYSTEM_PROPERTY_NAMES: readonly string[] = SYSTEM_PROPERTY_ALIASES.flatMap(([names]) => names);

/** Reserved words (case-insensitive); they cannot be used as bare property names. */
export const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'TRUE', 'FALSE', 'NULL', 'UNDEFINED']);
