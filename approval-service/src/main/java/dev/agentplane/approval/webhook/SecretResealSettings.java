package dev.agentplane.approval.webhook;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Re-sealing after a master key rotation ({@code agentplane.approval.webhooks.reseal.*}), each knob
 * documented in the service README § Rotating the webhook secrets key.
 *
 * @param onStartup whether the service re-seals secrets still on an older key when it starts
 * @param batchSize rows (subscriptions, tenants' inbound secrets) re-sealed and committed per
 *     transaction
 */
@ConfigurationProperties("agentplane.approval.webhooks.reseal")
public record SecretResealSettings(
    @Bindable(defaultValue = "true") boolean onStartup,
    @Bindable(defaultValue = "100") @Min(1) @Max(10000) int batchSize) {}
