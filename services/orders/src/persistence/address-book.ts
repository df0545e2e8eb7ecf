// The AddressBook backed by identity's public API: GET /addresses/{id} with the caller's own token,
// read synchronously at placement when orders' event-fed copy (address-copy.ts) has not heard of the
// address: one created a moment before the order must work. The ServiceClient gives the deadline, the retries
// (a GET is safe to repeat) and the 503 when identity does not answer.
import { HttpProblem, problems, type ServiceClient } from '@mercato/kit';
import type { AddressBook, OwnedAddress } from '../domain/address.ts';

/** identity's AddressView, as far as orders reads it. */
interface IdentityAddress {
  userId: string;
  recipient?: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function isIdentityAddress(body: unknown): body is IdentityAddress {
  if (!body || typeof body !== 'object') return false;
  const a = body as Record<string, unknown>;
  return (
    isText(a.userId) &&
    isText(a.street) &&
    isText(a.city) &&
    isText(a.postalCode) &&
    isText(a.country) &&
    (a.recipient === undefined || isText(a.recipient))
  );
}

export function identityAddressBook(identity: ServiceClient): AddressBook {
  return {
    async find(caller, id): Promise<OwnedAddress | undefined> {
      const res = await identity.request({
        method: 'GET',
        path: `/addresses/${encodeURIComponent(id)}`,
        authorization: caller.authorization,
      });
      // identity answers another customer's address as 404 too (it does not say it exists).
      if (res.status === 404) return undefined;
      // The token orders accepted a moment ago was refused (logged out, expired in between).
      if (res.status === 401) throw problems.unauthorized('The token was refused');
      if (res.status === 200 && isIdentityAddress(res.body)) {
        const a = res.body;
        return {
          userId: a.userId,
          address: {
            ...(a.recipient ? { name: a.recipient } : {}),
            street: a.street,
            city: a.city,
            postalCode: a.postalCode,
            country: a.country,
          },
        };
      }
      // Anything else (a 500, an answer of another shape) is identity failing, not the client.
      throw new HttpProblem({
        status: 503,
        slug: 'upstream-unavailable',
        title: 'A service this request needs is unavailable',
        detail: `The ${identity.service} service could not give the address (answered ${res.status}); nothing was changed here, try again shortly`,
        extensions: { service: identity.service, retryAfter: 5 },
        headers: { 'retry-after': '5' },
      });
    },
  };
}
