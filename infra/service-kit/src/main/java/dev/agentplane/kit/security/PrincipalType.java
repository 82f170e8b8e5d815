package dev.agentplane.kit.security;

import java.util.Locale;
import java.util.Optional;

/** Whether a token speaks for a person or for a machine (the {@code ptype} claim). */
public enum PrincipalType {
  USER,
  SERVICE;

  public String claimValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<PrincipalType> fromClaim(Object value) {
    for (PrincipalType type : values()) {
      if (type.claimValue().equals(value)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
