// ISBNs are checked by their check digit, not only their shape: a mistyped digit is caught at the door.

/** Digits (and a final X for ISBN-10) with hyphens or spaces removed. */
export function compactIsbn(isbn: string): string {
  return isbn.replace(/[-\s]/g, '').toUpperCase();
}

export function isValidIsbn(isbn: string): boolean {
  const s = compactIsbn(isbn);
  if (/^\d{13}$/.test(s)) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += Number(s[i]) * (i % 2 === 0 ? 1 : 3);
    return sum % 10 === 0;
  }
  if (/^\d{9}[\dX]$/.test(s)) {
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += (s[i] === 'X' ? 10 : Number(s[i])) * (10 - i);
    return sum % 11 === 0;
  }
  return false;
}
