package dev.agentplane.kit.security;

/**
 * Which generation of signing keys a token was verified against, so that a remembered verification
 * ({@link CachingTokenAuthenticationFetcher}) is trusted only while the keys it relied on are still
 * the keys in force: a key withdrawn from the JWKS, or a key cache past its TTL, makes every
 * remembered token go through the full signature check again.
 */
interface SigningKeyGeneration {

  /** The keys are due to be fetched again: nothing verified earlier may be trusted from memory. */
  long STALE = -1;

  /**
   * The current generation, or {@link #STALE}; it changes whenever a key may have been withdrawn.
   */
  long current();
}
