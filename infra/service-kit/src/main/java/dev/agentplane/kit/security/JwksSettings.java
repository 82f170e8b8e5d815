package dev.agentplane.kit.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;

/**
 * The production key source ({@code agentplane.jwks.*}): where the identity provider publishes its
 * keys, which algorithms its tokens may use, and how the keys are cached.
 *
 * @param url the JWKS document ({@code AGENTPLANE_JWKS_URL})
 * @param algorithms the only {@code alg} values accepted: asymmetric ones, so that a public key can
 *     never be used as an HMAC secret
 * @param cacheTtl how long fetched keys are used before they are fetched again: a key withdrawn
 *     from the JWKS (retired) stops being accepted at most this long after it was withdrawn, while
 *     the identity provider answers
 * @param unknownKeyRefreshInterval at most one extra fetch per interval when a token names a key id
 *     the cache does not hold (key rotation), so a flood of forged key ids cannot hammer the
 *     identity provider; also how often a failing identity provider is asked again while the
 *     expired keys stay in use
 * @param fetchTimeout how long one fetch of the JWKS may take
 */
@ConfigurationProperties("agentplane.jwks")
public record JwksSettings(
    String url,
    @Bindable(defaultValue = "RS256,ES256") @NotEmpty List<String> algorithms,
    @Bindable(defaultValue = "5m") @NotNull Duration cacheTtl,
    @Bindable(defaultValue = "10s") @NotNull Duration unknownKeyRefreshInterval,
    @Bindable(defaultValue = "5s") @NotNull Duration fetchTimeout) {}
