package dev.agentplane.execution.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.kit.problem.TooManyRequestsException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IntakeAdmissionTest {

  private final IntakeAdmission admission =
      new IntakeAdmission(
          new QuotaSettings(1000, 32, Duration.ofSeconds(5), 2, 3, Duration.ZERO, Map.of()));

  @Test
  void aPrincipalBeyondItsCapIsRefusedWhileAColleagueStillGetsTheTenantsRest() {
    List<IntakeAdmission.Admitted> held = new ArrayList<>();
    held.add(admission.admit(user("acme", "burst")));
    held.add(admission.admit(user("acme", "burst")));

    assertThatThrownBy(() -> admission.admit(user("acme", "burst")))
        .isInstanceOfSatisfying(
            TooManyRequestsException.class,
            refused -> {
              assertThat(refused.typeSlug()).isEqualTo("rate-limited");
              assertThat(refused.retryAfter()).isPositive();
            });
    held.add(admission.admit(user("acme", "colleague")));
    assertThatThrownBy(() -> admission.admit(user("acme", "another-colleague")))
        .as("the tenant's cap of 3 is reached")
        .isInstanceOf(TooManyRequestsException.class);
    admission.admit(user("globex", "burst")).close();
  }

  @Test
  void closingAnAdmissionLetsTheNextOneIn() {
    IntakeAdmission.Admitted first = admission.admit(user("acme", "burst"));
    admission.admit(user("acme", "burst"));
    assertThatThrownBy(() -> admission.admit(user("acme", "burst")))
        .isInstanceOf(TooManyRequestsException.class);

    first.close();

    admission.admit(user("acme", "burst"));
  }

  @Test
  void aRefusalByTheTenantsCapGivesThePrincipalsPlaceBack() {
    IntakeAdmission.Admitted a = admission.admit(user("acme", "a"));
    admission.admit(user("acme", "b"));
    admission.admit(user("acme", "c"));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> admission.admit(user("acme", "d")))
          .isInstanceOf(TooManyRequestsException.class);
    }

    a.close();

    assertThat(admission.admit(user("acme", "d")))
        .as("d's five refusals left nothing counted against d")
        .isNotNull();
  }

  private static TenantPrincipal user(String tenant, String subject) {
    return new TenantPrincipal(tenant, subject, Set.of(Role.OPERATOR), PrincipalType.USER);
  }
}
