import type { Address } from '../../persistence/entities.ts';

export function addressView(a: Address) {
  return {
    id: a.id,
    userId: a.userId,
    ...(a.recipient ? { recipient: a.recipient } : {}),
    street: a.street,
    city: a.city,
    postalCode: a.postalCode,
    country: a.country,
    isDefault: a.isDefault,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
