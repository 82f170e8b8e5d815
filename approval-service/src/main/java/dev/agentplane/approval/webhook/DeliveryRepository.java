package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.WebhookViews.AttemptView;
import dev.agentplane.approval.webhook.WebhookViews.DeliveryView;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL for deliveries and their attempts within one tenant: fan-out, outcomes, and the delivery log.
 * (The dispatcher's claims across tenants are {@link DeliveryClaims}'.)
 */
@Singleton
class DeliveryRepository {

  private static final String VIEW_COLUMNS =
      "id, subscription_id, message_id, event_type, status, next_attempt_at, created_at,"
          + " completed_at";

  private final JdbcOperations jdbc;

  DeliveryRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Queues one delivery of the message for every enabled subscription of the tenant that asked for
   * the event type, in one statement; a message already queued for a subscription is not queued
   * again. Returns how many were queued.
   */
  int fanOut(
      String tenantId,
      String eventType,
      String messageId,
      String body,
      int attemptLimit,
      Instant at) {
    return jdbc.prepareStatement(
        """
        INSERT INTO webhook_delivery (id, tenant_id, subscription_id, message_id, event_type, body,
                                      status, attempts, attempt_limit, next_attempt_at, created_at)
        SELECT gen_random_uuid(), tenant_id, id, ?, ?, ?, 'pending', 0, ?, ?, ?
        FROM webhook_subscription
        WHERE tenant_id = ? AND enabled AND ? = ANY (event_types)
        ON CONFLICT (subscription_id, message_id) DO NOTHING
        """,
        statement -> {
          statement.setString(1, messageId);
          statement.setString(2, eventType);
          statement.setString(3, body);
          statement.setInt(4, attemptLimit);
          statement.setTimestamp(5, Timestamp.from(at));
          statement.setTimestamp(6, Timestamp.from(at));
          statement.setString(7, tenantId);
          statement.setString(8, eventType);
          return statement.executeUpdate();
        });
  }

  /**
   * Logs an attempt, in its delivery's tenant, unless the delivery has been deleted with its
   * subscription meanwhile.
   */
  void recordAttempt(
      String tenantId,
      UUID deliveryId,
      int attempt,
      Instant at,
      Integer statusCode,
      String error,
      long latencyMillis) {
    jdbc.prepareStatement(
        """
        INSERT INTO webhook_delivery_attempt
            (delivery_id, tenant_id, attempt, attempted_at, status_code, error, latency_ms)
        SELECT id, tenant_id, ?, ?, ?, ?, ? FROM webhook_delivery WHERE tenant_id = ? AND id = ?
        ON CONFLICT (delivery_id, attempt) DO NOTHING
        """,
        statement -> {
          statement.setInt(1, attempt);
          statement.setTimestamp(2, Timestamp.from(at));
          statement.setObject(3, statusCode);
          statement.setString(4, error);
          statement.setLong(5, latencyMillis);
          statement.setString(6, tenantId);
          statement.setObject(7, deliveryId);
          return statement.executeUpdate();
        });
  }

  /**
   * Settles the claimed attempt: a final status, or (when {@code retryIn} is given) pending again
   * after that delay. Only the claim holder's attempt counts: if the delivery moved on meanwhile
   * (another claim, a disable), nothing changes.
   */
  void settle(
      String tenantId, UUID deliveryId, int attempt, DeliveryStatus status, Duration retryIn) {
    jdbc.prepareStatement(
        """
        UPDATE webhook_delivery
        SET status = ?, claimed_until = NULL,
            next_attempt_at = CASE WHEN ?::double precision IS NULL THEN next_attempt_at
                                   ELSE now() + make_interval(secs => ?::double precision) END,
            completed_at = CASE WHEN ?::text = 'pending' THEN NULL ELSE now() END
        WHERE tenant_id = ? AND id = ? AND attempts = ? AND status = 'pending'
        """,
        statement -> {
          Double seconds = retryIn == null ? null : retryIn.toMillis() / 1000.0;
          statement.setString(1, status.wire());
          statement.setObject(2, seconds);
          statement.setObject(3, seconds);
          statement.setString(4, status.wire());
          statement.setString(5, tenantId);
          statement.setObject(6, deliveryId);
          statement.setInt(7, attempt);
          return statement.executeUpdate();
        });
  }

  /**
   * The tenant the current transaction is scoped to (row-level security's {@code app.tenant_id}),
   * if any: the only tenant whose subscriptions it can see and whose deliveries it may write.
   */
  Optional<String> tenantOfTransaction() {
    return jdbc.prepareStatement(
        "SELECT current_setting('" + TenantScope.SETTING + "', true)",
        statement -> {
          try (ResultSet rows = statement.executeQuery()) {
            String tenant = rows.next() ? rows.getString(1) : null;
            return Optional.ofNullable(tenant).filter(id -> !id.isBlank());
          }
        });
  }

  /** Stops every pending delivery of the subscription (it was disabled). */
  int disablePending(String tenantId, UUID subscriptionId) {
    return jdbc.prepareStatement(
        """
        UPDATE webhook_delivery SET status = 'disabled', claimed_until = NULL, completed_at = now()
        WHERE tenant_id = ? AND subscription_id = ? AND status = 'pending'
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, subscriptionId);
          return statement.executeUpdate();
        });
  }

  /**
   * Queues another attempt now. A pending delivery keeps its remaining retries; a finished one gets
   * exactly one more attempt. False when there is no such delivery.
   */
  boolean redeliver(String tenantId, UUID subscriptionId, UUID deliveryId) {
    return jdbc.prepareStatement(
            """
            UPDATE webhook_delivery
            SET attempt_limit = CASE WHEN status = 'pending' THEN attempt_limit
                                     ELSE attempts + 1 END,
                status = 'pending', next_attempt_at = now(), completed_at = NULL
            WHERE tenant_id = ? AND subscription_id = ? AND id = ?
            """,
            statement -> {
              statement.setString(1, tenantId);
              statement.setObject(2, subscriptionId);
              statement.setObject(3, deliveryId);
              return statement.executeUpdate();
            })
        == 1;
  }

  /** The subscription's deliveries, newest first, before the cursor's position when given. */
  List<DeliveryView> page(String tenantId, UUID subscriptionId, PageCursor before, int limit) {
    List<DeliveryView> deliveries =
        jdbc.prepareStatement(
            "SELECT "
                + VIEW_COLUMNS
                + " FROM webhook_delivery WHERE tenant_id = ? AND subscription_id = ?"
                + " AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?::uuid))"
                + " ORDER BY created_at DESC, id DESC LIMIT ?",
            statement -> {
              Timestamp at = before == null ? null : Timestamp.from(before.createdAt());
              statement.setString(1, tenantId);
              statement.setObject(2, subscriptionId);
              statement.setTimestamp(3, at);
              statement.setTimestamp(4, at);
              statement.setObject(5, before == null ? null : before.id());
              statement.setInt(6, limit);
              try (ResultSet rows = statement.executeQuery()) {
                List<DeliveryView> result = new ArrayList<>();
                while (rows.next()) {
                  result.add(delivery(rows, List.of()));
                }
                return result;
              }
            });
    Map<UUID, List<AttemptView>> attempts =
        attemptsOf(tenantId, deliveries.stream().map(DeliveryView::id).toList());
    return deliveries.stream()
        .map(d -> withAttempts(d, attempts.getOrDefault(d.id(), List.of())))
        .toList();
  }

  Optional<DeliveryView> find(String tenantId, UUID subscriptionId, UUID deliveryId) {
    Optional<DeliveryView> found =
        jdbc.prepareStatement(
            "SELECT "
                + VIEW_COLUMNS
                + " FROM webhook_delivery WHERE tenant_id = ? AND subscription_id = ? AND id = ?",
            statement -> {
              statement.setString(1, tenantId);
              statement.setObject(2, subscriptionId);
              statement.setObject(3, deliveryId);
              try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(delivery(rows, List.of())) : Optional.empty();
              }
            });
    return found.map(
        d ->
            withAttempts(d, attemptsOf(tenantId, List.of(d.id())).getOrDefault(d.id(), List.of())));
  }

  private Map<UUID, List<AttemptView>> attemptsOf(String tenantId, List<UUID> deliveryIds) {
    if (deliveryIds.isEmpty()) {
      return Map.of();
    }
    return jdbc.prepareStatement(
        """
        SELECT delivery_id, attempt, attempted_at, status_code, error, latency_ms
        FROM webhook_delivery_attempt WHERE tenant_id = ? AND delivery_id = ANY (?)
        ORDER BY delivery_id, attempt
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setArray(
              2, statement.getConnection().createArrayOf("uuid", deliveryIds.toArray()));
          try (ResultSet rows = statement.executeQuery()) {
            Map<UUID, List<AttemptView>> result = new HashMap<>();
            while (rows.next()) {
              result
                  .computeIfAbsent(
                      rows.getObject("delivery_id", UUID.class), id -> new ArrayList<>())
                  .add(
                      new AttemptView(
                          rows.getInt("attempt"),
                          rows.getTimestamp("attempted_at").toInstant(),
                          (Integer) rows.getObject("status_code"),
                          rows.getString("error"),
                          rows.getLong("latency_ms")));
            }
            return result;
          }
        });
  }

  private static DeliveryView delivery(ResultSet rows, List<AttemptView> attempts)
      throws SQLException {
    DeliveryStatus status = DeliveryStatus.fromWire(rows.getString("status"));
    Timestamp completed = rows.getTimestamp("completed_at");
    return new DeliveryView(
        rows.getObject("id", UUID.class),
        rows.getObject("subscription_id", UUID.class),
        rows.getString("message_id"),
        rows.getString("event_type"),
        status.wire(),
        status == DeliveryStatus.PENDING ? rows.getTimestamp("next_attempt_at").toInstant() : null,
        rows.getTimestamp("created_at").toInstant(),
        completed == null ? null : completed.toInstant(),
        attempts);
  }

  private static DeliveryView withAttempts(DeliveryView delivery, List<AttemptView> attempts) {
    return new DeliveryView(
        delivery.id(),
        delivery.webhookId(),
        delivery.messageId(),
        delivery.eventType(),
        delivery.status(),
        delivery.nextAttemptAt(),
        delivery.createdAt(),
        delivery.completedAt(),
        attempts);
  }
}
