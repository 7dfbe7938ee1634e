/** What every view gets: the API, what the policy may do, the live stream, and the shell's message area. */
import type { Api, Permission } from './api';
import type { StreamMessage } from './messages';
import type { LiveStream } from './stream';

export interface App {
  api: Api;
  policy: string;
  hubName: string;
  /** The host device connection strings name (`deviceHostName` of GET /auth/policy). */
  deviceHostName: string;
  permissions: ReadonlySet<Permission>;
  stream: LiveStream | undefined;
  can(permission: Permission): boolean;
  /** A message picked in the telemetry view for the condition tester. */
  pickedMessage: StreamMessage | undefined;
  navigate(hash: string): void;
}

export function lacks(app: App, permission: Permission): string | undefined {
  return app.can(permission) ? undefined : `The ${app.policy} policy lacks the ${permission} permission.`;
}

/** Runs an action, showing its error (or success text) in `out`; never throws. */
export async function attempt(out: HTMLElement, action: () => Promise<string | void>): Promise<boolean> {
  out.replaceChildren();
  try {
    const ok = await action();
    if (ok) {
      const p = document.createElement('p');
      p.className = 'notice ok';
      p.setAttribute('role', 'status');
      p.textContent = ok;
      out.append(p);
    }
    return true;
  } catch (err) {
    const p = document.createElement('p');
    p.className = 'notice error';
    p.setAttribute('role', 'alert');
    p.textContent = err instanceof Error ? err.message : String(err);
    out.append(p);
    return false;
  }
}
