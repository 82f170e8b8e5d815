package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A tenant's rate of accepted runs over HTTP, on the real service and database: requests beyond it
 * wait their turns and are accepted one turn apart; a request that will not wait is refused with
 * nothing written; another tenant's rate is its own.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIntakeRateIT extends ExecutionTestSupport {

  // One run a second, a burst of one: of three requests sent together the last waits two seconds.
  private static final String METERED = newTenant();
  private static final String UNMETERED = newTenant();
  private static final Duration TURNS_APART = Duration.ofSeconds(1);
  // Bucket4j refills continuously; the clock of createdAt has its own granularity.
  private static final Duration TOLERANCE = Duration.ofMillis(100);
  // createdAt is read once a request's thread, parked until its turn, has woken and gone on: one
  // woken late after one on time is accepted that much less than a turn after it, on a loaded
  // machine a couple of hundred milliseconds. Paced at two a second they would be closer still.
  private static final Duration LATE_WAKE_UP = Duration.ofMillis(200);

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.quotas.runs-per-second-of." + METERED,
        "1",
        "agentplane.execution.quotas.runs-per-second-of." + UNMETERED,
        "0",
        // Longer than the turns waited for here: each request says how long it waits.
        "agentplane.execution.quotas.intake-patience",
        "60s");
  }

  @Test
  void requestsBeyondTheRateWaitTheirTurnsAndOneThatWillNotWaitIsRefused() {
    registry.activeAgent(METERED, "greeter", answering("hello"));
    String token = operator(METERED);

    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Reply>> waiting =
          IntStream.range(0, 3)
              .mapToObj(i -> CompletableFuture.supplyAsync(() -> start(token, 30), clients))
              .toList();
      Reply first =
          (Reply) CompletableFuture.anyOf(waiting.toArray(CompletableFuture[]::new)).join();
      assertThat(first.status()).as(first.raw()).isEqualTo(202);

      // The other two hold the next two turns (the tenant's next seconds): no turn is left now.
      Reply impatient = start(token, 0);
      assertThat(impatient.status()).as(impatient.raw()).isEqualTo(429);
      assertThat(impatient.problemSlug()).isEqualTo("runs-per-second");
      assertThat(impatient.header("Retry-After")).contains("1");
      // One willing to wait a second, whose turn is two seconds away: it waits its second out
      // before its 429, so that a client retrying at once is slowed down, not answered at once.
      long sent = System.nanoTime();
      Reply waitedOut = start(token, 1);
      assertThat(waitedOut.status()).as(waitedOut.raw()).isEqualTo(429);
      assertThat(waitedOut.problemSlug()).isEqualTo("runs-per-second");
      assertThat(Duration.ofNanos(System.nanoTime() - sent))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(TOLERANCE));

      List<Instant> accepted =
          waiting.stream()
              .map(CompletableFuture::join)
              .peek(reply -> assertThat(reply.status()).as(reply.raw()).isEqualTo(202))
              .map(reply -> Instant.parse(reply.body().path("createdAt").asText()))
              .sorted()
              .toList();
      for (int i = 1; i < accepted.size(); i++) {
        assertThat(Duration.between(accepted.get(i - 1), accepted.get(i)))
            .as("run %d was accepted a turn after run %d", i + 1, i)
            .isGreaterThanOrEqualTo(TURNS_APART.minus(TOLERANCE).minus(LATE_WAKE_UP));
      }
    }
    assertThat(listedIds(token, "limit=100")).as("the refused request wrote nothing").hasSize(3);
  }

  @Test
  void aTenantWhoseRateIsOffIsNeverKeptWaiting() {
    registry.activeAgent(UNMETERED, "greeter", answering("hello"));
    String token = operator(UNMETERED);

    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Reply> replies =
          IntStream.range(0, 8)
              .mapToObj(i -> CompletableFuture.supplyAsync(() -> start(token, 0), clients))
              .toList()
              .stream()
              .map(CompletableFuture::join)
              .toList();

      assertThat(replies)
          .as("eight requests at once, none willing to wait")
          .allSatisfy(reply -> assertThat(reply.status()).as(reply.raw()).isEqualTo(202));
    }
  }

  private Reply start(String token, int waitSeconds) {
    return api()
        .send("POST", "/v1/runs", token, GREETER_RUN, Map.of("Prefer", "wait=" + waitSeconds));
  }
}
