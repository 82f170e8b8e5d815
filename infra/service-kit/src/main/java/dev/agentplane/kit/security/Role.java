package dev.agentplane.kit.security;

import java.util.Locale;
import java.util.Optional;

/** The platform's roles (ARCHITECTURE.md § Identity and tenancy), as carried in the JWT. */
public enum Role {
  ADMIN,
  BUILDER,
  OPERATOR,
  APPROVER,
  VIEWER,
  /**
   * Service-to-service trust, e.g. the execution service reading secret values from the registry.
   * Only meaningful on a {@code service} principal; tenant admins do not get it implicitly.
   */
  INTERNAL;

  /** The claim value, e.g. {@code admin}. */
  public String claimValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromClaim(String value) {
    for (Role role : values()) {
      if (role.claimValue().equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
