package dev.agentplane.execution.stream;

import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.http.sse.Event;
import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One SSE subscriber's view of a run's events: reads what it has not seen from {@code run_event}
 * whenever woken (a {@code NOTIFY}, the periodic safety read), emits each with {@code id:} = its
 * sequence number, and completes after the terminal event. A resumed run has more than one: the
 * feed completes only at a terminal event that nothing follows yet (a client that reconnects after
 * it gets the continuation, if the run is resumed later). One read at a time; a wake-up during a
 * read triggers another. Reads happen on threads of their own, scoped to the stream's tenant.
 */
final class RunEventFeed {

  static final Set<String> TERMINAL =
      Set.of("run.succeeded", "run.failed", "run.cancelled", "run.timed_out");
  private static final Logger LOG = LoggerFactory.getLogger(RunEventFeed.class);
  private static final int PAGE = 500;

  private record Row(long seq, String type, String data) {}

  private final UUID runId;
  private final String tenantId;
  private final FluxSink<Event<String>> sink;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final AtomicBoolean reading = new AtomicBoolean();
  private final AtomicBoolean wokenWhileReading = new AtomicBoolean();
  private volatile long lastSeen;
  private volatile boolean done;
  private volatile long lastSentNanos = System.nanoTime();

  RunEventFeed(
      UUID runId,
      String tenantId,
      long after,
      FluxSink<Event<String>> sink,
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions) {
    this.runId = runId;
    this.tenantId = tenantId;
    this.lastSeen = after;
    this.sink = sink;
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  boolean done() {
    return done;
  }

  /** Reads and emits what is new; safe to call from any thread, as often as wanted. */
  void wake() {
    if (done) {
      return;
    }
    if (!reading.compareAndSet(false, true)) {
      wokenWhileReading.set(true);
      return;
    }
    Thread.ofVirtual().start(this::drain);
  }

  /**
   * Sends an SSE comment when nothing was sent for {@code idle}: proxies and load balancers that
   * close quiet connections keep the stream of a run waiting on a slow step open, and a client sees
   * the connection is alive. EventSource ignores comments.
   */
  void keepAlive(Duration idle) {
    if (!done && System.nanoTime() - lastSentNanos >= idle.toNanos()) {
      lastSentNanos = System.nanoTime();
      sink.next(Event.of("").comment("keep-alive"));
    }
  }

  private void drain() {
    try {
      do {
        wokenWhileReading.set(false);
        List<Row> rows;
        String lastType = null;
        do {
          rows = read();
          for (Row row : rows) {
            sink.next(Event.of(row.data()).id(Long.toString(row.seq())).name(row.type()));
            lastSeen = row.seq();
            lastSentNanos = System.nanoTime();
            lastType = row.type();
          }
        } while (rows.size() == PAGE);
        if (lastType != null && TERMINAL.contains(lastType)) {
          done = true;
          sink.complete();
          return;
        }
      } while (wokenWhileReading.get() && !done);
    } catch (RuntimeException e) {
      LOG.warn("Reading events of run {} failed; the next wake-up retries", runId, e);
    } finally {
      reading.set(false);
      if (wokenWhileReading.getAndSet(false) && !done) {
        wake();
      }
    }
  }

  private List<Row> read() {
    return TenantScope.call(tenantId, this::readInScope);
  }

  private List<Row> readInScope() {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                """
                SELECT seq, type, data::text FROM run_event
                WHERE run_id = ? AND tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?
                """,
                statement -> {
                  statement.setObject(1, runId);
                  statement.setString(2, tenantId);
                  statement.setLong(3, lastSeen);
                  statement.setInt(4, PAGE);
                  List<Row> rows = new ArrayList<>();
                  try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                      rows.add(
                          new Row(result.getLong(1), result.getString(2), result.getString(3)));
                    }
                  }
                  return rows;
                }));
  }
}
