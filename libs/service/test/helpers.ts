// The messaging tests' tiny schema (a `note` table) and test event serve the builder's tests too.
export { Note, noteMigrations, PING, type TestEvents } from '../../messaging/test/helpers.ts';
