package dev.agentplane.kit.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * On the real pool and database, with the pool taken, a caller out of patience gets the pool's
 * timeout error and leaves no connection's turn behind. Apart from {@link TenantFairConnectionsIT}
 * because the patience is the pool's: short here, so the test does not wait long, and long there,
 * so no caller in its queue gives up.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantFairConnectionsTimeoutIT extends SmallFairPoolTestSupport {

  private static final long PATIENCE_MILLIS = 1000;

  @Override
  long patienceMillis() {
    return PATIENCE_MILLIS;
  }

  @Test
  void aCallerOutOfPatienceGetsTheTimeoutAndLeavesNoTurnBehind() throws Exception {
    TenantBoundDataSource fair = fair();
    Connection first = TenantScope.call("noisy", this::open);
    Connection second = TenantScope.call("noisy", this::open);

    assertThatThrownBy(() -> TenantScope.call("late", this::open))
        .hasRootCauseInstanceOf(SQLTransientConnectionException.class)
        .rootCause()
        .hasMessageContaining("No connection came free within " + PATIENCE_MILLIS + " ms");
    assertThat(fair.waiting()).isZero();

    first.close();
    first.close();
    second.close();
    assertThat(fair.free()).as("closing twice gives one turn back").isEqualTo(POOL);
    try (Connection again = TenantScope.call("late", this::open);
        ResultSet one = again.createStatement().executeQuery("SELECT 1")) {
      assertThat(one.next()).isTrue();
    }
  }
}
