package dev.agentplane.kit.security;

import java.util.Locale;
import java.util.Optional;

/** The platform's roles (ARCHITECTURE.md § Identity and tenancy), as carried in the JWT. */
public enum Role {
  ADMIN,
  BUILDER,
  OPERATOR,
  APPROVER,
  VIEWER;

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
