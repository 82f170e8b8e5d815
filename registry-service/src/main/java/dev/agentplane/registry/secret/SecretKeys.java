package dev.agentplane.registry.secret;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.util.Map;

/**
 * The AES-256 keys secrets are sealed with: {@code current-key-id} seals, any key in {@code keys}
 * opens (so keys can be rotated without re-encrypting at once). Keys are base64 of 32 random bytes.
 *
 * @param currentKeyId the key new values are sealed with
 * @param keys key id → base64 key
 */
@ConfigurationProperties("agentplane.registry.secrets")
public record SecretKeys(@Nullable String currentKeyId, @Nullable Map<String, String> keys) {}
