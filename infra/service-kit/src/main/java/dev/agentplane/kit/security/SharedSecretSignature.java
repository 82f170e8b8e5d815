package dev.agentplane.kit.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.security.token.jwt.signature.ReactiveSignatureConfiguration;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Publisher;

/**
 * Dev key source: HS256 with the shared secret, and nothing else. Pinning the algorithm means a
 * token cannot pick a weaker or different MAC (or {@code none}) for itself.
 */
@Singleton
@Requires(property = JwtSettings.KEY_SOURCE_PROPERTY, value = "hs256", defaultValue = "hs256")
final class SharedSecretSignature implements ReactiveSignatureConfiguration<SignedJWT> {

  private final MACVerifier verifier;

  SharedSecretSignature(JwtSettings settings) {
    try {
      this.verifier = new MACVerifier(settings.secret().getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalStateException(
          "agentplane.jwt.secret (AGENTPLANE_JWT_SECRET) must be at least 32 bytes for HS256", e);
    }
  }

  @Override
  public Publisher<Boolean> verify(SignedJWT token) {
    if (!JWSAlgorithm.HS256.equals(token.getHeader().getAlgorithm())) {
      return Publishers.just(false);
    }
    try {
      return Publishers.just(token.verify(verifier));
    } catch (JOSEException e) {
      return Publishers.just(false);
    }
  }
}
