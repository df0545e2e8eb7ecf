// How amounts and dates read in a mail. Amounts are decimal strings (the contracts' Money): they are
// normalised through exact integer units and handed to Intl as strings, which formats decimal
// strings exactly (never through a binary float).
import { fromUnits, toUnits } from '@mercato/contracts';

export interface Money {
  amount: string;
  currency: string;
}

export interface Formatter {
  money(m: Money): string;
  dateTime(iso: string | Date): string;
  /** Makes the date format now: a locale or time zone ICU does not know throws here (a RangeError). */
  check(): void;
}

/** The configuration's defaults, which ICU knows: a start with them need not check them. */
export const DEFAULT_MAIL_LOCALE = 'en-GB';
export const DEFAULT_MAIL_TIME_ZONE = 'UTC';

export function formatter(locale: string, timeZone: string): Formatter {
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  // Made on first use: a DateTimeFormat brings in ICU's calendar and time-zone data (~8 MB resident),
  // and most mails (welcome, verification, order updates) print no date.
  let dates: Intl.DateTimeFormat | undefined;
  const dateFormat = () =>
    (dates ??= new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }));
  return {
    check() {
      dateFormat();
    },
    money(m) {
      let f = moneyFormats.get(m.currency);
      if (!f) {
        // The currency's usual decimals, and up to four where an amount has them (never rounded).
        f = new Intl.NumberFormat(locale, {
          style: 'currency',
          currency: m.currency,
          maximumFractionDigits: 4,
        });
        moneyFormats.set(m.currency, f);
      }
      const exact = fromUnits(toUnits(m.amount));
      return f.format(exact as unknown as number);
    },
    dateTime(iso) {
      const d = iso instanceof Date ? iso : new Date(iso);
      if (Number.isNaN(d.getTime())) return String(iso);
      return dateFormat().format(d);
    },
  };
}
