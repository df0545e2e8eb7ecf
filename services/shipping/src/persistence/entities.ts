// The shipping service's tables as the ORM knows them (no `schema`: the ORM's setting applies).
import { messagingEntities } from '@mercato/messaging';
import { rateEntities } from './rate-entities.ts';
import { shipmentEntities } from './shipment-entities.ts';

export const entities = [...messagingEntities, ...rateEntities, ...shipmentEntities];
