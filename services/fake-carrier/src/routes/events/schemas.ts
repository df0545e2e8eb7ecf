import { Type } from 'typebox';

export const EventIdParams = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 200 }),
});
