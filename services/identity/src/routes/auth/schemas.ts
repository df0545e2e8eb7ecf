import { Type } from 'typebox';
import { Email, Name, Password, Username, UserView } from '../common.ts';

export const RegisterBody = Type.Object(
  { email: Email, username: Username, password: Password, name: Type.Optional(Name) },
  { additionalProperties: false },
);
export const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshExpiresIn: Type.Integer({ description: 'seconds until the refresh token expires' }),
});
export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    username: Type.Optional(Username),
    email: Type.Optional(Email),
    password: Type.Optional(Password),
    currentPassword: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);
export const VerifyBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const EraseMeBody = Type.Object(
  {
    password: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'the current password: an access token alone cannot erase the account',
    }),
  },
  { additionalProperties: false },
);
/** What register answers: the new account and a login, as POST /auth/login gives it. */
export const Registered = Type.Object({ user: UserView, ...TokenPair.properties });
export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/** The answer of password reset (it says nothing about who is registered) and of a resend. */
export const Accepted = Type.Object({ status: Type.Literal('accepted') });
export const ACCEPTED = { status: 'accepted' as const };
