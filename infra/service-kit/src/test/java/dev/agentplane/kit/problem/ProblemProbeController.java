package dev.agentplane.kit.problem;

import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.util.List;

/** Endpoints that fail in each way a real service can, for the problem+json tests. */
@Controller("/probe")
@Secured(SecurityRule.IS_AUTHENTICATED)
class ProblemProbeController {

  @Serdeable
  record ThingRequest(
      @NotBlank @Size(max = 20) String name, @NotEmpty List<@NotBlank String> tags) {}

  @Serdeable
  record ThingView(String tenantId, String name) {}

  @Post("/things")
  ThingView create(TenantPrincipal principal, @Valid @Body ThingRequest request) {
    principal.require(Role.BUILDER);
    return new ThingView(principal.tenantId(), request.name());
  }

  @Get("/things")
  List<String> list(@QueryValue(defaultValue = "10") @Min(1) @Max(100) int limit) {
    return List.of("limit=" + limit);
  }

  @Get("/things/{id}")
  ThingView get(TenantPrincipal principal, @PathVariable String id) {
    throw new NotFoundException("Thing " + id + " does not exist");
  }

  @Post("/conflict")
  void conflict() {
    throw new ConflictException("version-immutable", "Only drafts can change");
  }

  @Post("/signed")
  void signed() {
    throw new UnauthorizedException("invalid-signature", "No signature matches");
  }

  @Post("/rules")
  void rules() {
    throw new ValidationFailedException(
        "The agent spec breaks 1 rule",
        List.of(new FieldError("/tools/0/name", "unknown_tool", "No tool named 'x'")));
  }

  @Get("/boom")
  String boom() {
    throw new IllegalStateException("SELECT secret FROM credentials WHERE password = 'hunter2'");
  }
}
