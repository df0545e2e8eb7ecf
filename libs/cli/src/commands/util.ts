import { InvalidArgumentError } from 'commander';

/** commander argument parser: a whole number within bounds. */
export const integer =
  (min: number, max = 1_000_000_000) =>
  (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`not a whole number: '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    return n;
  };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** commander argument parser: an id (UUID). */
export const uuid = (value: string): string => {
  if (!UUID.test(value)) throw new InvalidArgumentError(`not an id (UUID): '${value}'`);
  return value;
};

export const isUuid = (value: string) => UUID.test(value);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
