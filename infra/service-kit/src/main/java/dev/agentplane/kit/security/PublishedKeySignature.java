package dev.agentplane.kit.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.security.token.jwt.signature.ReactiveSignatureConfiguration;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Production key source: the identity provider's JWKS, cached, with the algorithm pinned per key
 * source (only {@code agentplane.jwks.algorithms}, asymmetric) and per key (a key's own {@code alg}
 * and {@code use}). A token naming a key id the cache does not hold triggers one refetch per {@code
 * unknown-key-refresh-interval}, so rotated keys are picked up without waiting for the cache to
 * expire. A key withdrawn from the JWKS stops verifying once the cache is refetched (at most {@code
 * cache-ttl} after it was withdrawn), and a refetch that finds a key gone starts a new {@link
 * SigningKeyGeneration}, so remembered verifications are checked again. The token's own {@code
 * jku}, {@code x5u}, {@code jwk} and {@code x5c} headers are never used: keys come from the
 * configured URL only, and a {@code kid} is an opaque string compared for equality. Fetches are
 * asynchronous: a request thread never waits on the identity provider's socket.
 */
@Singleton
@Requires(property = JwtSettings.KEY_SOURCE_PROPERTY, value = "jwks")
final class PublishedKeySignature
    implements ReactiveSignatureConfiguration<SignedJWT>, SigningKeyGeneration {

  private static final Logger LOG = LoggerFactory.getLogger(PublishedKeySignature.class);

  private record Keys(JWKSet set, long fetchedAtNanos) {}

  private final JwksSettings settings;
  private final URI url;
  private final Set<JWSAlgorithm> algorithms;
  private final HttpClient http;
  private final AtomicReference<Keys> cached = new AtomicReference<>();
  private final AtomicReference<CompletableFuture<Keys>> inFlight = new AtomicReference<>();
  private final AtomicLong lastUnknownKeyRefresh;
  private final AtomicLong lastFailedFetch;
  private final AtomicLong generation = new AtomicLong();

  PublishedKeySignature(JwksSettings settings) {
    if (settings.url() == null || settings.url().isBlank()) {
      throw new IllegalStateException("agentplane.jwks.url (AGENTPLANE_JWKS_URL) is not set");
    }
    this.settings = settings;
    this.url = URI.create(settings.url());
    this.algorithms =
        settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
    for (JWSAlgorithm algorithm : algorithms) {
      if (!JWSAlgorithm.Family.RSA.contains(algorithm)
          && !JWSAlgorithm.Family.EC.contains(algorithm)) {
        throw new IllegalStateException(
            "agentplane.jwks.algorithms may hold only RSA or EC signature algorithms, not "
                + algorithm);
      }
    }
    this.http = HttpClient.newBuilder().connectTimeout(settings.fetchTimeout()).build();
    this.lastUnknownKeyRefresh =
        new AtomicLong(System.nanoTime() - settings.unknownKeyRefreshInterval().toNanos());
    this.lastFailedFetch = new AtomicLong(lastUnknownKeyRefresh.get());
  }

  @Override
  public long current() {
    Keys keys = cached.get();
    return keys == null || isExpired(keys) ? STALE : generation.get();
  }

  @Override
  public Publisher<Boolean> verify(SignedJWT token) {
    JWSAlgorithm algorithm = token.getHeader().getAlgorithm();
    if (!algorithms.contains(algorithm)) {
      return Publishers.just(false);
    }
    Keys keys = cached.get();
    if (keys != null && isExpired(keys) && recentlyFailed()) {
      // The identity provider is down: keep using the keys we had rather than lock everyone out,
      // and ask it again once per refresh interval rather than once per request.
      return Publishers.just(verify(token, keys.set()));
    }
    if (keys == null || isExpired(keys)) {
      // Fetch; if the identity provider does not answer, the keys we had still verify.
      return Publishers.fromCompletableFuture(
          () ->
              fetch()
                  .thenApply(fresh -> verify(token, fresh.set()))
                  .exceptionally(e -> keys != null && verify(token, keys.set())));
    }
    String keyId = token.getHeader().getKeyID();
    if (keyId != null && keys.set().getKeyByKeyId(keyId) == null && mayRefreshForUnknownKey()) {
      return Publishers.fromCompletableFuture(
          () -> fetch().thenApply(fresh -> verify(token, fresh.set())).exceptionally(e -> false));
    }
    return Publishers.just(verify(token, keys.set()));
  }

  private boolean isExpired(Keys keys) {
    return System.nanoTime() - keys.fetchedAtNanos() > settings.cacheTtl().toNanos();
  }

  private boolean recentlyFailed() {
    return System.nanoTime() - lastFailedFetch.get()
        < settings.unknownKeyRefreshInterval().toNanos();
  }

  private boolean mayRefreshForUnknownKey() {
    long now = System.nanoTime();
    long last = lastUnknownKeyRefresh.get();
    return now - last >= settings.unknownKeyRefreshInterval().toNanos()
        && lastUnknownKeyRefresh.compareAndSet(last, now);
  }

  /** One fetch at a time; concurrent callers share it. */
  private CompletableFuture<Keys> fetch() {
    CompletableFuture<Keys> started = new CompletableFuture<>();
    CompletableFuture<Keys> running = inFlight.compareAndExchange(null, started);
    if (running != null) {
      return running;
    }
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(settings.fetchTimeout())
            .header("Accept", "application/json")
            .GET()
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(this::parse)
        .whenComplete(
            (keys, failure) -> {
              inFlight.set(null);
              if (failure != null) {
                LOG.warn("Could not fetch the JWKS from {}: {}", url, failure.toString());
                lastFailedFetch.set(System.nanoTime());
                started.completeExceptionally(failure);
              } else {
                Keys previous = cached.getAndSet(keys);
                if (previous != null && withdrawsAny(previous.set(), keys.set())) {
                  generation.incrementAndGet();
                }
                started.complete(keys);
              }
            });
    return started;
  }

  /** Whether a key of {@code before} (id and material) is no longer in {@code after}. */
  private static boolean withdrawsAny(JWKSet before, JWKSet after) {
    return !new HashSet<>(after.getKeys()).containsAll(before.getKeys());
  }

  private Keys parse(HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("JWKS answered " + response.statusCode());
    }
    try {
      return new Keys(JWKSet.parse(response.body()), System.nanoTime());
    } catch (ParseException e) {
      throw new IllegalStateException("JWKS is not a JWK set: " + e.getMessage(), e);
    }
  }

  private static boolean verify(SignedJWT token, JWKSet keys) {
    JWSAlgorithm algorithm = token.getHeader().getAlgorithm();
    String keyId = token.getHeader().getKeyID();
    List<JWK> candidates =
        keyId == null
            ? keys.getKeys()
            : keys.getKeys().stream().filter(k -> keyId.equals(k.getKeyID())).toList();
    for (JWK key : candidates) {
      if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
        continue;
      }
      if (key.getAlgorithm() != null && !key.getAlgorithm().equals(algorithm)) {
        continue;
      }
      try {
        JWSVerifier verifier = verifierFor(key, algorithm);
        if (verifier != null && token.verify(verifier)) {
          return true;
        }
      } catch (JOSEException e) {
        // A key that cannot verify this token (wrong curve, too short) is just not the one.
      }
    }
    return false;
  }

  private static JWSVerifier verifierFor(JWK key, JWSAlgorithm algorithm) throws JOSEException {
    if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(algorithm)) {
      return new RSASSAVerifier(rsa.toRSAPublicKey());
    }
    if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(algorithm)) {
      return new ECDSAVerifier(ec.toECPublicKey());
    }
    return null;
  }

  @PreDestroy
  void close() {
    http.close();
  }
}
