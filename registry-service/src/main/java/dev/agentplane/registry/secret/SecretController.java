package dev.agentplane.registry.secret;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
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
import java.util.ArrayList;
import java.util.List;

/** {@code /v1/secrets}: tenant admins manage names and values; only services read values back. */
@Controller("/v1/secrets")
@Secured(SecurityRule.IS_AUTHENTICATED)
class SecretController {

  /**
   * Body of {@code PUT /v1/secrets/{name}}: {@code {"value": "..."}}. Parsed here rather than
   * bound, because the binder's errors quote the offending input (an unquoted value comes back
   * verbatim in the 400) and it coerces arrays, numbers and booleans into a string.
   */
  record PutSecretRequest(String value) {

    private static final ObjectMapper JSON =
        JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static PutSecretRequest parse(String raw) {
      JsonNode body;
      try {
        body = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
      } catch (JsonProcessingException e) {
        // Never the parser's message: it quotes the token it choked on, i.e. the secret.
        String where =
            e.getLocation() == null
                ? ""
                : " (line "
                    + e.getLocation().getLineNr()
                    + ", column "
                    + e.getLocation().getColumnNr()
                    + ")";
        throw new BadRequestException(
            "The body is not valid JSON" + where,
            List.of(new FieldError("", "malformed_json", "not valid JSON" + where)));
      }
      if (!(body instanceof ObjectNode object)) {
        throw new BadRequestException(
            "The body must be a JSON object",
            List.of(new FieldError("", "not_an_object", "expected {\"value\": \"...\"}")));
      }
      List<FieldError> unknown = new ArrayList<>();
      object
          .fieldNames()
          .forEachRemaining(
              field -> {
                if (!field.equals("value")) {
                  unknown.add(
                      new FieldError(
                          "/" + field,
                          "unknown_property",
                          "'" + field + "' is not a known property"));
                }
              });
      if (!unknown.isEmpty()) {
        throw new BadRequestException(
            "The request body has a property this API does not accept.", unknown);
      }
      JsonNode value = object.get("value");
      if (value != null && !value.isNull() && !value.isTextual()) {
        throw new BadRequestException(
            "value must be a string",
            List.of(new FieldError("/value", "wrong_type", "value must be a JSON string")));
      }
      return new PutSecretRequest(value == null || value.isNull() ? null : value.textValue());
    }
  }

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
    boolean created = secrets.put(principal, name, PutSecretRequest.parse(body).value());
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
