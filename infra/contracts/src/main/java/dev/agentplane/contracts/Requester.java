package dev.agentplane.contracts;

import java.util.List;
import java.util.Objects;

/**
 * The verified principal on whose behalf something was asked, copied from its JWT so that a
 * consumer can authorize without the token.
 *
 * @param subject the JWT {@code sub}
 * @param roles the JWT {@code roles}: {@code admin}, {@code builder}, {@code operator}, {@code
 *     approver}, {@code viewer}
 * @param principalType the JWT {@code ptype}
 */
public record Requester(String subject, List<String> roles, PrincipalType principalType) {

  public Requester {
    roles = List.copyOf(Objects.requireNonNull(roles, "roles"));
  }
}
