package dev.agentplane.kit.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TenantFairPermitsTest {

  private static final Duration LONG = Duration.ofSeconds(30);

  @Test
  void waitersAreServedOneTenantAtATimeInTurnEachTenantsInTheOrderTheyCame() throws Exception {
    TenantFairPermits permits = new TenantFairPermits(1);
    String[][] arrivals = {
      {"a", "a1"}, {"a", "a2"}, {"a", "a3"}, {"b", "b1"}, {"b", "b2"}, {"c", "c1"}
    };

    List<String> served = servedOnceTheOnePermitComesBack(permits, arrivals);

    assertThat(served).containsExactly("a1", "b1", "c1", "a2", "b2", "a3");
    assertThat(permits.free()).isEqualTo(1);
  }

  @Test
  void workForNoSingleTenantIsServedBeforeAnyTenantsTurn() throws Exception {
    TenantFairPermits permits = new TenantFairPermits(1);
    String[][] arrivals = {{"a", "a1"}, {"b", "b1"}, {null, "all-1"}, {"a", "a2"}, {null, "all-2"}};

    List<String> served = servedOnceTheOnePermitComesBack(permits, arrivals);

    assertThat(served).containsExactly("all-1", "all-2", "a1", "b1", "a2");
  }

  @Test
  void aFreePermitIsTakenAtOnceAndNobodyWaitsWhileAnyIsFree() throws Exception {
    TenantFairPermits permits = new TenantFairPermits(2);

    assertThat(permits.acquire("a", Duration.ZERO)).isTrue();
    assertThat(permits.acquire("a", Duration.ZERO)).isTrue();
    assertThat(permits.acquire("b", Duration.ofMillis(20))).as("none left").isFalse();

    assertThat(permits.waiting()).as("the impatient caller left its line").isZero();
    permits.release();
    assertThat(permits.free()).isEqualTo(1);
  }

  @Test
  void aWaiterInterruptedLeavesItsLineAndThePermitGoesToTheNext() throws Exception {
    TenantFairPermits permits = new TenantFairPermits(1);
    assertThat(permits.acquire("a", LONG)).isTrue();
    AtomicReference<Throwable> interrupted = new AtomicReference<>();
    Thread impatient =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    permits.acquire("b", LONG);
                  } catch (InterruptedException e) {
                    interrupted.set(e);
                  }
                });
    await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == 1);
    List<String> served = new CopyOnWriteArrayList<>();
    Thread next = waiter(permits, "c", "c1", served);
    await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == 2);

    impatient.interrupt();
    impatient.join(LONG);
    permits.release();
    next.join(LONG);

    assertThat(interrupted.get()).isInstanceOf(InterruptedException.class);
    assertThat(served).containsExactly("c1");
    assertThat(permits.free()).isEqualTo(1);
  }

  @Test
  void permitsKeptForSharedWorkAreNeverTakenByATenant() throws Exception {
    TenantFairPermits permits = new TenantFairPermits(3, 1);
    assertThat(permits.acquire("a", Duration.ZERO)).isTrue();
    assertThat(permits.acquire("b", Duration.ZERO)).isTrue();

    assertThat(permits.acquire("a", Duration.ofMillis(20))).as("the last is kept").isFalse();
    assertThat(permits.acquire(null, Duration.ZERO)).as("shared work takes it").isTrue();

    List<String> served = new CopyOnWriteArrayList<>();
    Thread tenant = waiter(permits, "a", "a1", served);
    await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == 1);
    permits.release();
    assertThat(permits.waiting()).as("the kept permit came back, not one for tenants").isOne();
    assertThat(permits.free()).isOne();
    permits.release();
    tenant.join(LONG);

    assertThat(served).containsExactly("a1");
    permits.release();
    assertThat(permits.free()).isEqualTo(3);
  }

  @Test
  void needsAtLeastOnePermitAndFewerKept() {
    assertThatThrownBy(() -> new TenantFairPermits(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TenantFairPermits(2, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Takes the only permit, lines the arrivals ({tenant, name}) up one after another, gives the
   * permit back, and answers the names in the order they were served.
   */
  private static List<String> servedOnceTheOnePermitComesBack(
      TenantFairPermits permits, String[][] arrivals) throws InterruptedException {
    assertThat(permits.acquire("first", LONG)).isTrue();
    List<String> served = new CopyOnWriteArrayList<>();
    List<Thread> waiters = new CopyOnWriteArrayList<>();
    for (String[] arrival : arrivals) {
      waiters.add(waiter(permits, arrival[0], arrival[1], served));
      int waiting = waiters.size();
      await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == waiting);
    }
    permits.release();
    for (Thread waiter : waiters) {
      waiter.join(LONG);
    }
    return served;
  }

  /** A thread that takes a permit for {@code tenant}, notes {@code name} and gives it back. */
  private static Thread waiter(
      TenantFairPermits permits, String tenant, String name, List<String> served) {
    return Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              try {
                if (permits.acquire(tenant, LONG)) {
                  served.add(name);
                  permits.release();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }
}
