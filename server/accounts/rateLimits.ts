/**
 * Rate limits on sign-in, sign-up and guest entry (rate-limiter-flexible, in memory per instance), per
 * address and per account, so neither one address guessing many passwords nor many addresses guessing
 * one account's password get far. Refusals answer 429 with `retry-after` and a sentence for people.
 */
import type { ServerResponse } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { sendJson } from '../http/replies.js';

export interface AuthRateLimits {
  /** Sign-in attempts per address: an office behind one NAT signs in often, a guesser far more often. */
  signInPerAddress: RateLimiterMemory;
  /** Failed sign-ins per account: a person mistyping stays far below this; a guesser hits it at once. */
  failuresPerAccount: RateLimiterMemory;
  /** New accounts and guests per address. */
  signUpPerAddress: RateLimiterMemory;
}

export interface RateLimitSettings {
  signInPerAddress: { points: number; durationSeconds: number };
  failuresPerAccount: { points: number; durationSeconds: number };
  signUpPerAddress: { points: number; durationSeconds: number };
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  signInPerAddress: { points: 30, durationSeconds: 10 * 60 },
  failuresPerAccount: { points: 10, durationSeconds: 15 * 60 },
  signUpPerAddress: { points: 20, durationSeconds: 60 * 60 },
};

export function createAuthRateLimits(settings: RateLimitSettings = DEFAULT_RATE_LIMITS): AuthRateLimits {
  const limiter = ({ points, durationSeconds }: { points: number; durationSeconds: number }) => new RateLimiterMemory({ points, duration: durationSeconds });
  return {
    signInPerAddress: limiter(settings.signInPerAddress),
    failuresPerAccount: limiter(settings.failuresPerAccount),
    signUpPerAddress: limiter(settings.signUpPerAddress),
  };
}

/** Consumes one point; on refusal answers 429 and returns false. */
export async function consume(limiter: RateLimiterMemory, key: string, response: ServerResponse): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    refuse(response, rejection);
    return false;
  }
}

/** Whether the key is already past its limit, without consuming (for per-account checks before work). */
export async function blocked(limiter: RateLimiterMemory, key: string, response: ServerResponse): Promise<boolean> {
  const state = await limiter.get(key);
  if (state === null || state.remainingPoints > 0) return false;
  refuse(response, state);
  return true;
}

function refuse(response: ServerResponse, state: RateLimiterRes): void {
  const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  response.setHeader('retry-after', String(seconds));
  sendJson(response, 429, { error: `Too many attempts. Try again in ${seconds} seconds.` });
}
