// A deadline on a promise that has none of its own (a CHECKPOINT on a server that may not answer).
import { ManagerError } from '../errors.js';

/** Resolves as `promise` does, or rejects once `ms` have passed, naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ManagerError('INTERNAL', `${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
