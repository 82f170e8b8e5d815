package dev.agentplane.registry.secret;

import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/** What anyone may learn about a secret: that it exists, and who set it when. Never its value. */
@Serdeable
public record SecretMetadata(
    String name, String createdBy, Instant createdAt, String updatedBy, Instant updatedAt) {}
