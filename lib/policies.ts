/** Shared access policies and the permissions IoT Hub gives them. Pure. */
export type Permission = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect';

export const BUILT_IN_POLICIES: Readonly<Record<string, readonly Permission[]>> = {
  iothubowner: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
  service: ['ServiceConnect'],
  registryRead: ['RegistryRead'],
  registryReadWrite: ['RegistryRead', 'RegistryWrite'],
};

export interface Policy {
  name: string;
  permissions: Permission[];
  primaryKey: string;
  secondaryKey: string;
}

/** RegistryWrite implies RegistryRead, as in IoT Hub. */
export function grants(policy: Pick<Policy, 'permissions'>, needed: Permission): boolean {
  if (policy.permissions.includes(needed)) return true;
  return needed === 'RegistryRead' && policy.permissions.includes('RegistryWrite');
}
