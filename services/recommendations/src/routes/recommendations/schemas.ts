import { Money } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });

export const MAX_LIMIT = 50;
export const LimitQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 10, description: 'How many (1..50)' }),
    ),
  },
  { additionalProperties: false },
);

export const PopularQuery = Type.Object(
  {
    ...LimitQuery.properties,
    category: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Only this category (else every one)' }),
    ),
  },
  { additionalProperties: false },
);

export const ProductParams = Type.Object({ id: Uuid });

export const Reason = Type.Union(
  [Type.Literal('bought_together'), Type.Literal('viewed_together'), Type.Literal('popular_in_category')],
  {
    description:
      'bought_together: cosine of co-purchases (time-decayed); viewed_together: of views in one session; ' +
      "popular_in_category: the most bought lately (the score is the share of the list's first)",
  },
);

export const RecommendedProduct = Type.Object({
  productId: Uuid,
  name: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  price: Type.Union([Money, Type.Null()]),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  reason: Reason,
});

export const ProductRecommendations = Type.Object({
  productId: Uuid,
  items: Type.Array(RecommendedProduct),
});

export const CustomerRecommendations = Type.Object({
  userId: Uuid,
  personalised: Type.Boolean({
    description: 'false: no history yet (or nothing learnt from it), popular items only',
  }),
  items: Type.Array(RecommendedProduct),
});

export const EventsBody = Type.Object(
  {
    events: Type.Array(
      Type.Object(
        {
          type: Type.Union([Type.Literal('view'), Type.Literal('add_to_cart')]),
          productId: Uuid,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50, description: 'In the order they happened; send them batched' },
    ),
  },
  { additionalProperties: false },
);
export type EventsBody = Static<typeof EventsBody>;

export const EventsAccepted = Type.Object({
  accepted: Type.Integer({ minimum: 0 }),
  ignored: Type.Integer({ minimum: 0, description: 'events of products catalog does not know' }),
});

export const PopularRecommendations = Type.Object({
  category: Type.Union([Type.String(), Type.Null()], { description: 'null: every category' }),
  items: Type.Array(RecommendedProduct),
});
