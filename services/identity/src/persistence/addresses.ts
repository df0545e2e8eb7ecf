// Address rows. One default per user: a partial unique index enforces it.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Address } from './entities.ts';

export function findAddress(em: EntityManager, id: string): Promise<Address | null> {
  return em.findOne(Address, id);
}

export async function hasAddresses(em: EntityManager, userId: string): Promise<boolean> {
  return (await em.count(Address, { userId })) > 0;
}

export function addAddress(
  em: EntityManager,
  row: {
    id: string;
    userId: string;
    recipient?: string | null;
    street: string;
    city: string;
    postalCode: string;
    country: string;
    isDefault: boolean;
    createdAt: Date;
    updatedAt: Date;
  },
): Address {
  return em.create(Address, row);
}

export function removeAddress(em: EntityManager, address: Address): void {
  em.remove(address);
}

/** Makes `address` the user's only default (the partial unique index enforces "only"). */
export async function clearOtherDefaults(em: EntityManager, address: Address): Promise<void> {
  await em.nativeUpdate(
    Address,
    { userId: address.userId, isDefault: true, id: { $ne: address.id } },
    { isDefault: false },
  );
}

export async function flushDefault(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw problems.conflict('The default address was changed concurrently; try again');
    throw err;
  }
}

/** `userId` undefined: everyone's (admins). Defaults first. */
export function listAddresses(
  em: EntityManager,
  userId: string | undefined,
  page: { page: number; pageSize: number },
): Promise<[Address[], number]> {
  return em.findAndCount(Address, userId ? { userId } : {}, {
    orderBy: { isDefault: 'desc', id: 'asc' },
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  });
}
