package dev.agentplane.execution.registry;

import static org.awaitility.Awaitility.await;

import dev.agentplane.execution.support.ExecutionTestSupport;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.time.Duration;

/** What the tests of intake's memory of the registry's answers share: runs of {@code greeter}. */
abstract class AgentResolutionsTestSupport extends ExecutionTestSupport {

  static final Duration EVENT_DELIVERY = Duration.ofSeconds(20);

  /** The body of a request to start a run of {@code greeter}. */
  static final String GREETER_RUN = "{\"agent\":\"greeter\",\"input\":{}}";

  @Inject MeterRegistry meters;

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

  /** Resolutions so far with this {@code answer} tag ({@link AgentResolutions#METRIC}). */
  double resolutions(String answer) {
    var counter = meters.find(AgentResolutions.METRIC).tag("answer", answer).counter();
    return counter == null ? 0 : counter.count();
  }
}
