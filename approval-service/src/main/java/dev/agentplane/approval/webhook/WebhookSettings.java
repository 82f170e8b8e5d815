package dev.agentplane.approval.webhook;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Outbound webhook knobs ({@code agentplane.approval.webhooks.*}), each documented in the service
 * README § Webhooks.
 *
 * @param secretKey base64 of a 32-byte AES key that seals secrets at rest, under the id of its
 *     fingerprint (the single key of earlier configurations; still read)
 * @param secretKeys key id → base64 of a 32-byte AES key: any configured key opens
 * @param currentSecretKeyId the key new values are sealed with (needed once several are configured)
 * @param requireHttps whether subscription URLs must be https (off only for development)
 * @param allowedHosts hosts every tenant may subscribe although they are loopback or private (on
 *     any port)
 * @param allowedPorts ports receivers may listen on besides 80 and 443
 * @param previousSecretValidity how long a rotated-out secret keeps signing beside the new one
 * @param retrySchedule the longest wait before each retry (full jitter); its length + 1 is the
 *     number of attempts
 * @param connectTimeout connecting to a receiver
 * @param readTimeout from sending the request to having the whole response
 * @param maxConcurrency deliveries in flight per instance
 * @param pollInterval how often an idle dispatcher looks for due deliveries (a commit wakes it)
 * @param dispatcherEnabled whether this instance dispatches (any number may)
 */
@ConfigurationProperties("agentplane.approval.webhooks")
public record WebhookSettings(
    @Nullable String secretKey,
    @Nullable Map<String, String> secretKeys,
    @Nullable String currentSecretKeyId,
    @Bindable(defaultValue = "true") boolean requireHttps,
    @Nullable List<String> allowedHosts,
    @Nullable List<Integer> allowedPorts,
    @Bindable(defaultValue = "24h") @NotNull Duration previousSecretValidity,
    @Bindable(defaultValue = "5s,5m,30m,2h,5h,10h,10h") @NotEmpty List<Duration> retrySchedule,
    @Bindable(defaultValue = "5s") @NotNull Duration connectTimeout,
    @Bindable(defaultValue = "15s") @NotNull Duration readTimeout,
    @Bindable(defaultValue = "16") @Min(1) @Max(1024) int maxConcurrency,
    @Bindable(defaultValue = "1s") @NotNull Duration pollInterval,
    @Bindable(defaultValue = "true") boolean dispatcherEnabled) {

  public WebhookSettings {
    retrySchedule = List.copyOf(retrySchedule);
  }

  /** Attempts a delivery gets before it fails: the first plus one per scheduled retry. */
  public int maxAttempts() {
    return retrySchedule.size() + 1;
  }

  /**
   * How long a dispatcher holds a claimed delivery: longer than any attempt can take, so only a
   * crashed dispatcher's claims expire.
   */
  public Duration claimLease() {
    return connectTimeout.plus(readTimeout).plusSeconds(30);
  }
}
