package dev.agentplane.kit.correlation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Ids the kit makes up: what other systems must accept, and never the same twice. */
class CorrelationIdsTest {

  @Test
  void newRequestIdsAreVersion4UuidsThatPassTheirOwnCheck() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = Correlation.newRequestId();
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(Correlation.isWellFormedRequestId(id)).isTrue();
      assertThat(seen.add(id)).isTrue();
    }
  }

  @Test
  void newTraceparentsAreValidW3cTraceContextsWithFreshIds() {
    Set<String> traceIds = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String traceparent = Correlation.newTraceparent();
      assertThat(Correlation.isValidTraceparent(traceparent)).as(traceparent).isTrue();
      assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
      assertThat(traceIds.add(traceparent.substring(3, 35))).isTrue();
    }
  }
}
