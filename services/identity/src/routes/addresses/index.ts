import {
  type App,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  Page,
} from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { addAddress } from '../../use-cases/add-address.ts';
import type { Caller } from '../../use-cases/address-access.ts';
import { deleteAddress } from '../../use-cases/delete-address.ts';
import { getAddress } from '../../use-cases/get-address.ts';
import { listAddresses } from '../../use-cases/list-addresses.ts';
import { replaceAddress } from '../../use-cases/replace-address.ts';
import { AddressBody, AddressView, ListQuery } from './schemas.ts';
import { addressView } from './view.ts';

const caller = (request: FastifyRequest): Caller => ({ userId: request.user.sub, role: request.user.role });

/** Registered under /addresses. */
export default async function addressRoutes(app: App): Promise<void> {
  app.post(
    '',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Add an address to the caller; the first one becomes the default',
        security: bearer,
        body: AddressBody,
        response: { 201: AddressView, ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const address = await addAddress(app.orm.em.fork(), request.user.sub, request.body);
      reply.code(201).header('location', `/addresses/${address.id}`).header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.get(
    '',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'The caller’s addresses (admins: everyone’s, or one user’s with userId)',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Page(AddressView), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, userId } = request.query;
      const { items, total } = await listAddresses(app.orm.em.fork(), caller(request), {
        userId,
        page,
        pageSize,
      });
      return { items: items.map(addressView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'One address',
        security: bearer,
        params: IdParam,
        response: { 200: AddressView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const address = await getAddress(app.orm.em.fork(), caller(request), request.params.id);
      reply.header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.put(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Replace an address; If-Match guards against stale reads',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        body: AddressBody,
        response: { 200: AddressView, ...errorResponses(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const address = await replaceAddress(
        app.orm.em.fork(),
        caller(request),
        request.params.id,
        request.body,
        (version) => assertIfMatch(request, version),
      );
      reply.header('etag', etag(address.version));
      return addressView(address);
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['addresses'],
        summary: 'Delete an address',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 412) },
      },
    },
    async (request, reply) => {
      await deleteAddress(app.orm.em.fork(), caller(request), request.params.id, (version) =>
        assertIfMatch(request, version),
      );
      reply.code(204);
    },
  );
}
