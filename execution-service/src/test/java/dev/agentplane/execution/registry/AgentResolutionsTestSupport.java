package dev.agentplane.execution.registry;

import static org.awaitility.Awaitility.await;

import dev.agentplane.execution.support.ExecutionTestSupport;
import java.time.Duration;

/** What the tests of intake's memory of the registry's answers share: runs of {@code greeter}. */
abstract class AgentResolutionsTestSupport extends ExecutionTestSupport {

  static final Duration EVENT_DELIVERY = Duration.ofSeconds(20);

  /**
   * Runs {@code greeter} until a run is resolved from memory, once the tenant's lifecycle events so
   * far (its agent drafted and activated) have been applied: none is left to clear the answer
   * afterwards, as one applied after the first answer would.
   */
  void untilRemembered(String token) {
    awaitLifecycleEventsApplied();
    await("a run resolved from memory")
        .atMost(EVENT_DELIVERY)
        .until(
            () -> {
              double before = resolutions("remembered");
              awaitEnd(token, start(token, GREETER_RUN));
              return resolutions("remembered") > before;
            });
  }
}
