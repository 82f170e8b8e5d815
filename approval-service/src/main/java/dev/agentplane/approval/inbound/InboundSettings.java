package dev.agentplane.approval.inbound;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;

/**
 * Inbound decision knobs ({@code agentplane.approval.inbound.*}), each documented in the service
 * README § Inbound decisions.
 *
 * @param timestampTolerance how far a signed message's {@code webhook-timestamp} may be from now
 * @param previousSecretValidity how long a rotated-out decision-callback secret still verifies
 * @param linkValidity how long an action link works when its maker does not say
 * @param maxLinkValidity the longest validity a maker may ask for
 * @param publicUrl where users reach the platform (the gateway): action links start with it
 */
@ConfigurationProperties("agentplane.approval.inbound")
public record InboundSettings(
    @Bindable(defaultValue = "5m") @NotNull Duration timestampTolerance,
    @Bindable(defaultValue = "24h") @NotNull Duration previousSecretValidity,
    @Bindable(defaultValue = "24h") @NotNull Duration linkValidity,
    @Bindable(defaultValue = "7d") @NotNull Duration maxLinkValidity,
    @Bindable(defaultValue = "http://127.0.0.1:8080") @NotBlank String publicUrl) {

  /** The URL of an action link. */
  URI linkUrl(String tenantId, String token) {
    String base =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    return URI.create(base + "/v1/webhooks/inbound/" + tenantId + "/links/" + token);
  }
}
