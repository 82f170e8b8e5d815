package dev.agentplane.execution.stream;

import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunAccess;
import dev.agentplane.execution.run.RunQueries;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * {@code GET /v1/runs/{id}/events}: the run's events as Server-Sent Events, live, each with {@code
 * id:} = its sequence number and {@code event:} = its short name; {@code Last-Event-ID} (or {@code
 * ?after=}) replays only what was missed. The stream ends after the terminal event; asking for what
 * follows the terminal event is a 204.
 */
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
class RunEventStreamController {

  /** A read now and then even without a wake-up: a lost notification costs at most this. */
  private static final Duration SAFETY_READ = Duration.ofSeconds(2);

  private final StreamSettings settings;
  private final RunQueries queries;
  private final RunNotifications notifications;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;

  RunEventStreamController(
      StreamSettings settings,
      RunQueries queries,
      RunNotifications notifications,
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions) {
    this.settings = settings;
    this.queries = queries;
    this.notifications = notifications;
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  @Get(value = "/v1/runs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM)
  @ExecuteOn(TaskExecutors.BLOCKING)
  HttpResponse<Publisher<Event<String>>> events(
      TenantPrincipal principal,
      @PathVariable String id,
      @Nullable @Header("Last-Event-ID") String lastEventId,
      @Nullable @QueryValue Long after) {
    UUID runId = RunAccess.runIdOf(id);
    Run run = queries.visible(principal, runId);
    long from = lastEventId != null ? sequence(lastEventId) : (after == null ? 0 : after);
    if (run.status().terminal() && from >= run.lastSeq()) {
      // Nothing will ever follow: a stream would wait forever for a terminal event it already
      // had. 204 also tells an EventSource, which reconnects whenever a stream closes, to stop.
      return HttpResponse.noContent();
    }
    return HttpResponse.ok(stream(runId, principal.tenantId(), from));
  }

  private Publisher<Event<String>> stream(UUID runId, String tenantId, long from) {
    return Flux.create(
        sink -> {
          RunEventFeed feed = new RunEventFeed(runId, tenantId, from, sink, jdbc, transactions);
          AutoCloseable subscription = notifications.onEvents(runId, feed::wake);
          // One timer per stream: the safety read, and a keep-alive check as often as it needs.
          Duration keepAlive = settings.keepAlive();
          Duration tick = min(SAFETY_READ, keepAlive.dividedBy(2));
          var timer =
              Flux.interval(tick)
                  .subscribe(
                      ignored -> {
                        feed.wake();
                        feed.keepAlive(keepAlive);
                      });
          sink.onDispose(
              () -> {
                timer.dispose();
                try {
                  subscription.close();
                } catch (Exception ignored) {
                  // Unsubscribing from an in-memory map does not fail.
                }
              });
          feed.wake();
        });
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static long sequence(String lastEventId) {
    try {
      long seq = Long.parseLong(lastEventId.trim());
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    String message = "Last-Event-ID is the id: of an event of this stream (a sequence number)";
    throw new BadRequestException(
        message, List.of(new FieldError("/Last-Event-ID", "invalid_value", message)));
  }
}
