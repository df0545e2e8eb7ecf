// Stores (warehouses) stock is kept in. Admin only.
import {
  type App,
  assertIfMatch,
  etag,
  IdParam,
  Page,
  PageQuery,
  ProblemSchema,
  problems,
} from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { type Static, Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { InventoryContext } from '../../app.ts';
import { Stock, Store } from '../../entities.ts';

const Code = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', examples: ['BER-1'] });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Address = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()]);

export const StoreView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: Code,
  name: Name,
  address: Address,
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const CreateStore = Type.Object(
  { code: Code, name: Name, address: Type.Optional(Address), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const ReplaceStore = Type.Object(
  { code: Code, name: Name, address: Address, active: Type.Boolean() },
  { additionalProperties: false },
);
const PatchStore = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Name),
    address: Type.Optional(Address),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const IfMatchHeader = Type.Object({ 'if-match': Type.Optional(Type.String()) });

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  412: ProblemSchema,
};

const view = (s: Store): Static<typeof StoreView> => ({
  id: s.id,
  code: s.code,
  name: s.name,
  address: s.address ?? null,
  active: s.active,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

function isDuplicateCode(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
}

export async function storeRoutes(app: App, { ctx }: { ctx: InventoryContext }): Promise<void> {
  const { orm } = ctx;
  // onRequest: who asks is settled before what they sent is looked at (401/403 before 400).
  app.addHook('onRequest', app.requireRole('admin'));
  const tags = ['stores'];
  const security = [{ bearerAuth: [] }];

  app.post(
    '/',
    { schema: { tags, security, body: CreateStore, response: { 201: StoreView, ...errors } } },
    async (request, reply) => {
      const em = orm.em.fork();
      const now = new Date();
      const store = em.create(Store, {
        id: uuidv7(),
        code: request.body.code,
        name: request.body.name,
        address: request.body.address ?? null,
        active: request.body.active ?? true,
        createdAt: now,
        updatedAt: now,
      });
      try {
        await em.flush();
      } catch (err) {
        if (isDuplicateCode(err)) throw problems.conflict(`A store with code ${request.body.code} exists`);
        throw err;
      }
      reply.code(201).header('etag', etag(store.version)).header('location', `/stores/${store.id}`);
      return view(store);
    },
  );

  app.get(
    '/',
    { schema: { tags, security, querystring: PageQuery, response: { 200: Page(StoreView), ...errors } } },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 20;
      const [items, total] = await orm.em
        .fork()
        .findAndCount(
          Store,
          {},
          { orderBy: { code: 'asc' }, limit: pageSize, offset: (page - 1) * pageSize },
        );
      return { items: items.map(view), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    { schema: { tags, security, params: IdParam, response: { 200: StoreView, ...errors } } },
    async (request, reply) => {
      const store = await orm.em.fork().findOne(Store, { id: request.params.id });
      if (!store) throw problems.notFound(`No store ${request.params.id}`);
      reply.header('etag', etag(store.version));
      return view(store);
    },
  );

  const update = async (
    id: string,
    request: Parameters<typeof assertIfMatch>[0],
    changes: Partial<Static<typeof ReplaceStore>>,
  ) => {
    const em = orm.em.fork();
    const store = await em.findOne(Store, { id });
    if (!store) throw problems.notFound(`No store ${id}`);
    assertIfMatch(request, store.version);
    if (changes.code !== undefined) store.code = changes.code;
    if (changes.name !== undefined) store.name = changes.name;
    if (changes.address !== undefined) store.address = changes.address;
    if (changes.active !== undefined) store.active = changes.active;
    store.updatedAt = new Date();
    try {
      await em.flush();
    } catch (err) {
      if (isDuplicateCode(err)) throw problems.conflict(`A store with code ${changes.code} exists`);
      if ((err as Error).name === 'OptimisticLockError')
        throw problems.preconditionFailed('The store was changed meanwhile; read it again');
      throw err;
    }
    return store;
  };

  app.put(
    '/:id',
    {
      schema: {
        tags,
        security,
        params: IdParam,
        headers: IfMatchHeader,
        body: ReplaceStore,
        response: { 200: StoreView, ...errors },
      },
    },
    async (request, reply) => {
      const store = await update(request.params.id, request, request.body);
      reply.header('etag', etag(store.version));
      return view(store);
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        security,
        params: IdParam,
        headers: IfMatchHeader,
        body: PatchStore,
        response: { 200: StoreView, ...errors },
      },
    },
    async (request, reply) => {
      const store = await update(request.params.id, request, request.body);
      reply.header('etag', etag(store.version));
      return view(store);
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        const store = await tx.findOne(Store, { id: request.params.id });
        if (!store) throw problems.notFound(`No store ${request.params.id}`);
        assertIfMatch(request, store.version);
        // Goods or holds still in the store: deleting it would make them vanish from the books.
        const inUse = await tx.count(Stock, {
          storeId: store.id,
          $or: [{ onHand: { $gt: 0 } }, { reserved: { $gt: 0 } }],
        });
        if (inUse > 0) throw problems.conflict('The store still holds stock; move or write it off first');
        await tx.nativeDelete(Stock, { storeId: store.id });
        tx.remove(store);
      });
      reply.code(204);
    },
  );
}
