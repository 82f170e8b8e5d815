package dev.agentplane.kit.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The application datasource's connections, on the real pool and database, go to the tenants in
 * turn: with the pool taken, a quiet tenant's caller waits for one connection of the noisy tenant's
 * hundred, not for all of them, and no connection's turn is lost on the way. A caller out of
 * patience is {@link TenantFairConnectionsTimeoutIT}'s, on a pool of its own patience.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantFairConnectionsIT extends SmallFairPoolTestSupport {

  // Long: the first caller waits from when it lines up until its turn, and lining up the five after
  // it takes a poll of Awaitility's each, which on a loaded machine can outlast a second.
  private static final long PATIENCE_MILLIS = 30_000;

  @Override
  long patienceMillis() {
    return PATIENCE_MILLIS;
  }

  @Test
  void withThePoolTakenAQuietTenantsCallerIsServedAfterOneOfTheNoisyTenantsNotAfterAll()
      throws Exception {
    TenantBoundDataSource fair = fair();
    Connection held = TenantScope.call("noisy", this::open);
    Connection stillHeld = TenantScope.call("noisy", this::open);
    List<String> served = new CopyOnWriteArrayList<>();
    List<Thread> callers = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      callers.add(caller("noisy", "noisy-" + i, served));
      int waiting = i + 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> fair.waiting() == waiting);
    }
    callers.add(caller("quiet", "quiet", served));
    await().atMost(Duration.ofSeconds(10)).until(() -> fair.waiting() == 6);

    held.close();
    for (Thread caller : callers) {
      caller.join(Duration.ofSeconds(30));
    }

    assertThat(served)
        .as("one connection handed from caller to caller, the tenants in turn")
        .containsExactly("noisy-0", "quiet", "noisy-1", "noisy-2", "noisy-3", "noisy-4");
    stillHeld.close();
    assertThat(fair.free()).as("every connection's turn came back").isEqualTo(POOL);
  }

  private Thread caller(String tenant, String name, List<String> served) {
    return Thread.ofVirtual()
        .name(name)
        .start(
            () ->
                TenantScope.run(
                    tenant,
                    () -> {
                      try (Connection connection = open()) {
                        served.add(name);
                      } catch (SQLException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
  }
}
