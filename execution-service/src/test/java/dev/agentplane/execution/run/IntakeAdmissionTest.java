package dev.agentplane.execution.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.kit.problem.TooManyRequestsException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class IntakeAdmissionTest {

  private static final int MOST_WAITING = 2;

  private final IntakeAdmission admission =
      new IntakeAdmission(
          new QuotaSettings(
              1000,
              32,
              Duration.ofSeconds(5),
              2,
              3,
              Duration.ZERO,
              Duration.ofSeconds(2),
              MOST_WAITING,
              Map.of(),
              0,
              Map.of(),
              0,
              Map.of()));

  @Test
  void aPrincipalBeyondItsCapIsRefusedWhileAColleagueStillGetsTheTenantsRest() {
    List<IntakeAdmission.Admitted> held = new ArrayList<>();
    held.add(admitNow(user("acme", "burst")));
    held.add(admitNow(user("acme", "burst")));

    assertThatThrownBy(() -> admitNow(user("acme", "burst")))
        .isInstanceOfSatisfying(
            TooManyRequestsException.class,
            refused -> {
              assertThat(refused.typeSlug()).isEqualTo("rate-limited");
              assertThat(refused.retryAfter()).isPositive();
            });
    held.add(admitNow(user("acme", "colleague")));
    assertThatThrownBy(() -> admitNow(user("acme", "another-colleague")))
        .as("the tenant's cap of 3 is reached")
        .isInstanceOf(TooManyRequestsException.class);
    admitNow(user("globex", "burst")).close();
  }

  @Test
  void closingAnAdmissionLetsTheNextOneIn() {
    IntakeAdmission.Admitted first = admitNow(user("acme", "burst"));
    admitNow(user("acme", "burst"));
    assertThatThrownBy(() -> admitNow(user("acme", "burst")))
        .isInstanceOf(TooManyRequestsException.class);

    first.close();

    admitNow(user("acme", "burst"));
  }

  @Test
  void aRefusalByTheTenantsCapGivesThePrincipalsPlaceBack() {
    IntakeAdmission.Admitted a = admitNow(user("acme", "a"));
    admitNow(user("acme", "b"));
    admitNow(user("acme", "c"));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> admitNow(user("acme", "d")))
          .isInstanceOf(TooManyRequestsException.class);
    }

    a.close();

    assertThat(admitNow(user("acme", "d")))
        .as("d's five refusals left nothing counted against d")
        .isNotNull();
  }

  @Test
  void aRequestBeyondTheCapWaitsItsTurnInArrivalOrderUntilItsDeadline() {
    IntakeAdmission.Admitted first = admitNow(user("acme", "burst"));
    IntakeAdmission.Admitted second = admitNow(user("acme", "burst"));
    List<String> admittedInOrder = new CopyOnWriteArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    CompletableFuture<Void> third = waitingFor("third", deadline, admittedInOrder);
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting("acme", "burst") == 1);
    CompletableFuture<Void> fourth = waitingFor("fourth", deadline, admittedInOrder);
    await().atMost(Duration.ofSeconds(5)).until(() -> waiting("acme", "burst") == 2);

    assertThatThrownBy(() -> admission.admit(user("acme", "burst"), deadline))
        .as("two already wait, the most allowed: refused at once, without waiting 30 s")
        .isInstanceOf(TooManyRequestsException.class);
    assertThat(admittedInOrder).isEmpty();

    first.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> admittedInOrder.size() == 1);
    second.close();
    CompletableFuture.allOf(third, fourth).join();
    assertThat(admittedInOrder).containsExactly("third", "fourth");
  }

  @Test
  void aRequestStillBeyondTheCapAtItsDeadlineIsRefusedAndLeavesNothingCounted() {
    IntakeAdmission.Admitted first = admitNow(user("acme", "burst"));
    admitNow(user("acme", "burst"));
    long started = System.nanoTime();

    assertThatThrownBy(
            () ->
                admission.admit(user("acme", "burst"), started + Duration.ofMillis(300).toNanos()))
        .isInstanceOf(TooManyRequestsException.class);

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("it waited for its turn until its deadline")
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    first.close();
    assertThat(admitNow(user("acme", "burst")))
        .as("the refused request left no place taken")
        .isNotNull();
  }

  private CompletableFuture<Void> waitingFor(String name, long deadline, List<String> admitted) {
    return CompletableFuture.runAsync(
        () -> {
          admission.admit(user("acme", "burst"), deadline);
          admitted.add(name);
        },
        runnable -> Thread.ofVirtual().start(runnable));
  }

  private int waiting(String tenant, String subject) {
    return admission.waitingOf(user(tenant, subject));
  }

  private IntakeAdmission.Admitted admitNow(TenantPrincipal caller) {
    return admission.admit(caller, System.nanoTime());
  }

  private static TenantPrincipal user(String tenant, String subject) {
    return new TenantPrincipal(tenant, subject, Set.of(Role.OPERATOR), PrincipalType.USER);
  }
}
