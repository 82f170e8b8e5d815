package dev.agentplane.approval.request;

import java.util.Objects;
import java.util.Set;

/**
 * Someone deciding on a request, however they were authenticated (a JWT, a signed webhook, an
 * action link): their principal id, their roles as claim values ({@code approver}, {@code admin},
 * ...), and the channel the decision came through.
 */
public record Approver(String subject, Set<String> roles, DecisionChannel channel) {

  public Approver {
    Objects.requireNonNull(subject, "subject");
    roles = Set.copyOf(Objects.requireNonNull(roles, "roles"));
    Objects.requireNonNull(channel, "channel");
  }
}
