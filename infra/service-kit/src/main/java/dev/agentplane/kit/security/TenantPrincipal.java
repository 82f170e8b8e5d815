package dev.agentplane.kit.security;

import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.kit.problem.ForbiddenException;
import io.micronaut.security.authentication.Authentication;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling, in which tenant, with which roles: built from a token the service validated
 * itself. Controllers take it as a parameter and use {@link #require} for role checks.
 */
public record TenantPrincipal(
    String tenantId, String subject, Set<Role> roles, PrincipalType principalType) {

  public static final String TENANT_CLAIM = "tid";
  public static final String PRINCIPAL_TYPE_CLAIM = "ptype";

  public TenantPrincipal {
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
  }

  /**
   * Reads the principal from a validated authentication; {@link TenantClaimsValidator} has already
   * refused tokens without a tenant, so a missing one here is a wiring bug.
   */
  public static TenantPrincipal from(Authentication authentication) {
    Object tenant = authentication.getAttributes().get(TENANT_CLAIM);
    if (!(tenant instanceof String tenantId) || tenantId.isBlank()) {
      throw new IllegalStateException("Authenticated token without a tenant reached a controller");
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    authentication.getRoles().forEach(claim -> Role.fromClaim(claim).ifPresent(roles::add));
    PrincipalType type =
        principalTypeOf(authentication.getAttributes().get(PRINCIPAL_TYPE_CLAIM))
            .orElse(PrincipalType.USER);
    return new TenantPrincipal(tenantId, authentication.getName(), roles, type);
  }

  /** The {@code ptype} claim ({@code user} or {@code service}) as a principal type. */
  static Optional<PrincipalType> principalTypeOf(Object claim) {
    for (PrincipalType type : PrincipalType.values()) {
      if (type.name().toLowerCase(Locale.ROOT).equals(claim)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  public boolean hasAnyRole(Role... wanted) {
    return Arrays.stream(wanted).anyMatch(roles::contains) || roles.contains(Role.ADMIN);
  }

  /** Passes when the principal has one of the roles (admins always do), else a 403. */
  public TenantPrincipal require(Role... wanted) {
    if (!hasAnyRole(wanted)) {
      throw new ForbiddenException(
          "This action needs one of the roles "
              + Arrays.stream(wanted).map(Role::claimValue).toList()
              + " in tenant "
              + tenantId);
    }
    return this;
  }

  public boolean isService() {
    return principalType == PrincipalType.SERVICE;
  }
}
