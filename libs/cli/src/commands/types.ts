import type { Ctx } from '../context.ts';

/** Wraps a command's action: builds the context, prints failures, sets the exit code. */
// biome-ignore lint/suspicious/noConfusingVoidType: an action returns nothing or an exit code
export type Action<A extends unknown[]> = (ctx: Ctx, ...args: A) => Promise<number | void>;
export type Runner = <A extends unknown[]>(action: Action<A>) => (...args: unknown[]) => Promise<void>;
