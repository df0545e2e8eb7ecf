import type { EntityManager } from '@mercato/db';
import { type App, assertIfMatch, etag, IdParam, Page, PageQuery, problems } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { Address } from '../../entities.ts';
import { currentUser, problemResponses, withVersionCheck } from '../common.ts';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const AddressBody = Type.Object(
  {
    street: Text(200),
    city: Text(100),
    postalCode: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$', examples: ['10115'] }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2', examples: ['DE'] }),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const AddressView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
  street: Type.String(),
  city: Type.String(),
  postalCode: Type.String(),
  country: Type.String(),
  isDefault: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    userId: Type.Optional(Type.String({ format: 'uuid', description: 'admins only: one user’s addresses' })),
  },
  { additionalProperties: false },
);
const bearer = [{ bearerAuth: [] }];

function addressView(a: Address) {
  return {
    id: a.id,
    userId: a.userId,
    street: a.street,
    city: a.city,
    postalCode: a.postalCode,
    country: a.country,
    isDefault: a.isDefault,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/** A customer's view is their own addresses only: someone else's is "not found", not "forbidden". */
async function visibleAddress(em: EntityManager, request: FastifyRequest, id: string): Promise<Address> {
  const address = await em.findOne(Address, id);
  if (!address || (request.user.role !== 'admin' && address.userId !== request.user.sub))
    throw problems.notFound('No such address');
  return address;
}

/** Makes `address` the user's only default (the partial unique index enforces "only"). */
async function clearOtherDefaults(em: EntityManager, address: Address): Promise<void> {
  await em.nativeUpdate(
    Address,
    { userId: address.userId, isDefault: true, id: { $ne: address.id } },
    { isDefault: false },
  );
}

async function flushDefault(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw problems.conflict('The default address was changed concurrently; try again');
    throw err;
  }
}

export default async function addressRoutes(app: App): Promise<void> {
  app.post(
    '/addresses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Add an address to the caller; the first one becomes the default',
        security: bearer,
        body: AddressBody,
        response: { 201: AddressView, ...problemResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const address = await em.transactional(async (tx) => {
        const user = await currentUser(tx, request);
        const { isDefault, ...fields } = request.body;
        const hasAny = (await tx.count(Address, { userId: user.id })) > 0;
        const now = new Date();
        const address = tx.create(Address, {
          id: uuidv7(),
          userId: user.id,
          ...fields,
          isDefault: isDefault ?? !hasAny,
          createdAt: now,
          updatedAt: now,
        });
        if (address.isDefault) await clearOtherDefaults(tx, address);
        await flushDefault(tx);
        return address;
      });
      reply.code(201).header('location', `/addresses/${address.id}`).header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.get(
    '/addresses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'The caller’s addresses (admins: everyone’s, or one user’s with userId)',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Page(AddressView), ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, userId } = request.query;
      const where = request.user.role === 'admin' ? (userId ? { userId } : {}) : { userId: request.user.sub };
      const [items, total] = await app.orm.em.fork().findAndCount(Address, where, {
        orderBy: { isDefault: 'desc', id: 'asc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { items: items.map(addressView), page, pageSize, total };
    },
  );

  app.get(
    '/addresses/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'One address',
        security: bearer,
        params: IdParam,
        response: { 200: AddressView, ...problemResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const address = await visibleAddress(app.orm.em.fork(), request, request.params.id);
      reply.header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.put(
    '/addresses/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Replace an address; If-Match guards against stale reads',
        security: bearer,
        params: IdParam,
        body: AddressBody,
        response: { 200: AddressView, ...problemResponses(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const address = await withVersionCheck(() =>
        em.transactional(async (tx) => {
          const address = await visibleAddress(tx, request, request.params.id);
          assertIfMatch(request, address.version);
          const { isDefault, ...fields } = request.body;
          Object.assign(address, fields);
          // Omitting the flag keeps it: a client editing the street should not lose its default.
          if (isDefault !== undefined) address.isDefault = isDefault;
          address.updatedAt = new Date();
          if (address.isDefault) await clearOtherDefaults(tx, address);
          await flushDefault(tx);
          return address;
        }),
      );
      reply.header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.delete(
    '/addresses/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Delete an address',
        security: bearer,
        params: IdParam,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 404, 412) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      await em.transactional(async (tx) => {
        const address = await visibleAddress(tx, request, request.params.id);
        assertIfMatch(request, address.version);
        tx.remove(address);
      });
      return reply.code(204).send(null);
    },
  );
}
