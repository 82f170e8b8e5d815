package dev.agentplane.execution.stream;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.context.annotation.Context;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
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
 * Wakes whoever waits on a run: its SSE streams and waiting parent runs when it has new events, and
 * the instance executing it when someone asks to cancel it, whichever instance wrote either.
 *
 * <p>New events are not announced with {@code NOTIFY}: PostgreSQL serializes the commits of every
 * transaction that notifies on one lock held through the WAL flush, which held step commits to one
 * per fsync. Instead, a commit on this instance wakes this instance's listeners of its runs as it
 * commits, and for runs another instance executes one query every {@code stream.poll-every} reads
 * the last event number of every run listened to here and wakes those that moved. Cancel requests
 * are rare and still travel by {@code NOTIFY} to one {@code LISTEN} connection per instance.
 *
 * <p>The poll reads the runs of every tenant streamed here in one query: through the {@code jobs}
 * datasource. Listening reads no table and keeps its connection of the application's pool.
 */
@Context
public class RunNotifications {

  /** The {@code NOTIFY} channel of cancel requests; the payload is the run id. */
  public static final String CANCEL_CHANNEL = "agentplane_run_cancel";

  private static final Logger LOG = LoggerFactory.getLogger(RunNotifications.class);
  private static final Duration LISTEN_POLL = Duration.ofMillis(500);
  private static final Duration RECONNECT_AFTER = Duration.ofSeconds(1);

  private final DataSource dataSource;
  private final DataSource jobs;
  private final Map<UUID, Set<Runnable>> eventListeners = new ConcurrentHashMap<>();
  // Per run listened to, the last event number the poll saw.
  private final Map<UUID, Long> lastSeen = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<UUID>> cancelListeners = new CopyOnWriteArrayList<>();
  private final Thread listener;
  private volatile boolean open = true;

  RunNotifications(DataSource dataSource, @Named(JobsDataSource.NAME) DataSource jobs) {
    // The injected DataSources hand out the connection of the current transaction; LISTEN and the
    // poll need connections of their own, straight from the pool.
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    this.jobs = DelegatingDataSource.unwrapDataSource(jobs);
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
              if (listeners.isEmpty()) {
                lastSeen.remove(id);
                return null;
              }
              return listeners;
            });
  }

  /** Calls {@code onCancel} with the id of every run someone asked to cancel. */
  public void onCancel(Consumer<UUID> onCancel) {
    cancelListeners.add(onCancel);
  }

  /** Wakes the listeners of runs whose events this instance has just committed. */
  public void committed(Collection<UUID> runIds) {
    for (UUID runId : runIds) {
      wake(runId);
    }
  }

  /** Wakes the listeners of runs listened to here whose last event number moved since last time. */
  @Scheduled(fixedDelay = "${agentplane.execution.stream.poll-every:100ms}")
  void pollRunsListenedTo() {
    if (eventListeners.isEmpty()) {
      return;
    }
    try (Connection connection = jobs.getConnection();
        PreparedStatement heads =
            connection.prepareStatement("SELECT id, last_seq FROM run WHERE id = ANY(?)")) {
      connection.setAutoCommit(true);
      heads.setArray(1, connection.createArrayOf("uuid", eventListeners.keySet().toArray()));
      try (ResultSet rows = heads.executeQuery()) {
        while (rows.next()) {
          UUID runId = rows.getObject(1, UUID.class);
          long last = rows.getLong(2);
          Long before = lastSeen.put(runId, last);
          if (before == null || before < last) {
            wake(runId);
          }
        }
      }
    } catch (SQLException e) {
      // The next poll tries again; streams also re-read on their own timer meanwhile.
      LOG.debug("Polling runs listened to failed", e);
    }
  }

  private void wake(UUID runId) {
    Set<Runnable> listeners = eventListeners.get(runId);
    if (listeners != null) {
      listeners.forEach(Runnable::run);
    }
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
          statement.execute("LISTEN " + CANCEL_CHANNEL);
        }
        PGConnection postgres = connection.unwrap(PGConnection.class);
        while (open) {
          PGNotification[] notifications = postgres.getNotifications((int) LISTEN_POLL.toMillis());
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              deliver(notification);
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (open) {
          LOG.warn("Cancel notifications lost their connection; listening again shortly", e);
          // Waiting before reconnecting keeps a database outage from becoming a busy loop; the
          // sweeper's lease checks stop a cancelled run meanwhile.
          LockSupport.parkNanos(RECONNECT_AFTER.toNanos());
        }
      }
    }
  }

  private void deliver(PGNotification notification) {
    if (!CANCEL_CHANNEL.equals(notification.getName())) {
      return;
    }
    UUID runId;
    try {
      runId = UUID.fromString(notification.getParameter());
    } catch (IllegalArgumentException notOurs) {
      return;
    }
    cancelListeners.forEach(listener -> listener.accept(runId));
  }
}
