package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.AgentSpecs;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Per-tenant quotas on the real database: one running top-level run and three queued runs per
 * tenant here. A tenant over its queued quota gets a 429 with nothing written; the runs its running
 * quota holds back start one after another as the previous one stops; another tenant is not held
 * back by any of it. A tenant found full is refused without a look at the database for a while. A
 * request at a full queue waits for room up to its patience: admitted as soon as a run of its
 * tenant starts, refused once its patience has run out.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantQuotasIT extends ExecutionTestSupport {

  private static final Duration OVERLAP_TOLERANCE = Duration.ofMillis(100);
  private static final Duration HANDOFF_WITHIN = Duration.ofSeconds(5);
  // Each run naps this long: the test fills the tenant's queue while the first one naps, which
  // takes several requests, so it is long enough for a loaded machine to send them all.
  private static final Duration NAP = Duration.ofSeconds(3);
  // Well under a nap, so a tenant whose queue drained is admitted again.
  private static final Duration REMEMBERED = Duration.ofMillis(2500);
  // A tenant on a larger tier: its queued-runs quota is overridden to 5.
  private static final String ROOMY = newTenant();

  @Inject TenantQuotas quotas;

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.quotas.queued-runs-per-tenant",
        "3",
        "agentplane.execution.quotas.running-runs-per-tenant",
        "1",
        "agentplane.execution.quotas.retry-after",
        "7s",
        "agentplane.execution.quotas.queued-runs-of." + ROOMY,
        "5",
        "agentplane.execution.quotas.full-queue-remembered",
        REMEMBERED.toMillis() + "ms",
        // Longer than any test waits: each request says how long it waits (Prefer: wait=N).
        "agentplane.execution.quotas.intake-patience",
        "60s",
        // The queue, not the rate at which it fills (TenantIntakeRateIT), is under test here.
        "agentplane.execution.quotas.runs-per-second-per-tenant",
        "0");
  }

  @Test
  void aTenantOverItsQuotasWaitsOrIsRefusedWhileAnotherTenantRunsAtOnce() {
    String busy = newTenant();
    registry.activeNapper(busy, NAP);
    String busyToken = operator(busy);
    String quiet = newTenant();
    registry.activeAgent(quiet, "greeter", answering("hello"));
    String quietToken = operator(quiet);

    List<JsonNode> accepted = oneRunningThenQueued(busyToken, 3);
    Reply refused = startWaiting(busyToken, "napper", 0);

    assertThat(refused.status()).as(refused.raw()).isEqualTo(429);
    assertThat(refused.problemSlug()).isEqualTo("queued-runs-quota");
    assertThat(refused.header("Retry-After")).contains("7");
    assertThat(listedIds(busyToken, "limit=100")).hasSize(4);

    JsonNode quietRun = awaitEnd(quietToken, start(quietToken, GREETER_RUN));
    assertThat(quietRun.path("status").asText()).isEqualTo("succeeded");
    assertThat(runs().get(busyToken, path(accepted.get(3))).path("status").asText())
        .as("the quiet tenant's run ended while the busy tenant's last run still queued")
        .isEqualTo("queued");

    List<JsonNode> ended = new ArrayList<>();
    for (JsonNode run : accepted) {
      JsonNode end = runs().awaitEnd(busyToken, run, Duration.ofSeconds(60));
      assertThat(end.path("status").asText()).as(end.toString()).isEqualTo("succeeded");
      ended.add(end);
    }
    ended.sort(Comparator.comparing(run -> Instant.parse(run.path("startedAt").asText())));
    for (int i = 1; i < ended.size(); i++) {
      Instant previousEnd = Instant.parse(ended.get(i - 1).path("finishedAt").asText());
      Instant nextStart = Instant.parse(ended.get(i).path("startedAt").asText());
      assertThat(nextStart)
          .as("run %d started only once run %d stopped running", i + 1, i)
          .isAfterOrEqualTo(previousEnd.minus(OVERLAP_TOLERANCE))
          .as("run %d was handed run %d's place, not left for the sweeper (15 s)", i + 1, i)
          .isBefore(previousEnd.plus(HANDOFF_WITHIN));
    }

    Reply again = api().post("/v1/runs", busyToken, "{\"agent\":\"napper\",\"input\":{}}");
    assertThat(again.status()).as("the queue drained, so the quota admits again").isEqualTo(202);
    runs().awaitEnd(busyToken, again.body(), Duration.ofSeconds(30));
  }

  @Test
  void aTenantsOwnQueuedQuotaOverridesTheDefault() {
    registry.activeNapper(ROOMY, NAP);
    String token = operator(ROOMY);
    List<JsonNode> accepted = oneRunningThenQueued(token, 5);

    Reply refused = startWaiting(token, "napper", 0);

    assertThat(refused.status()).as(refused.raw()).isEqualTo(429);
    assertThat(refused.problemSlug()).isEqualTo("queued-runs-quota");
    assertThat(listedIds(token, "limit=100")).hasSize(6);
    cancelAll(token, accepted);
  }

  @Test
  void aTenantFoundAtItsQueuedQuotaIsRefusedWithoutALookUntilThatIsNoLongerRemembered() {
    String busy = newTenant();
    registry.activeNapper(busy, NAP);
    activeSleeper(busy);
    String token = operator(busy);
    // The sleeper holds the running place, so no run starts (which would end the memory early)
    // before the test cancels it.
    List<JsonNode> started = oneRunningThenQueued(token, "sleeper", "napper", 2);
    // Admitting the third queued run finds the queue full: remembered from then on.
    long filledSentAt = System.nanoTime();
    JsonNode filling = start(token, "{\"agent\":\"napper\",\"input\":{}}");
    Reply counted = startWaiting(token, "napper", 0);
    assertThat(counted.status()).as(counted.raw()).isEqualTo(429);

    Reply cancelled =
        api().post(path(filling) + "/cancel", token, "{\"reason\":\"room for another\"}");
    assertThat(cancelled.status()).as(cancelled.raw()).isIn(200, 202);
    runs().awaitStatus(token, filling, "cancelled", Duration.ofSeconds(10));
    Reply remembered = startWaiting(token, "napper", 0);
    long rememberedAt = System.nanoTime();

    assertThat(Duration.ofNanos(rememberedAt - filledSentAt))
        .as("the second request came while the full queue was still remembered")
        .isLessThan(REMEMBERED);
    assertThat(remembered.status())
        .as("a place came free, but the tenant is still remembered as full: " + remembered.raw())
        .isEqualTo(429);
    assertThat(remembered.problemSlug()).isEqualTo("queued-runs-quota");
    assertThat(remembered.header("Retry-After")).contains("7");
    Reply admitted =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> startWaiting(token, "napper", 0), reply -> reply.status() != 429);
    assertThat(admitted.status()).as(admitted.raw()).isEqualTo(202);
    assertThat(Duration.ofNanos(System.nanoTime() - filledSentAt))
        .as("admitted again only once the full queue was no longer remembered")
        .isGreaterThanOrEqualTo(REMEMBERED);

    cancelAll(token, List.of(started.get(0), started.get(1), started.get(2), admitted.body()));
  }

  @Test
  void aRequestAtAFullQueueWaitsForRoomAndIsAdmittedOnceARunOfItsTenantStarts() throws Exception {
    String busy = newTenant();
    registry.activeTool(busy, "sleep", ToolSpecs.sleep());
    activeSleeper(busy);
    String token = operator(busy);
    List<JsonNode> started = oneRunningThenQueued(token, "sleeper", "sleeper", 3);
    assertThat(startWaiting(token, "sleeper", 0).status())
        .as("the queue is full, and the tenant is now known to be")
        .isEqualTo(429);

    long asked = System.nanoTime();
    Reply outOfPatience = startWaiting(token, "sleeper", 1);
    Duration waited = Duration.ofNanos(System.nanoTime() - asked);
    assertThat(outOfPatience.status()).as(outOfPatience.raw()).isEqualTo(429);
    assertThat(outOfPatience.problemSlug()).isEqualTo("queued-runs-quota");
    assertThat(outOfPatience.header("Retry-After")).contains("7");
    assertThat(waited)
        .as("refused once its second of patience had passed, not at once nor after the server's")
        .isGreaterThanOrEqualTo(Duration.ofMillis(950))
        .isLessThan(Duration.ofSeconds(5));

    CompletableFuture<Reply> patient =
        CompletableFuture.supplyAsync(() -> startWaiting(token, "sleeper", 30));
    await().atMost(Duration.ofSeconds(10)).until(() -> quotas.waitingForRoom(busy) == 1);
    Reply cancelled =
        api().post(path(started.get(0)) + "/cancel", token, "{\"reason\":\"make room\"}");
    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(202);
    Reply admitted = patient.get(30, TimeUnit.SECONDS);

    assertThat(admitted.status())
        .as("the first queued run started in the cancelled one's place: " + admitted.raw())
        .isEqualTo(202);
    assertThat(listedIds(token, "limit=100")).hasSize(5);
    List<JsonNode> left = new ArrayList<>(started.subList(1, started.size()));
    left.add(admitted.body());
    cancelAll(token, left);
  }

  /** {@code POST /v1/runs} of {@code agent}, waiting for room {@code seconds} at most. */
  private Reply startWaiting(String token, String agent, int seconds) {
    return api()
        .send(
            "POST",
            "/v1/runs",
            token,
            "{\"agent\":\"" + agent + "\",\"input\":{}}",
            Map.of("Prefer", "wait=" + seconds));
  }

  /**
   * Starts a napper, waits until it runs, then queues {@code queued} more behind it; all of them.
   */
  private List<JsonNode> oneRunningThenQueued(String token, int queued) {
    return oneRunningThenQueued(token, "napper", "napper", queued);
  }

  private List<JsonNode> oneRunningThenQueued(
      String token, String runningAgent, String queuedAgent, int queued) {
    JsonNode first = start(token, "{\"agent\":\"" + runningAgent + "\",\"input\":{}}");
    runs().awaitStatus(token, first, "running", Duration.ofSeconds(20));
    List<JsonNode> started = new ArrayList<>(List.of(first));
    for (int i = 0; i < queued; i++) {
      started.add(start(token, "{\"agent\":\"" + queuedAgent + "\",\"input\":{}}"));
    }
    return started;
  }

  /**
   * An agent {@code sleeper}, of the tenant's {@code sleep} tool, that runs longer than any test
   * here: only a cancel ends it.
   */
  private void activeSleeper(String tenant) {
    // Under the sleep tool's 30 s maximum.
    registry.activeAgent(tenant, "sleeper", AgentSpecs.sleepingThenAnswering(25_000, "late"));
  }

  /** Ends the runs a test left running or queued, so that they hold no worker for the next. */
  private void cancelAll(String token, List<JsonNode> started) {
    for (JsonNode run : started) {
      api().post(path(run) + "/cancel", token, "{\"reason\":\"done\"}");
    }
    for (JsonNode run : started) {
      runs().awaitEnd(token, run, Duration.ofSeconds(10));
    }
  }

  private static String path(JsonNode run) {
    return "/v1/runs/" + run.path("id").asText();
  }
}
