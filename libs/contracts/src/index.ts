import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { catalogContracts } from './catalog.ts';
import { identityContracts } from './identity.ts';
import { inventoryContracts } from './inventory.ts';
import { invoicesContracts } from './invoices.ts';
import { ordersContracts } from './orders.ts';
import { paymentsContracts } from './payments.ts';
import { shippingContracts } from './shipping.ts';

export * from './catalog.ts';
export * from './common.ts';
export * from './identity.ts';
export * from './inventory.ts';
export * from './invoices.ts';
export * from './money.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './shipping.ts';

const known = {
  ...identityContracts,
  ...catalogContracts,
  ...ordersContracts,
  ...inventoryContracts,
  ...paymentsContracts,
  ...invoicesContracts,
  ...shippingContracts,
};

/** Every event type and version Mercato knows: the routing key is the type. */
export const contracts: Record<string, Record<number, TSchema>> = known;

/** Every event type Mercato knows, e.g. 'order.placed'. */
export type EventType = keyof typeof known;

/** The data of each event type (its current version), as consumers receive it once validated. */
export type EventMap = { [K in EventType]: Static<(typeof known)[K][1]> };

const compiled = new Map<string, ReturnType<typeof Compile>>();
function validatorFor(type: string, version: number) {
  const key = `${type}@${version}`;
  let v = compiled.get(key);
  if (!v) {
    const schema = contracts[type]?.[version];
    if (!schema) return undefined;
    v = Compile(schema);
    compiled.set(key, v);
  }
  return v;
}

export type ValidationResult = { ok: true } | { ok: false; errors: string[] };

/** Checks an event's data against its contract; an unknown type or version is an error too. */
export function validateEvent(type: string, version: number, data: unknown): ValidationResult {
  const validator = validatorFor(type, version);
  if (!validator) return { ok: false, errors: [`no contract for ${type} version ${version}`] };
  if (validator.Check(data)) return { ok: true };
  return {
    ok: false,
    errors: [...validator.Errors(data)].slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message}`),
  };
}
