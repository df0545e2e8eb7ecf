// shipping's tracking of an order's parcels: SHIPPED and DELIVERED (see use-cases/shipment-progress.ts).
import type { EventHandlers, Logger } from '@mercato/messaging';
import { recordShipmentProgress } from '../use-cases/shipment-progress.ts';

export function shipmentHandlers(logger: Logger): EventHandlers {
  return {
    'shipment.shipped': (event, em) => recordShipmentProgress(em, event, logger),
    'shipment.delivered': (event, em) => recordShipmentProgress(em, event, logger),
  };
}
