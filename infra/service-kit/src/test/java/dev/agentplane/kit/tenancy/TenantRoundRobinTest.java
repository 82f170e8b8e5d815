package dev.agentplane.kit.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TenantRoundRobinTest {

  @Test
  void aTenantWithAThousandRunsWaitingDelaysAnotherTenantsRunByOneTurnOnly() {
    TenantRoundRobin<UUID> backlog = new TenantRoundRobin<UUID>(10_000);
    List<UUID> noisy = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      UUID run = UUID.randomUUID();
      noisy.add(run);
      assertThat(backlog.offer("noisy", run)).isTrue();
    }
    UUID quiet = UUID.randomUUID();
    backlog.offer("quiet", quiet);

    assertThat(backlog.poll()).isEqualTo(noisy.get(0));
    assertThat(backlog.poll()).isEqualTo(quiet);
    assertThat(backlog.poll()).isEqualTo(noisy.get(1));
    assertThat(backlog.size()).isEqualTo(998);
  }

  @Test
  void eachTenantsRunsComeInTheOrderOfferedAndTheTenantsTakeTurns() {
    TenantRoundRobin<UUID> backlog = new TenantRoundRobin<UUID>(100);
    UUID a1 = UUID.randomUUID();
    UUID a2 = UUID.randomUUID();
    UUID a3 = UUID.randomUUID();
    UUID b1 = UUID.randomUUID();
    UUID b2 = UUID.randomUUID();
    UUID c1 = UUID.randomUUID();
    backlog.offer("a", a1);
    backlog.offer("a", a2);
    backlog.offer("b", b1);
    backlog.offer("a", a3);
    backlog.offer("b", b2);
    backlog.offer("c", c1);

    List<UUID> taken = new ArrayList<>();
    for (UUID next = backlog.poll(); next != null; next = backlog.poll()) {
      taken.add(next);
    }

    assertThat(taken).containsExactly(a1, b1, c1, a2, b2, a3);
    assertThat(backlog.size()).isZero();
  }

  @Test
  void refusesBeyondItsCapacityWhateverTheTenant() {
    TenantRoundRobin<UUID> backlog = new TenantRoundRobin<UUID>(2);

    assertThat(backlog.offer("a", UUID.randomUUID())).isTrue();
    assertThat(backlog.offer("b", UUID.randomUUID())).isTrue();
    assertThat(backlog.offer("c", UUID.randomUUID())).isFalse();

    backlog.poll();
    assertThat(backlog.offer("c", UUID.randomUUID())).isTrue();
  }

  @Test
  void anItemThatStopsWaitingLeavesItsLineAndATenantWithNoneLeftLosesItsTurn() {
    TenantRoundRobin<UUID> backlog = new TenantRoundRobin<UUID>(10);
    UUID a1 = UUID.randomUUID();
    UUID b1 = UUID.randomUUID();
    UUID a2 = UUID.randomUUID();
    backlog.offer("a", a1);
    backlog.offer("b", b1);
    backlog.offer("a", a2);

    assertThat(backlog.remove("b", b1)).isTrue();
    assertThat(backlog.remove("b", b1)).isFalse();
    assertThat(backlog.remove("a", b1)).isFalse();

    assertThat(backlog.size()).isEqualTo(2);
    assertThat(backlog.poll()).isEqualTo(a1);
    assertThat(backlog.poll()).isEqualTo(a2);
    assertThat(backlog.poll()).isNull();
  }

  @Test
  void anEmptyBacklogGivesNothingAndClearingEmptiesIt() {
    TenantRoundRobin<UUID> backlog = new TenantRoundRobin<UUID>(10);
    assertThat(backlog.poll()).isNull();

    backlog.offer("a", UUID.randomUUID());
    backlog.clear();

    assertThat(backlog.size()).isZero();
    assertThat(backlog.poll()).isNull();
  }
}
