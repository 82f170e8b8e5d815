package dev.agentplane.execution.stream;

import dev.agentplane.execution.run.RunEventLog;
import io.micronaut.context.annotation.Context;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL {@code LISTEN} on one connection per instance, fanned out in process: new events of a
 * run wake its SSE streams and waiting parents, and cancel requests reach the instance executing
 * the run, whichever instance wrote them.
 */
@Context
public class RunNotifications {

  /** The {@code NOTIFY} channel of cancel requests; the payload is the run id. */
  public static final String CANCEL_CHANNEL = "agentplane_run_cancel";

  private static final Logger LOG = LoggerFactory.getLogger(RunNotifications.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration RECONNECT_AFTER = Duration.ofSeconds(1);

  private final DataSource dataSource;
  private final Map<UUID, Set<Runnable>> eventListeners = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<UUID>> cancelListeners = new CopyOnWriteArrayList<>();
  private final Thread listener;
  private volatile boolean open = true;

  RunNotifications(DataSource dataSource) {
    // The injected DataSource hands out the connection of the current transaction; LISTEN needs a
    // connection of its own for the instance's lifetime, straight from the pool.
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    this.listener = Thread.ofPlatform().daemon().name("run-notifications").start(this::listen);
  }

  /** Calls {@code onEvent} whenever the run has new events, until the handle is closed. */
  public AutoCloseable onEvents(UUID runId, Runnable onEvent) {
    eventListeners.computeIfAbsent(runId, id -> ConcurrentHashMap.newKeySet()).add(onEvent);
    return () ->
        eventListeners.computeIfPresent(
            runId,
            (id, listeners) -> {
              listeners.remove(onEvent);
              return listeners.isEmpty() ? null : listeners;
            });
  }

  /** Calls {@code onCancel} with the id of every run someone asked to cancel. */
  public void onCancel(Consumer<UUID> onCancel) {
    cancelListeners.add(onCancel);
  }

  @PreDestroy
  void close() {
    open = false;
    listener.interrupt();
  }

  private void listen() {
    while (open) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + RunEventLog.CHANNEL);
          statement.execute("LISTEN " + CANCEL_CHANNEL);
        }
        PGConnection postgres = connection.unwrap(PGConnection.class);
        while (open) {
          PGNotification[] notifications = postgres.getNotifications((int) POLL.toMillis());
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              deliver(notification);
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (open) {
          LOG.warn("Run notifications lost their connection; listening again shortly", e);
          // Waiting before reconnecting keeps a database outage from becoming a busy loop; SSE
          // streams fall back to their own periodic reads meanwhile.
          LockSupport.parkNanos(RECONNECT_AFTER.toNanos());
        }
      }
    }
  }

  private void deliver(PGNotification notification) {
    UUID runId;
    try {
      runId = UUID.fromString(notification.getParameter());
    } catch (IllegalArgumentException notOurs) {
      return;
    }
    if (RunEventLog.CHANNEL.equals(notification.getName())) {
      Set<Runnable> listeners = eventListeners.get(runId);
      if (listeners != null) {
        listeners.forEach(Runnable::run);
      }
    } else if (CANCEL_CHANNEL.equals(notification.getName())) {
      cancelListeners.forEach(listener -> listener.accept(runId));
    }
  }
}
