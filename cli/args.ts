/**
 * Argument parsers and shared options for the CLI's commands (commander). A parser that throws
 * InvalidArgumentError becomes commander's usage error: one line naming the option, exit 2.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';

/** An integer in min..max. */
export function intIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer in ${min}..${max}`);
    return n;
  };
}

/** A number greater than zero. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** JSON text, parsed. */
export function json(example: string): (value: string) => unknown {
  return (value) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new InvalidArgumentError(`must be JSON, e.g. ${example}`);
    }
  };
}

/** `k=v` pairs from a repeated option, collected into one record. */
export function keyValue(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expects k=v, got "${pair}"`);
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

/** Wraps a domain parser (which throws a plain Error) so its message is the usage error. */
export function parsedBy<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };
}

/** A body argument: literal text, or @file for a file's bytes. */
export function bodyArg(value: string): Buffer {
  if (value.startsWith('@')) {
    try {
      return readFileSync(value.slice(1));
    } catch (err) {
      throw new Error(`cannot read ${value.slice(1)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return Buffer.from(value, 'utf8');
}

/** Acting as a device: by id (its key is read with the owner policy) or by its connection string. */
export interface DeviceIdentity {
  device?: string;
  deviceConnectionString?: string;
}

export const deviceOption = () =>
  new Option('--device <id>', 'act as this device (its key is read with the owner policy)').conflicts('deviceConnectionString');
export const deviceConnectionStringOption = () =>
  new Option('--device-connection-string <cs>', 'act as the device this connection string names');

/** --property k=v, repeatable. */
export const propertyOption = () =>
  new Option('--property <k=v>', 'application property (repeatable)').argParser(keyValue).default({} as Record<string, string>, 'none');
