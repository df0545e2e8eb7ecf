import type { Store } from '../../persistence/entities.ts';
import type { StoreView } from './schemas.ts';

export const storeView = (s: Store): StoreView => ({
  id: s.id,
  code: s.code,
  name: s.name,
  address: s.address ?? null,
  active: s.active,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});
