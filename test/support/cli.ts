/** Runs the devhub CLI as a user would after `npm start`: only the data dir says where the hub is. */
import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { hubInfo } from './hub';

const bin = resolve(__dirname, '../../bin/devhub.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DEVHUB_DATA_DIR: hubInfo().dataDir };
  for (const k of Object.keys(env))
    if (k.startsWith('AWS_ENDPOINT_URL') || ['DEVHUB_CONNECTION_STRING', 'DEVHUB_URL', 'DEVHUB_DEVICE_URL'].includes(k)) delete env[k];
  return env;
}

export function devhub(...args: string[]): Promise<CliRun> {
  return devhubWith({}, ...args);
}

/** The CLI with more environment (e.g. DEVHUB_URL, as a user of a deployed hub sets it). */
export async function devhubWith(extraEnv: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const env = { ...cliEnv(), ...extraEnv };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface RunningCli {
  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr', timeoutMs?: number): Promise<string>;
  /** Every complete line so far. */
  lines(stream: 'stdout' | 'stderr'): string[];
  stop(): void;
  /** SIGKILL: no clean-up at all (a crash). */
  kill(): void;
}

/** A long-running node process (`devhub listen`, an example) whose output lines can be awaited. */
export function spawnNode(script: string, args: string[], extraEnv: Record<string, string> = {}): RunningCli {
  const env: NodeJS.ProcessEnv = { ...cliEnv(), ...extraEnv };
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
  const waiters: { pattern: RegExp; stream: 'stdout' | 'stderr'; resolve: (line: string) => void }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream].on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        seen[stream].push(line);
        for (const w of waiters.filter((x) => x.stream === stream && x.pattern.test(line))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }
  return {
    waitFor(pattern, stream, timeoutMs = 10_000) {
      const already = seen[stream].find((l) => pattern.test(l));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${stream} line matching ${String(pattern)}; got:\n${seen[stream].join('\n')}`)),
          timeoutMs,
        );
        waiters.push({ pattern, stream, resolve: (line) => (clearTimeout(timer), resolveLine(line)) });
      });
    },
    lines: (stream) => [...seen[stream]],
    stop() {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

export function spawnDevhub(...args: string[]): RunningCli {
  return spawnNode(bin, args);
}
