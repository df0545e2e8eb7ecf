import { Type } from 'typebox';

export const AttachmentSummary = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  url: Type.String({ description: 'where to download it' }),
});

export const MessageSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  receivedAt: Type.String({ format: 'date-time' }),
  envelope: Type.Object({ from: Type.String(), to: Type.Array(Type.String()) }),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  date: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  size: Type.Integer({ minimum: 0 }),
  attachments: Type.Array(AttachmentSummary),
});

export const MessageDetail = Type.Intersect([
  MessageSummary,
  Type.Object({
    cc: Type.Array(Type.String()),
    messageId: Type.Union([Type.String(), Type.Null()]),
    headers: Type.Record(Type.String(), Type.String()),
    text: Type.Union([Type.String(), Type.Null()]),
    html: Type.Union([Type.String(), Type.Null()]),
  }),
]);

export const MessageList = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  items: Type.Array(MessageSummary),
});

export const MessagesQuery = Type.Object({
  to: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description: 'only messages to this address (envelope or To/Cc)',
    }),
  ),
});

export const AttachmentParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  index: Type.Integer({ minimum: 0, maximum: 1000 }),
});
