// identity's user events (queue <exchange>.notifications.accounts): the local read model of users,
// and the account mails — welcome + verification, password reset, refused registration, erasure.
import type {
  UserErased,
  UserPasswordResetRequested,
  UserRegistered,
  UserRegistrationRefused,
  UserUpdated,
  UserVerificationRequested,
} from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { eraseNotificationsOf, hasTemplate } from '../persistence/notifications.ts';
import { contactOf, eraseContact, recordRegistered, recordUpdated } from '../persistence/read-models.ts';
import type { NotificationContext } from '../use-cases/context.ts';
import { queueMail } from '../use-cases/queue-mail.ts';

const minutesBetween = (from: string, to: string) =>
  Math.max(1, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 60_000));

export function accountHandlers(ctx: NotificationContext): {
  'user.registered': EventHandler<UserRegistered, 'user.registered'>;
  'user.updated': EventHandler<UserUpdated, 'user.updated'>;
  'user.verification_requested': EventHandler<UserVerificationRequested, 'user.verification_requested'>;
  'user.password_reset_requested': EventHandler<UserPasswordResetRequested, 'user.password_reset_requested'>;
  'user.registration_refused': EventHandler<UserRegistrationRefused, 'user.registration_refused'>;
  'user.erased': EventHandler<UserErased, 'user.erased'>;
} {
  return {
    // No mail here: the welcome goes with the verification link (one mail, keyed on that event).
    'user.registered': async (event, em) => {
      await recordRegistered(em, event.data);
    },
    'user.updated': async (event, em) => {
      await recordUpdated(em, event.data);
    },
    'user.verification_requested': async (event, em) => {
      const { userId, email, token, expiresAt } = event.data;
      const contact = await contactOf(em, userId);
      if (contact?.erased) return;
      // The first verification mail of an account is the welcome; a resend only asks to verify.
      const template = (await hasTemplate(em, userId, 'welcome')) ? 'verify-email' : 'welcome';
      await queueMail(ctx, em, {
        event,
        template,
        userId,
        recipient: email,
        data: { name: contact?.name ?? undefined, email, token, expiresAt },
      });
    },
    'user.password_reset_requested': async (event, em) => {
      const { userId, email, token, expiresAt } = event.data;
      const contact = await contactOf(em, userId);
      if (contact?.erased) return;
      await queueMail(ctx, em, {
        event,
        template: 'password-reset',
        userId,
        recipient: email,
        data: {
          name: contact?.name ?? undefined,
          token,
          expiresAt,
          validMinutes: minutesBetween(event.occurredAt, expiresAt),
        },
      });
    },
    'user.registration_refused': async (event, em) => {
      const { email, username, reason, userId } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'registration-refused',
        // the existing owner's record when the address is taken; the registrant has no account
        userId: reason === 'email-taken' ? (userId ?? null) : null,
        recipient: email,
        data: { email, username, emailTaken: reason === 'email-taken' },
      });
    },
    // The confirmation goes to the address as it was, then everything of the user is forgotten here:
    // the read model row (a tombstone stays), preferences, order views, and recipient and bodies of
    // their mail records. The confirmation's own record is erased by the sender once it is sent.
    'user.erased': async (event, em) => {
      const { userId, email, erasedAt } = event.data;
      await eraseNotificationsOf(em, userId);
      await eraseContact(em, userId);
      await queueMail(ctx, em, {
        event,
        template: 'account-erased',
        userId,
        recipient: email,
        data: { erasedAt },
        eraseAfterSend: true,
      });
    },
  };
}
