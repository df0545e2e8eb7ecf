// Stores (warehouses) stock is kept in. Admin only.
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  Page,
  PageQuery,
} from '@mercato/kit';
import { Type } from 'typebox';
import { changeStore } from '../../use-cases/change-store.ts';
import { createStore } from '../../use-cases/create-store.ts';
import { deleteStore } from '../../use-cases/delete-store.ts';
import { getStore, listStores } from '../../use-cases/stores.ts';
import { CreateStore, PatchStore, ReplaceStore, StoreView } from './schemas.ts';
import { storeView } from './view.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 412);

export default async function storeRoutes(app: App): Promise<void> {
  // onRequest: who asks is settled before what they sent is looked at (401/403 before 400).
  app.addHook('onRequest', app.authenticate);
  // Plugin-wide, so the document cannot see it: each schema says 'x-mercato-access': 'admin'.
  app.addHook('onRequest', adminOnly);
  const tags = ['stores'];
  const security = bearer;

  app.post(
    '/',
    {
      schema: {
        tags,
        security,
        'x-mercato-access': 'admin',
        body: CreateStore,
        response: { 201: StoreView, ...errors },
      },
    },
    async (request, reply) => {
      const store = await createStore(app.orm, request.body);
      reply.code(201).header('etag', etag(store.version)).header('location', `/stores/${store.id}`);
      return storeView(store);
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        security,
        'x-mercato-access': 'admin',
        querystring: PageQuery,
        response: { 200: Page(StoreView), ...errors },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20 } = request.query;
      const { items, total } = await listStores(app.orm, { page, pageSize });
      return { items: items.map(storeView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        'x-mercato-access': 'admin',
        params: IdParam,
        response: { 200: StoreView, ...errors },
      },
    },
    async (request, reply) => {
      const store = await getStore(app.orm, request.params.id);
      reply.header('etag', etag(store.version));
      return storeView(store);
    },
  );

  // PUT replaces (every field), PATCH changes some: the same change once the body is validated.
  for (const [method, body] of [
    ['PUT', ReplaceStore],
    ['PATCH', PatchStore],
  ] as const) {
    app.route({
      method,
      url: '/:id',
      schema: {
        tags,
        security,
        'x-mercato-access': 'admin',
        params: IdParam,
        headers: IfMatchHeader,
        body,
        response: { 200: StoreView, ...errors },
      },
      handler: async (request, reply) => {
        const store = await changeStore(app.orm, {
          id: request.params.id,
          changes: request.body,
          ifMatch: (version) => assertIfMatch(request, version),
        });
        reply.header('etag', etag(store.version));
        return storeView(store);
      },
    });
  }

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        'x-mercato-access': 'admin',
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteStore(app, { id: request.params.id, ifMatch: (v) => assertIfMatch(request, v) });
      reply.code(204);
    },
  );
}
