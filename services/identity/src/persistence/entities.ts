// Identity's own tables. No `schema` here: the ORM's schema setting applies (identity, or a test schema).
import type { Role } from '@mercato/kit';
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';

export const UserSchema = defineEntity({
  name: 'User',
  // `user` is a reserved word in PostgreSQL.
  tableName: 'app_user',
  properties: {
    id: p.uuid().primary(),
    /** Stored lower-cased: e-mail addresses are compared case-insensitively. */
    email: p.string().columnType('text').unique(),
    username: p.string().columnType('text'),
    name: p.string().columnType('text').nullable(),
    passwordHash: p.string().columnType('text').hidden(),
    role: p.string().columnType('text').$type<Role>(),
    active: p.boolean(),
    /** When the owner confirmed the current e-mail address (POST /auth/verify); null: not yet. */
    emailVerifiedAt: p.datetime().columnType('timestamptz').nullable(),
    /**
     * When the account was erased: its personal data is gone (placeholders for the e-mail and the
     * username, no name, no password); the row stays so that ids other services hold keep meaning.
     */
    erasedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class User extends UserSchema.class {}
UserSchema.setClass(User);

/**
 * One row per refresh token ever issued. Rows of one login share a family; each row also remembers
 * the access token issued with it, so that revoking a family can deny-list its live access tokens.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    familyId: p.uuid().index(),
    tokenHash: p.string().columnType('text').unique(),
    accessJti: p.uuid().unique(),
    accessExpiresAt: p.datetime().columnType('timestamptz'),
    expiresAt: p.datetime().columnType('timestamptz'),
    /** Set when the token was exchanged for a new one; a second exchange is reuse. */
    rotatedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class RefreshToken extends RefreshTokenSchema.class {}
RefreshTokenSchema.setClass(RefreshToken);

export const PasswordResetSchema = defineEntity({
  name: 'PasswordReset',
  tableName: 'password_reset',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    tokenHash: p.string().columnType('text').unique(),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class PasswordReset extends PasswordResetSchema.class {}
PasswordResetSchema.setClass(PasswordReset);

/** A single-use token that confirms the account's e-mail address (kept as a digest, like resets). */
export const EmailVerificationSchema = defineEntity({
  name: 'EmailVerification',
  tableName: 'email_verification',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    tokenHash: p.string().columnType('text').unique(),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class EmailVerification extends EmailVerificationSchema.class {}
EmailVerificationSchema.setClass(EmailVerification);

export const AddressSchema = defineEntity({
  name: 'Address',
  tableName: 'address',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    /** The name on the parcel, when it is not the account's own (optional). */
    recipient: p.string().columnType('text').nullable(),
    street: p.string().columnType('text'),
    city: p.string().columnType('text'),
    postalCode: p.string().columnType('text'),
    /** ISO 3166-1 alpha-2 */
    country: p.string().columnType('char(2)'),
    isDefault: p.boolean(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class Address extends AddressSchema.class {}
AddressSchema.setClass(Address);

export const entities = [
  UserSchema,
  RefreshTokenSchema,
  PasswordResetSchema,
  EmailVerificationSchema,
  AddressSchema,
  ...messagingEntities,
];
