import type { HalfLives } from '../domain/decay.ts';

/** The model's settings, from the configuration. */
export interface ModelSettings {
  halfLives: HalfLives;
  /** pairs bought together fewer times than this are not shown as bought together */
  minCoPurchases: number;
  /** views of one customer this close together form a session (viewed together) */
  viewSessionMinutes: number;
  /** latest viewed products kept per customer (the session, and the seeds of "for you") */
  recentViewsKept: number;
}
