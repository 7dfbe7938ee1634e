/** Child processes of the local hub: spawn, log to files, wait for ports, stop cleanly. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Where its stdout and stderr go. */
  logPath: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  cwd: string;
  /** Also copy the output to this process's stdout (for the functions log under `npm start`). */
  echo?: boolean;
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Every live child, so a signal during start-up can still stop them all. */
const live = new Set<ManagedProcess>();

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export function startProcess(opts: SpawnOptions): ManagedProcess {
  mkdirSync(opts.logDir, { recursive: true });
  const logPath = join(opts.logDir, `${opts.name}.log`);
  const logFile = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      logFile.write(chunk);
      if (opts.echo) process.stdout.write(chunk);
    });
  }
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      logFile.end();
      if (!stopping) opts.onUnexpectedExit?.(code, signal);
      resolve(code);
    });
  });
  const managed: ManagedProcess = {
    name: opts.name,
    child,
    logPath,
    exited,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The process group: serverless-offline runs handlers in worker threads and children.
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}

/** Kills what is left of a dead child's process group (helpers that outlived it and may hold its ports). */
export function killLeftovers(child: ChildProcess): void {
  killGroup(child, 'SIGKILL');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Whether a connected socket is connected to itself. Linux lets a connect() to a port nobody
 * listens on succeed when the kernel happens to pick that same port as the local one (TCP
 * simultaneous open); ports from `listen(0)` are in the ephemeral range, so a readiness poll
 * retried many times can "connect" before the server listens (a fresh-clone CI run got a 503 from
 * the local hub's gateway on its first request that way, we believe).
 */
export function isSelfConnection(socket: Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      const self = isSelfConnection(socket);
      socket.destroy();
      resolve(!self);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, name: string, timeoutMs: number, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    if (proc && proc.child.exitCode !== null)
      throw new Error(`${name} exited with code ${proc.child.exitCode} before listening on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms`);
}
