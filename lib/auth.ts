/**
 * Authentication of devices (device-key SAS tokens) and services (policy SAS tokens).
 * A device token signed with the device's version-0 derived key (lib/registry/derivedKeys.ts) of
 * an id this instance has not seen revoked (lib/registry/revocations.ts) is accepted without a
 * registry read; every other device token is checked against the registry through a DeviceCache
 * (lib/registry/deviceCache.ts). Both follow the registry's change feed: a disable, delete or
 * key change takes effect within its `pollMs`. Policies are cached for `cacheTtlMs`. Every
 * failure is the same UnauthorizedError.
 */
import { ForbiddenError, UnauthorizedError } from './errors';
import { errorFields, log } from './log';
import { metrics, type AuthFailureReason } from './metrics';
import { grants, type Permission, type Policy } from './policies';
import { isDeviceId, type DeviceCredentials } from './registry/device';
import { DeviceCache, type DeviceCacheOptions, type DeviceCacheSource } from './registry/deviceCache';
import { RevocationSet, type FeedPoll, type RevocationSource } from './registry/revocations';
import { parseSasToken, verifyDeviceToken, verifyPolicyDeviceToken, verifyPolicyToken, type HubHosts, type SasToken } from './sas';
import { TtlCache } from './ttlCache';

export interface RegistryReader extends DeviceCacheSource {
  getPolicy(name: string): Promise<Policy | undefined>;
  /** The device-key seed and the revocation set; without it, every device token reads the registry. */
  loadRevocations?: RevocationSource['load'];
}

export interface AuthOptions {
  /** Host names tokens may name (HUB_HOSTNAME, plus DEVICE_HOSTNAMES for other front doors). */
  hubHostname: HubHosts;
  /** How long policies are served from memory. */
  cacheTtlMs: number;
  devices: Omit<DeviceCacheOptions, 'now'>;
  now?: () => number;
}

export class Authenticator {
  private readonly devices: DeviceCache;
  private readonly revocations: RevocationSet | undefined;
  private readonly policies: TtlCache<Policy | null>;
  private readonly now: () => number;

  constructor(
    private readonly registry: RegistryReader,
    private readonly opts: AuthOptions,
  ) {
    this.now = opts.now ?? Date.now;
    const load = registry.loadRevocations?.bind(registry);
    // The set is reloaded whole at least as often as cached devices are re-read.
    const revocations = load ? new RevocationSet({ load }, { reloadMs: opts.devices.ttlMs, now: this.now }) : undefined;
    this.revocations = revocations;
    // A failed load leaves the set untrusted (every device token reads the registry) and is retried
    // at the next poll: it must not fail the request of a device the registry can still answer.
    const afterPoll =
      revocations &&
      ((poll: FeedPoll) =>
        revocations.afterPoll(poll).catch((err: unknown) => log.warn('loading the revocation set failed', errorFields(err))));
    this.devices = new DeviceCache(registry, { ...opts.devices, now: this.now }, afterPoll);
    this.policies = new TtlCache(100, this.now);
  }

  /**
   * Returns the enabled device the token proves to be, or throws 401. The token is the device's
   * own (signed with its key), or a policy token (`skn`) for `{host}/devices/{id}` whose policy
   * has DeviceConnect, as IoT Hub accepts on device endpoints.
   */
  async authenticateDevice(authorization: string | undefined, deviceId: string, arrivedVia?: string): Promise<DeviceCredentials> {
    const token = parseSasToken(authorization);
    // An id no device can have is never looked up (DynamoDB refuses keys over 2 KB: a 500).
    if (!token || !isDeviceId(deviceId)) throw refuse('MalformedToken');
    const hubHost = this.deviceHosts(arrivedVia);
    if (token.keyName !== undefined) return this.authenticateDeviceByPolicy(token, token.keyName, deviceId, hubHost);
    const derived = await this.derivedDevice(token, deviceId, hubHost);
    if (derived) return derived;
    const device = await this.cachedDevice(deviceId);
    if (!device) throw refuse('UnknownDevice');
    if (device.status !== 'enabled') throw refuse('DeviceDisabled');
    const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
    const ok = verifyDeviceToken(token, {
      hubHost,
      deviceId,
      keys: [primaryKey, secondaryKey],
      nowSeconds: Math.floor(this.now() / 1000),
    });
    if (!ok) throw refuse(this.expired(token.expiry) ? 'Expired' : 'BadSignature');
    return device;
  }

  /**
   * The device, if the token verifies with its version-0 derived keys and its id is not revoked
   * as of the feed read serving this request; undefined: the registry decides.
   */
  private async derivedDevice(token: SasToken, deviceId: string, hubHost: HubHosts): Promise<DeviceCredentials | undefined> {
    if (!this.revocations) return undefined;
    await this.devices.sync();
    const derived = this.revocations.trusted(deviceId);
    if (!derived) return undefined;
    const { primaryKey, secondaryKey, generationId } = derived;
    const ok = verifyDeviceToken(token, { hubHost, deviceId, keys: [primaryKey, secondaryKey], nowSeconds: Math.floor(this.now() / 1000) });
    if (!ok) return undefined;
    return { deviceId, generationId, status: 'enabled', authentication: { type: 'sas', symmetricKey: { primaryKey, secondaryKey } } };
  }

  /** The configured hosts, plus the host a function URL request arrived through (lib/http/functionUrl.ts). */
  private deviceHosts(arrivedVia: string | undefined): HubHosts {
    if (arrivedVia === undefined) return this.opts.hubHostname;
    return [...(typeof this.opts.hubHostname === 'string' ? [this.opts.hubHostname] : this.opts.hubHostname), arrivedVia];
  }

  private async authenticateDeviceByPolicy(
    token: SasToken,
    keyName: string,
    deviceId: string,
    hubHost: HubHosts,
  ): Promise<DeviceCredentials> {
    const policy = await this.cachedPolicy(keyName);
    // Device endpoints answer every failure, a missing permission included, with the same 401.
    if (!policy) throw refuse('UnknownPolicy');
    if (!grants(policy, 'DeviceConnect')) throw refuse('MissingPermission');
    const ok = verifyPolicyDeviceToken(token, {
      hubHost,
      deviceId,
      keys: [policy.primaryKey, policy.secondaryKey],
      nowSeconds: Math.floor(this.now() / 1000),
    });
    if (!ok) throw refuse(this.expired(token.expiry) ? 'Expired' : 'BadSignature');
    const device = await this.cachedDevice(deviceId);
    if (!device) throw refuse('UnknownDevice');
    if (device.status !== 'enabled') throw refuse('DeviceDisabled');
    return device;
  }

  /** Returns the policy the token proves, or throws 401; a policy lacking `permission` gets 403. */
  async authenticateService(authorization: string | undefined, permission: Permission): Promise<Policy> {
    const policy = await this.identifyService(authorization);
    if (!grants(policy, permission)) {
      metrics.authFailure('MissingPermission');
      throw new ForbiddenError(`Policy ${policy.name} lacks the ${permission} permission`);
    }
    return policy;
  }

  /** Returns the policy the token proves, whatever its permissions, or throws 401. */
  async identifyService(authorization: string | undefined): Promise<Policy> {
    const token = parseSasToken(authorization);
    if (!token?.keyName) throw refuse('MalformedToken');
    const policy = await this.cachedPolicy(token.keyName);
    if (!policy) throw refuse('UnknownPolicy');
    const ok = verifyPolicyToken(token, {
      hubHost: this.opts.hubHostname,
      keys: [policy.primaryKey, policy.secondaryKey],
      nowSeconds: Math.floor(this.now() / 1000),
    });
    if (!ok) throw refuse(this.expired(token.expiry) ? 'Expired' : 'BadSignature');
    return policy;
  }

  private expired(expirySeconds: number): boolean {
    return expirySeconds <= Math.floor(this.now() / 1000);
  }

  /** The device if it still exists and is enabled (cached like authentication). */
  async enabledDevice(deviceId: string): Promise<DeviceCredentials | undefined> {
    const device = await this.cachedDevice(deviceId);
    return device?.status === 'enabled' ? device : undefined;
  }

  /** The device in any status, or undefined if it does not exist (cached like authentication). */
  async currentDevice(deviceId: string): Promise<DeviceCredentials | undefined> {
    return (await this.cachedDevice(deviceId)) ?? undefined;
  }

  /** Drops a device from the cache (after this instance changed or deleted it). */
  forgetDevice(deviceId: string): void {
    this.devices.forget(deviceId);
    this.revocations?.forget(deviceId);
  }

  private cachedDevice(deviceId: string): Promise<DeviceCredentials | null> {
    return this.devices.get(deviceId);
  }

  private async cachedPolicy(name: string): Promise<Policy | null> {
    const hit = this.policies.get(name);
    if (hit !== undefined) return hit;
    const policy = (await this.registry.getPolicy(name)) ?? null;
    this.policies.set(name, policy, policy ? this.opts.cacheTtlMs : Math.min(this.opts.cacheTtlMs, 1000));
    return policy;
  }
}

/** Every failure is the same 401 to the caller; the reason goes only to the AuthFailures metric. */
function refuse(reason: AuthFailureReason): UnauthorizedError {
  metrics.authFailure(reason);
  return new UnauthorizedError();
}
