/**
 * Keeps the local hub's children running: a child that dies unexpectedly is restarted after a
 * backoff, its resources are ensured again, and the terminal is told what happened. A child
 * that keeps dying soon after each start is given up on: the supervisor reports a fatal error
 * (`npm start` then stops everything and exits non-zero). Writes `<data dir>/stack.json`, the
 * state `devhub status` reads.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { killLeftovers, type ManagedProcess } from './processes';

export interface RestartPolicy {
  /** First backoff; doubles with each consecutive fast crash. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A crash this soon after the child (re)started counts as a fast crash. */
  fastCrashMs: number;
  /** Give up when this many fast crashes happen in a row. */
  maxFastCrashes: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseDelayMs: 500, maxDelayMs: 4000, fastCrashMs: 30_000, maxFastCrashes: 5 };

export type RestartDecision = { giveUp: false; delayMs: number; fastCrashes: number } | { giveUp: true; fastCrashes: number };

/** What to do after a crash, from how long the child ran and how many fast crashes came just before. */
export function decideRestart(policy: RestartPolicy, uptimeMs: number, fastCrashesBefore: number): RestartDecision {
  const fastCrashes = uptimeMs < policy.fastCrashMs ? fastCrashesBefore + 1 : 0;
  if (fastCrashes >= policy.maxFastCrashes) return { giveUp: true, fastCrashes };
  const delayMs = Math.min(policy.baseDelayMs * 2 ** Math.max(fastCrashes - 1, 0), policy.maxDelayMs);
  return { giveUp: false, delayMs, fastCrashes };
}

export interface ChildSpec {
  name: string;
  /** Ports it listens on (what `devhub status` probes). */
  ports: number[];
  start(): ManagedProcess;
  /** Resolves once the new process serves (rejects when it dies or never listens). */
  ready(proc: ManagedProcess): Promise<void>;
  /** Runs after a restart once it is ready (e.g. re-create the emulator's resources). */
  afterRestart?(): Promise<void>;
}

export type ComponentState = 'up' | 'restarting' | 'failed' | 'stopped';

export interface ComponentStatus {
  pid: number | null;
  ports: number[];
  state: ComponentState;
  restarts: number;
  startedAt: string;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

/** `<data dir>/stack.json`. */
export interface StackState {
  hubPid: number;
  startedAt: string;
  stoppedAt?: string;
  failure?: string;
  urls: { http: string; websocket: string };
  components: Record<string, ComponentStatus>;
}

export function readStackState(file: string): StackState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

interface Tracked {
  spec: ChildSpec;
  startedAtMs: number;
  fastCrashes: number;
  pending?: NodeJS.Timeout;
  restarting?: Promise<void>;
  status: ComponentStatus;
}

export class Supervisor {
  private readonly tracked = new Map<string, Tracked>();
  private stopping = false;
  private rejectFatal: (err: Error) => void = () => undefined;
  /** Rejects when a child is given up on. */
  readonly fatal: Promise<never>;

  constructor(
    private readonly processes: Map<string, ManagedProcess>,
    private readonly stateFile: string,
    private readonly state: Omit<StackState, 'components'>,
    private readonly policy: RestartPolicy,
    private readonly log: (line: string) => void,
  ) {
    this.fatal = new Promise<never>((_, reject) => {
      this.rejectFatal = reject;
    });
    this.fatal.catch(() => undefined); // observed by whoever awaits it
  }

  /** Spawn options' `onUnexpectedExit` for a child of this name. */
  exitHandler(name: string): (code: number | null, signal: NodeJS.Signals | null) => void {
    return (code, signal) => this.crashed(name, code, signal);
  }

  /** Starts the child and supervises it from now on. */
  start(spec: ChildSpec): ManagedProcess {
    const proc = spec.start();
    this.processes.set(spec.name, proc);
    const status: ComponentStatus = { pid: proc.child.pid ?? null, ports: spec.ports, state: 'up', restarts: 0, startedAt: now() };
    this.tracked.set(spec.name, { spec, startedAtMs: Date.now(), fastCrashes: 0, status });
    this.save();
    return proc;
  }

  /** Stops a child (if running) and starts it again now, cancelling any pending restart. */
  async restart(name: string): Promise<void> {
    const t = this.get(name);
    clearTimeout(t.pending);
    t.pending = undefined;
    await t.restarting?.catch(() => undefined);
    await this.processes.get(name)?.stop();
    await this.launch(t);
  }

  stop(): void {
    this.stopping = true;
    if (this.tracked.size === 0) return; // nothing ran (start-up failed early): leave no state behind
    for (const t of this.tracked.values()) {
      clearTimeout(t.pending);
      t.status.state = 'stopped';
      t.status.pid = null;
    }
    this.save({ stoppedAt: now() });
  }

  private get(name: string): Tracked {
    const t = this.tracked.get(name);
    if (!t) throw new Error(`no supervised child named ${name}`);
    return t;
  }

  private crashed(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    const t = this.tracked.get(name);
    const current = this.processes.get(name);
    // Only the current process matters (an old one may die after restart() replaced it).
    if (this.stopping || !t || !current || (current.child.exitCode === null && current.child.signalCode === null)) return;
    killLeftovers(current.child);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    t.status.lastExit = { code, signal, at: now() };
    t.status.pid = null;
    const decision = decideRestart(this.policy, Date.now() - t.startedAtMs, t.fastCrashes);
    t.fastCrashes = decision.fastCrashes;
    if (decision.giveUp) {
      t.status.state = 'failed';
      const message =
        `${name} died (${how}) ${decision.fastCrashes} times in a row, each within ` +
        `${this.policy.fastCrashMs / 1000} s of starting: giving up. Its log: ${current.logPath}`;
      this.log(`devhub: ${message}`);
      this.save({ failure: message });
      this.rejectFatal(new Error(message));
      return;
    }
    t.status.state = 'restarting';
    this.save();
    this.log(
      `devhub: ${name} died (${how}); restarting in ${decision.delayMs / 1000} s` +
        (decision.fastCrashes > 1 ? ` (fast crash ${decision.fastCrashes} of ${this.policy.maxFastCrashes})` : '') +
        `. Log: ${current.logPath}`,
    );
    t.pending = setTimeout(() => {
      t.pending = undefined;
      void this.launch(t).catch(() => undefined); // a failed start is reported as the next crash
    }, decision.delayMs);
  }

  private launch(t: Tracked): Promise<void> {
    const run = async () => {
      if (this.stopping) return;
      const proc = t.spec.start();
      this.processes.set(t.spec.name, proc);
      t.startedAtMs = Date.now();
      t.status = { ...t.status, pid: proc.child.pid ?? null, state: 'restarting', restarts: t.status.restarts + 1, startedAt: now() };
      this.save();
      try {
        await t.spec.ready(proc);
        await t.spec.afterRestart?.();
      } catch (err) {
        if (proc.child.exitCode === null && proc.child.signalCode === null && !this.stopping) {
          // Alive but not serving: count it as a crash.
          this.log(`devhub: ${t.spec.name} did not come back: ${err instanceof Error ? err.message : String(err)}`);
          proc.child.kill('SIGKILL');
        }
        throw err;
      }
      if (this.stopping || this.processes.get(t.spec.name) !== proc) return;
      t.status.state = 'up';
      this.save();
      const ports = t.spec.ports.length > 0 ? `, port ${t.spec.ports.join('/')}` : '';
      this.log(`devhub: ${t.spec.name} is back (pid ${proc.child.pid}${ports}; restart ${t.status.restarts})`);
    };
    t.restarting = run();
    return t.restarting;
  }

  private save(extra: Partial<StackState> = {}): void {
    const components: Record<string, ComponentStatus> = {};
    for (const [name, t] of this.tracked) components[name] = t.status;
    Object.assign(this.state, extra);
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ ...this.state, components }, null, 2)}\n`);
    renameSync(tmp, this.stateFile);
  }
}

function now(): string {
  return new Date().toISOString();
}
