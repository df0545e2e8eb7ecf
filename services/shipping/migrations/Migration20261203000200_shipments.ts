// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (shipping, or a test's).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000200_shipments extends Migration {
  override async up(): Promise<void> {
    // What shipping learns about an order from two events that may come in either order:
    // stock.reserved (where the units are: allocations and stores, of `allocation_revision`) and
    // order.confirmed (where they go, the priced lines, the level). The shipments are created by
    // whichever of the two comes second; `shipments_created_at` makes that happen once. An order
    // cancelled (order.cancelled) gets no shipments, and its parcels not picked up yet are cancelled.
    this.addSql(`create table shipping_order (
      order_id uuid primary key,
      user_id uuid not null,
      allocation_revision integer,
      allocations jsonb,
      stores jsonb,
      confirmed_revision integer,
      shipping_address jsonb,
      lines jsonb,
      level text check (level in ('standard','express')),
      shipments_created_at timestamptz,
      cancelled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);

    // One parcel per store of a confirmed order. `status` is the furthest point the parcel reached
    // (events arrive out of order; a late one never moves it back); `exception_*` is set by an
    // exception until a progress event that happened after it. booking_* is the booking worker's
    // queue: `next_booking_at` is both the backoff and the lease.
    this.addSql(`create table shipment (
      id uuid primary key,
      order_id uuid not null,
      user_id uuid not null,
      store_id uuid not null,
      level text not null check (level in ('standard','express')),
      lines jsonb not null,
      from_address jsonb not null,
      to_address jsonb not null,
      weight_grams integer not null check (weight_grams > 0),
      status text not null check (status in ('booking','booking_failed','label_created','picked_up',
        'in_transit','out_for_delivery','delivered','cancelled')),
      carrier text,
      tracking_number text unique,
      booking_tries integer not null default 0,
      next_booking_at timestamptz,
      booking_error text,
      exception_code text,
      exception_description text,
      exception_at timestamptz,
      picked_up_at timestamptz,
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (order_id, store_id)
    )`);
    this.addSql('create index shipment_order_idx on shipment (order_id)');
    this.addSql('create index shipment_user_idx on shipment (user_id, id desc)');
    this.addSql(
      `create index shipment_booking_due_idx on shipment (next_booking_at) where status = 'booking'`,
    );
    this.addSql('create index shipment_exception_idx on shipment (id desc) where exception_code is not null');

    // A customer's return of delivered lines: one parcel back to one store, booked like a shipment
    // (kind 'return'). `lines` carry what was paid for them: the refund of return.received.
    this.addSql(`create table return_parcel (
      id uuid primary key,
      order_id uuid not null,
      user_id uuid not null,
      store_id uuid not null,
      lines jsonb not null,
      refund_amount numeric(16,4) not null,
      currency char(3) not null,
      from_address jsonb not null,
      to_address jsonb not null,
      weight_grams integer not null check (weight_grams > 0),
      status text not null check (status in ('booking','booking_failed','label_created','picked_up',
        'in_transit','out_for_delivery','received')),
      carrier text,
      tracking_number text unique,
      booking_tries integer not null default 0,
      next_booking_at timestamptz,
      booking_error text,
      exception_code text,
      exception_description text,
      exception_at timestamptz,
      received_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql('create index return_parcel_order_idx on return_parcel (order_id)');
    this.addSql('create index return_parcel_user_idx on return_parcel (user_id, id desc)');
    this.addSql(
      `create index return_parcel_booking_due_idx on return_parcel (next_booking_at) where status = 'booking'`,
    );

    // The tracking history, one row per carrier event (the carrier's eventId: a redelivery is
    // recognised and has no second effect), of a shipment or of a return.
    this.addSql(`create table tracking_event (
      event_id text primary key,
      shipment_id uuid references shipment (id),
      return_id uuid references return_parcel (id),
      status text not null,
      occurred_at timestamptz not null,
      code text,
      description text,
      location text,
      received_at timestamptz not null default now(),
      check ((shipment_id is null) <> (return_id is null))
    )`);
    this.addSql('create index tracking_event_shipment_idx on tracking_event (shipment_id, occurred_at)');
    this.addSql('create index tracking_event_return_idx on tracking_event (return_id, occurred_at)');

    // Webhook signatures seen within the tolerance window: the very same request again is a replay.
    this.addSql(`create table webhook_signature (
      signature text primary key,
      expires_at timestamptz not null
    )`);
    this.addSql('create index webhook_signature_expires_idx on webhook_signature (expires_at)');

    // POST /shippings/returns's Idempotency-Key records (@mercato/idempotency, storedResource layout:
    // the return created first is rendered again on a replay).
    this.addSql(`create table return_idempotency_key (
      user_id uuid not null,
      key text not null,
      fingerprint text not null,
      resource_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`);
    this.addSql('create index return_idempotency_key_created_at_idx on return_idempotency_key (created_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists return_idempotency_key');
    this.addSql('drop table if exists webhook_signature');
    this.addSql('drop table if exists tracking_event');
    this.addSql('drop table if exists return_parcel');
    this.addSql('drop table if exists shipment');
    this.addSql('drop table if exists shipping_order');
  }
}
