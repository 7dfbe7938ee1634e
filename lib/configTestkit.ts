/** For tests: a complete environment for lib/config.ts (every required name set, tunables left at their defaults). */
export const completeEnv: Readonly<Record<string, string>> = {
  HUB_NAME: 'devhub-test',
  HUB_HOSTNAME: 'localhost',
  DEVICES_TABLE: 'd',
  POLICIES_TABLE: 'p',
  C2D_TABLE: 'c',
  CONNECTIONS_TABLE: 'x',
  ROUTING_TABLE: 'r',
  EVENTS_STREAM: 'e',
  FEEDBACK_QUEUE: 'f',
  ROUTING_DLQ: 'q',
  ROUTER_FAILURE_QUEUE: 'rf',
  ROUTING_ENDPOINT_NAMES: 'hub-ep-*',
};
