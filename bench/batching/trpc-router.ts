// The peer: the same call as a tRPC v11 query procedure, served by tRPC's standalone adapter.
import type { RequestListener } from 'node:http';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { loadUser } from './app.ts';

/** The procedure's input: a user id and, for the head-of-line case, an extra wait. */
export interface UserInput {
  id: number;
  delayMs?: number;
}

/** tRPC's function validator: no schema library, so the peer pays only for tRPC itself. */
function parseUserInput(raw: unknown): UserInput {
  if (typeof raw !== 'object' || raw === null) throw new TypeError('expected { id, delayMs? }');
  const { id, delayMs } = raw as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new TypeError('id must be an integer');
  if (delayMs === undefined) return { id };
  if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0) {
    throw new TypeError('delayMs must be an integer');
  }
  return { id, delayMs };
}

const t = initTRPC.create();

/** The router: one query, `user`, doing the same work as the REST app. */
export const appRouter = t.router({
  user: t.procedure.input(parseUserInput).query(({ input }) => loadUser(input.id, input.delayMs)),
});

/** The router's type, for the typed client. */
export type AppRouter = typeof appRouter;

/** tRPC's standalone adapter as a `node:http` listener (what `createHTTPServer` wraps). */
export function createTrpcListener(): RequestListener {
  return createHTTPHandler({ router: appRouter });
}
