package dev.agentplane.registry.secret;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Re-sealing after a master key rotation ({@code agentplane.registry.secrets.reseal.*}), each knob
 * documented in the service README § Rotating the secrets key.
 *
 * @param onStartup whether the service re-seals values still on an older key when it starts
 * @param batchSize values re-sealed (and committed) per transaction
 */
@ConfigurationProperties("agentplane.registry.secrets.reseal")
public record SecretResealSettings(
    @Bindable(defaultValue = "true") boolean onStartup,
    @Bindable(defaultValue = "100") @Min(1) @Max(10000) int batchSize) {}
