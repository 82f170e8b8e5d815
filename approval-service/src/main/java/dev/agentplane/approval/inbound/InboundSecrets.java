package dev.agentplane.approval.inbound;

import dev.agentplane.approval.webhook.WebhookSecrets;
import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each tenant's decision-callback secret: the key its integrations sign inbound decisions with and
 * action links are made with. Shown once when made; sealed at rest; on rotation the previous one
 * keeps verifying for {@link InboundSettings#previousSecretValidity()}.
 */
@Singleton
class InboundSecrets {

  // What the secret is for, bound into its sealing (with the tenant): see WebhookSecrets.
  static final String PURPOSE = "inbound-decisions";

  /** A secret as made, to show once. */
  @Serdeable
  record Issued(String secret, Instant rotatedAt, Instant previousValidUntil) {}

  /** What may be shown about a tenant's secret: never the secret. */
  @Serdeable
  record Description(Instant createdAt, Instant rotatedAt, Instant previousValidUntil) {}

  private record Stored(
      Sealed current,
      Sealed previous,
      Instant previousValidUntil,
      Instant createdAt,
      Instant rotatedAt) {}

  private final JdbcOperations jdbc;
  private final WebhookSecrets secrets;
  private final InboundSettings settings;
  private final Clock clock;

  InboundSecrets(
      JdbcOperations jdbc, WebhookSecrets secrets, InboundSettings settings, Clock clock) {
    this.jdbc = jdbc;
    this.secrets = secrets;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Makes the tenant's first secret, or a new one with the old still valid for {@code
   * requestedPreviousValidity} (null: {@code previous-secret-validity}; zero: retired at once).
   */
  @Transactional
  Issued rotate(String tenantId, Duration requestedPreviousValidity) {
    Duration previousValidity =
        WebhookSecrets.previousSecretValidity(
            requestedPreviousValidity, settings.previousSecretValidity());
    // PostgreSQL keeps microseconds: what the POST shows must be what a GET shows later.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    String secret = secrets.mint();
    Sealed sealed = secrets.sealTenantSecret(tenantId, PURPOSE, secret);
    int inserted =
        jdbc.prepareStatement(
            "INSERT INTO inbound_secret"
                + " (tenant_id, key_id, nonce, ciphertext, created_at, rotated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING",
            statement -> {
              statement.setString(1, tenantId);
              statement.setString(2, sealed.keyId());
              statement.setBytes(3, sealed.nonce());
              statement.setBytes(4, sealed.ciphertext());
              statement.setTimestamp(5, Timestamp.from(now));
              statement.setTimestamp(6, Timestamp.from(now));
              return statement.executeUpdate();
            });
    if (inserted == 1) {
      return new Issued(secret, now, null);
    }
    // Rotating: the row lock orders concurrent rotations, so each demotes the one before it.
    Stored existing = row(tenantId, true).orElseThrow();
    boolean overlap = !previousValidity.isZero();
    Instant previousValidUntil = overlap ? now.plus(previousValidity) : null;
    Sealed previous = overlap ? existing.current() : null;
    jdbc.prepareStatement(
        "UPDATE inbound_secret SET key_id = ?, nonce = ?, ciphertext = ?, previous_key_id = ?,"
            + " previous_nonce = ?, previous_ciphertext = ?, previous_valid_until = ?,"
            + " rotated_at = ? WHERE tenant_id = ?",
        statement -> {
          statement.setString(1, sealed.keyId());
          statement.setBytes(2, sealed.nonce());
          statement.setBytes(3, sealed.ciphertext());
          statement.setString(4, previous == null ? null : previous.keyId());
          statement.setBytes(5, previous == null ? null : previous.nonce());
          statement.setBytes(6, previous == null ? null : previous.ciphertext());
          statement.setTimestamp(
              7, previousValidUntil == null ? null : Timestamp.from(previousValidUntil));
          statement.setTimestamp(8, Timestamp.from(now));
          statement.setString(9, tenantId);
          return statement.executeUpdate();
        });
    return new Issued(secret, now, previousValidUntil);
  }

  @Transactional
  Optional<Description> describe(String tenantId) {
    return row(tenantId, false)
        .map(
            stored ->
                new Description(
                    stored.createdAt(),
                    stored.rotatedAt(),
                    stillValid(stored, clock.instant()) ? stored.previousValidUntil() : null));
  }

  /** The secrets a message of the tenant may be signed with now, newest first; empty if none. */
  @Transactional
  List<String> verifying(String tenantId) {
    Instant now = clock.instant();
    List<String> verifying = new ArrayList<>(2);
    row(tenantId, false)
        .ifPresent(
            stored -> {
              verifying.add(secrets.openTenantSecret(tenantId, PURPOSE, stored.current()));
              if (stillValid(stored, now)) {
                verifying.add(secrets.openTenantSecret(tenantId, PURPOSE, stored.previous()));
              }
            });
    return verifying;
  }

  private static boolean stillValid(Stored stored, Instant now) {
    return stored.previous() != null
        && stored.previousValidUntil() != null
        && now.isBefore(stored.previousValidUntil());
  }

  private Optional<Stored> row(String tenantId, boolean forUpdate) {
    return jdbc.prepareStatement(
        "SELECT key_id, nonce, ciphertext, previous_key_id, previous_nonce, previous_ciphertext,"
            + " previous_valid_until, created_at, rotated_at FROM inbound_secret"
            + " WHERE tenant_id = ?"
            + (forUpdate ? " FOR UPDATE" : ""),
        statement -> {
          statement.setString(1, tenantId);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(stored(rows)) : Optional.<Stored>empty();
          }
        });
  }

  private static Stored stored(ResultSet rows) throws SQLException {
    String previousKeyId = rows.getString("previous_key_id");
    Timestamp previousValidUntil = rows.getTimestamp("previous_valid_until");
    return new Stored(
        new Sealed(rows.getString("key_id"), rows.getBytes("nonce"), rows.getBytes("ciphertext")),
        previousKeyId == null
            ? null
            : new Sealed(
                previousKeyId,
                rows.getBytes("previous_nonce"),
                rows.getBytes("previous_ciphertext")),
        previousValidUntil == null ? null : previousValidUntil.toInstant(),
        rows.getTimestamp("created_at").toInstant(),
        rows.getTimestamp("rotated_at").toInstant());
  }
}
