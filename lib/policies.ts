/** Shared access policies and the permissions IoT Hub gives them. Pure. */
/** DeviceConnect: tokens of the policy may act as any device on the device endpoints. */
export type Permission = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';

/** IoT Hub's default shared access policies and their permissions. */
export const BUILT_IN_POLICIES: Readonly<Record<string, readonly Permission[]>> = {
  iothubowner: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'],
  service: ['ServiceConnect'],
  device: ['DeviceConnect'],
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
