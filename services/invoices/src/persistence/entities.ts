// Invoices' own tables. No `schema` here: the ORM's schema setting applies (invoices, or a test's).

import type { ShippingCharge } from '@mercato/contracts';
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';
import type { CreditNoteLine } from '../domain/credit-note-rules.ts';
import type {
  AddressSnapshot,
  InvoiceLine,
  InvoiceShipping,
  OrderLineSnapshot,
} from '../domain/invoice-rules.ts';

/** What invoices keeps of each order, from order.placed / order.lines_changed (latest revision). */
export const OrderViewSchema = defineEntity({
  name: 'OrderView',
  tableName: 'order_view',
  properties: {
    orderId: p.uuid().primary(),
    userId: p.uuid(),
    revision: p.integer(),
    lines: p.json<OrderLineSnapshot[]>(),
    totalAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    /** The shipping address is the billing address; the snapshot when the event had one. */
    billingAddress: p.json<AddressSnapshot>().nullable(),
    billingAddressId: p.uuid(),
    /** The order's shipping line (order.placed `shipping`); null when it has none. */
    shipping: p.json<ShippingCharge>().nullable(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});
export class OrderView extends OrderViewSchema.class {}
OrderViewSchema.setClass(OrderView);

/** A captured payment of an order (payment.succeeded): what makes the order invoiceable. */
export const OrderPaymentSchema = defineEntity({
  name: 'OrderPayment',
  tableName: 'order_payment',
  properties: {
    orderId: p.uuid().primary(),
    paymentId: p.uuid(),
    userId: p.uuid(),
    revision: p.integer(),
    amount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    paidAt: p.datetime().columnType('timestamptz'),
  },
});
export class OrderPayment extends OrderPaymentSchema.class {}
OrderPaymentSchema.setClass(OrderPayment);

export const InvoiceSchema = defineEntity({
  name: 'Invoice',
  tableName: 'invoice',
  properties: {
    id: p.uuid().primary(),
    year: p.integer(),
    /** Gapless within the year: taken from invoice_counter in the invoice's own transaction. */
    number: p.integer(),
    orderId: p.uuid(),
    userId: p.uuid(),
    paymentId: p.uuid(),
    orderRevision: p.integer(),
    lines: p.json<InvoiceLine[]>(),
    /** The order's shipping line; null when it has none (and on invoices issued before). */
    shipping: p.json<InvoiceShipping>().nullable(),
    /** lines + shipping: what the order was charged */
    totalAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    billingAddress: p.json<AddressSnapshot>().nullable(),
    billingAddressId: p.uuid(),
    issuedAt: p.datetime().columnType('timestamptz'),
    /**
     * SHA-256 (hex) of the download token invoice.issued carried (GET /invoices/{id}/pdf?token=…);
     * null on invoices issued before tokens existed. The token itself is never stored.
     */
    downloadTokenHash: p.string().columnType('text').nullable(),
  },
});
export class Invoice extends InvoiceSchema.class {}
InvoiceSchema.setClass(Invoice);

/** Returned lines credited (return.received): one per return, in its own gapless series per year. */
export const CreditNoteSchema = defineEntity({
  name: 'CreditNote',
  tableName: 'credit_note',
  properties: {
    id: p.uuid().primary(),
    year: p.integer(),
    /** Gapless within the year: taken from credit_note_counter in the credit note's own transaction. */
    number: p.integer(),
    returnId: p.uuid(),
    orderId: p.uuid(),
    userId: p.uuid(),
    /** The invoice it corrects; null until the order's invoice is issued (which fills it in). */
    invoiceId: p.uuid().nullable(),
    /** The store the returned units went back to. */
    storeId: p.uuid(),
    lines: p.json<CreditNoteLine[]>(),
    /** the refund: what the lines add up to */
    totalAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    /** The invoice's copy when it was issued, else the order's; kept as issued (see the README). */
    billingAddress: p.json<AddressSnapshot>().nullable(),
    billingAddressId: p.uuid().nullable(),
    issuedAt: p.datetime().columnType('timestamptz'),
  },
});
export class CreditNote extends CreditNoteSchema.class {}
CreditNoteSchema.setClass(CreditNote);

export const entities = [
  OrderViewSchema,
  OrderPaymentSchema,
  InvoiceSchema,
  CreditNoteSchema,
  ...messagingEntities,
];
