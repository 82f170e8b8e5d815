package dev.agentplane.kit.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * How every service checks a token's signature and lifetime ({@code agentplane.jwt.*}).
 *
 * @param keySource {@code hs256} (dev: a shared secret) or {@code jwks} (production: the identity
 *     provider's published keys); set by {@code ServiceKitContextConfigurer}
 * @param secret the HS256 secret, at least 32 bytes ({@code AGENTPLANE_JWT_SECRET})
 * @param clockSkew how far the clocks of the issuer and this service may disagree when {@code exp}
 *     and {@code nbf} are checked ({@code AGENTPLANE_JWT_CLOCK_SKEW})
 * @param verifiedTokens how many verified tokens are remembered, so that a caller's next request
 *     with the same token skips parsing and the signature check; 0 remembers none
 * @param verifiedTokenTtl how long a verified token is remembered at most (never past its {@code
 *     exp}, and never once the JWKS cache it was verified against is due for a refetch or lost a
 *     key, so this cache does not extend the life of a retired key)
 */
@ConfigurationProperties("agentplane.jwt")
public record JwtSettings(
    @Bindable(defaultValue = "hs256") @NotBlank String keySource,
    @Bindable(defaultValue = "agentplane-dev-secret-change-me-0123456789abcdef") @NotBlank
        String secret,
    @Bindable(defaultValue = "30s") @NotNull Duration clockSkew,
    @Bindable(defaultValue = "10000") @Min(0) int verifiedTokens,
    @Bindable(defaultValue = "30s") @NotNull Duration verifiedTokenTtl) {

  public static final String KEY_SOURCE_PROPERTY = "agentplane.jwt.key-source";
}
