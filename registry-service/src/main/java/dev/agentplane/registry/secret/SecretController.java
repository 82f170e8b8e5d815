package dev.agentplane.registry.secret;

import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import dev.agentplane.registry.JsonBody;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Set;

/** {@code /v1/secrets}: tenant admins manage names and values; only services read values back. */
@Controller("/v1/secrets")
@Secured(SecurityRule.IS_AUTHENTICATED)
class SecretController {

  /** A released value, for the platform's services only. */
  @Serdeable
  record SecretValueView(String name, String value) {}

  @Serdeable
  record SecretList(List<SecretMetadata> items) {}

  private final Secrets secrets;

  SecretController(Secrets secrets) {
    this.secrets = secrets;
  }

  @Put("/{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<?> put(TenantPrincipal principal, String name, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    boolean created =
        secrets.put(principal, name, JsonBody.parse(body, Set.of("value")).optionalString("value"));
    return created ? HttpResponse.created((Object) null) : HttpResponse.noContent();
  }

  @Get
  SecretList list(TenantPrincipal principal) {
    principal.require(Role.ADMIN);
    return new SecretList(secrets.list(principal));
  }

  @Delete("/{name}")
  HttpResponse<?> delete(TenantPrincipal principal, String name) {
    principal.require(Role.ADMIN);
    secrets.delete(principal, name);
    return HttpResponse.noContent();
  }

  /**
   * Releases a value to a {@code service} principal holding {@code internal} (e.g. the execution
   * service filling a tool's headers); never to a user, not even a tenant admin.
   */
  @Get("/{name}/value")
  HttpResponse<SecretValueView> reveal(TenantPrincipal principal, String name) {
    if (!principal.isService() || !principal.roles().contains(Role.INTERNAL)) {
      throw new ForbiddenException(
          "Secret values are released only to service principals with the internal role");
    }
    return HttpResponse.ok(new SecretValueView(name, secrets.reveal(principal, name)))
        .header("Cache-Control", "no-store");
  }
}
