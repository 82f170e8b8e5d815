package dev.agentplane.kit.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.util.Collection;

/**
 * Refuses (so the request is a 401) any token that does not name a tenant, or whose principal type
 * or roles are not the platform's: every row and query is tenant-scoped, so a token without a
 * tenant can authorize nothing.
 */
@Singleton
final class TenantClaimsValidator implements GenericJwtClaimsValidator<HttpRequest<?>> {

  @Override
  public boolean validate(Claims claims, HttpRequest<?> request) {
    Object tenant = claims.get(TenantPrincipal.TENANT_CLAIM);
    if (!(tenant instanceof String tenantId) || tenantId.isBlank()) {
      return false;
    }
    Object type = claims.get(TenantPrincipal.PRINCIPAL_TYPE_CLAIM);
    if (type != null && TenantPrincipal.principalTypeOf(type).isEmpty()) {
      return false;
    }
    Object roles = claims.get("roles");
    return roles == null || roles instanceof Collection<?> || roles instanceof String;
  }
}
